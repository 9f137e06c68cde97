// bnb.functional.QuantState: what dequantization needs besides the codes, and its checkpoint form
// (QuantState.as_dict), as bitsandbytes writes it into a Linear4bit state_dict.
import { as_dtype, DType, float32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";

export interface QuantStateArgs {
  absmax: Tensor;
  shape?: readonly number[] | null;
  code?: Tensor | null;
  blocksize?: number | null;
  quant_type?: string | null;
  dtype?: DType | string | null;
  offset?: Tensor | null;
  state2?: QuantState | null;
}

export type QuantStateDictValue = Tensor | string | number | number[];

/** Python's repr(float) (what json.dumps writes): the shortest round-trip digits, fixed notation
 *  for exponents -4..15 (always with a ".0" or fraction), otherwise d.ddde-XX. */
export function py_float_repr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, exp_s] = x.toExponential().split("e") as [string, string];
  const exp = Number(exp_s);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let body: string;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) body = "0." + "0".repeat(-exp - 1) + digits;
    else if (digits.length <= exp + 1) body = digits + "0".repeat(exp + 1 - digits.length) + ".0";
    else body = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  } else {
    const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    body = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return (neg ? "-" : "") + body;
}

// Python's json.dumps with its default separators, for the flat dict QuantState packs; of its
// numbers only nested_offset is a Python float (repr'd), the others are ints
const FLOAT_KEYS = new Set(["nested_offset"]);
function py_json(d: Record<string, string | number | number[]>): string {
  const val = (k: string, v: string | number | number[]): string =>
    typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(", ")}]` : FLOAT_KEYS.has(k) ? py_float_repr(v) : String(v);
  return "{" + Object.entries(d).map(([k, v]) => `${JSON.stringify(k)}: ${val(k, v)}`).join(", ") + "}";
}

export class QuantState {
  absmax: Tensor;
  shape: number[] | null;
  code: Tensor | null;
  blocksize: number | null;
  quant_type: string | null;
  dtype: DType | null;
  offset: Tensor | null;
  state2: QuantState | null;

  constructor(args: QuantStateArgs) {
    if (!args || !(args.absmax instanceof Tensor)) throw new TypeError("QuantState: absmax must be a Tensor");
    this.absmax = args.absmax;
    this.shape = args.shape ? [...args.shape] : null;
    this.code = args.code ?? null;
    this.blocksize = args.blocksize ?? null;
    this.quant_type = args.quant_type ?? null;
    this.dtype = args.dtype ? as_dtype(args.dtype) : null;
    this.offset = args.offset ?? null;
    this.state2 = args.state2 ?? null;
  }

  /** true for double quantization: absmax holds 8-bit codes, dequantized through state2 + offset. */
  get nested(): boolean {
    return this.state2 !== null;
  }

  /** QuantState.as_dict(packed=False): the fields under their checkpoint names; with packed=true
   *  only tensors, the non-tensor fields JSON-encoded into the uint8 tensor
   *  `quant_state.bitsandbytes__<quant_type>` -- what Linear4bit puts after "weight." in a state_dict. */
  as_dict(packed: boolean | { packed?: boolean } = false): Record<string, QuantStateDictValue> {
    if (typeof packed === "object") packed = packed.packed ?? false;
    if (!this.code || this.blocksize === null || !this.dtype || !this.shape || !this.quant_type) {
      throw new Error("QuantState.as_dict: this state lacks code, blocksize, dtype, shape or quant_type (it is not a 4-bit weight's state)");
    }
    const d: Record<string, QuantStateDictValue> = {
      quant_type: this.quant_type,
      absmax: this.absmax,
      blocksize: this.blocksize,
      quant_map: this.code,
      dtype: this.dtype.name,
      shape: [...this.shape],
    };
    if (this.state2) {
      const s2 = this.state2;
      if (!this.offset || !s2.code || s2.blocksize === null || !s2.dtype) throw new Error("QuantState.as_dict: the nested state lacks offset, code, blocksize or dtype");
      d.nested_absmax = s2.absmax;
      d.nested_blocksize = s2.blocksize;
      d.nested_quant_map = s2.code.clone();
      d.nested_dtype = s2.dtype.name;
      d.nested_offset = this.offset.item() as number;
    }
    if (!packed) return d;
    const out: Record<string, QuantStateDictValue> = {};
    const rest: Record<string, string | number | number[]> = {};
    for (const [k, v] of Object.entries(d)) {
      if (v instanceof Tensor) out[k] = v;
      else rest[k] = v;
    }
    const bytes = new TextEncoder().encode(py_json(rest));
    out[`quant_state.bitsandbytes__${this.quant_type}`] = new Tensor(bytes, uint8, [bytes.length]);
    return out;
  }

  /** QuantState.from_dict: the inverse of as_dict (packed or not), keys without the "weight." prefix. */
  static from_dict(qs_dict: Record<string, QuantStateDictValue>): QuantState {
    const packed_key = Object.keys(qs_dict).find((k) => k.startsWith("quant_state.bitsandbytes__"));
    const d: Record<string, QuantStateDictValue> = { ...qs_dict };
    if (packed_key) {
      const t = d[packed_key] as Tensor;
      delete d[packed_key];
      const c = t.reshape(-1).contiguous();
      Object.assign(d, JSON.parse(new TextDecoder().decode((c._data as Uint8Array).subarray(c._offset, c._offset + c.numel()))));
    }
    const need = (k: string): QuantStateDictValue => {
      if (d[k] === undefined) throw new Error(`QuantState.from_dict: missing "${k}" (have: ${Object.keys(qs_dict).join(", ")})`);
      return d[k]!;
    };
    let state2: QuantState | null = null;
    let offset: Tensor | null = null;
    if (d.nested_absmax !== undefined) {
      offset = new Tensor(Float32Array.of(Number(need("nested_offset"))), float32, []);
      state2 = new QuantState({
        absmax: need("nested_absmax") as Tensor, blocksize: Number(need("nested_blocksize")),
        code: need("nested_quant_map") as Tensor, dtype: String(need("nested_dtype")),
      });
    }
    return new QuantState({
      quant_type: String(need("quant_type")), absmax: need("absmax") as Tensor, blocksize: Number(need("blocksize")),
      code: need("quant_map") as Tensor, dtype: String(need("dtype")), shape: need("shape") as number[], offset, state2,
    });
  }
}
