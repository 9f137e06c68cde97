// bitsandbytes.nn.Linear4bit, LinearNF4, LinearFP4 and Params4bit (bitsandbytes 95f9af3, nn/modules.py):
// the float weight is quantized to NF4/FP4 (blocksize 64; with compress_statistics the absmax are
// double-quantized in blocks of 256 over the signed dynamic map, minus their mean) when the layer is
// moved to a device -- .to("cpu") / .cuda() / .cpu() on the layer -- or built by from_linear. The
// forward is bitsandbytes': the bias is cast to the input's dtype, the input to compute_dtype
// (which the first float32/bfloat16 input sets when none was given), matmul_4bit, back to the input's dtype.
import { as_dtype, DType, uint8 } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { check_device } from "../../tensor/ops/cast.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { Parameter } from "../../nn/parameter.js";
import { QuantizedWeight } from "../qmatmul.js";
import { check_bias_flag, check_features } from "../layer_args.js";
import { check_bias_and_rest, LoadResult } from "./checkpoint.js";
import { QuantType4bit } from "./codes.js";
import { NESTED_BLOCKSIZE, quantize_4bit } from "./functional_4bit.js";
import { code4_weight } from "./matmul_4bit.js";
import { quantized_linear } from "../qmatmul.js";
import { QuantState, QuantStateDictValue } from "./quant_state.js";

const HIDDEN = { enumerable: false, writable: true, configurable: true };

export interface Params4bitOptions {
  requires_grad?: boolean;
  quant_state?: QuantState | null;
  blocksize?: number;
  compress_statistics?: boolean;
  quant_type?: QuantType4bit;
  quant_storage?: DType | string;
  module?: Linear4bit | null;
  bnb_quantized?: boolean;
}

/** bnb.nn.Params4bit: the weight of Linear4bit. The float weight until quantized, then the packed
 *  uint8 codes [ceil(n/2), 1] with quant_state (and the module's quant_state) describing them. */
export class Params4bit extends Parameter {
  blocksize: number;
  compress_statistics: boolean;
  quant_type: QuantType4bit;
  quant_state: QuantState | null;
  quant_storage: DType;
  bnb_quantized: boolean;
  declare module: Linear4bit | null;

  constructor(data?: Tensor, o: Params4bitOptions = {}) {
    super(data, o.requires_grad ?? false);
    this.blocksize = o.blocksize ?? 64;
    this.compress_statistics = o.compress_statistics ?? true;
    this.quant_type = o.quant_type ?? "fp4";
    this.quant_state = o.quant_state ?? null;
    this.quant_storage = as_dtype(o.quant_storage ?? uint8);
    this.bnb_quantized = o.bnb_quantized ?? false;
    // not enumerable: the module holds its weight, and walking the weight must not reach the module
    Object.defineProperty(this, "module", { ...HIDDEN, value: o.module ?? null });
  }

  /** Params4bit.from_prequantized(data, quantized_stats, { requires_grad, module }): the packed
   *  bytes and the QuantState.as_dict(packed=True) entries (keys without "weight."). */
  static from_prequantized(data: Tensor, quantized_stats: Record<string, QuantStateDictValue>,
                           o: { requires_grad?: boolean; module?: Linear4bit | null } = {}): Params4bit {
    const qs = QuantState.from_dict(quantized_stats);
    const p = new Params4bit(data, {
      requires_grad: o.requires_grad ?? false, quant_state: qs, blocksize: qs.blocksize ?? 64, compress_statistics: qs.nested,
      quant_type: qs.quant_type as QuantType4bit, quant_storage: data.dtype, module: o.module ?? null, bnb_quantized: true,
    });
    if (p.module) p.module.quant_state = qs;
    return p;
  }

  /** Quantizes the float data in place (what moving it to a device does in bitsandbytes). */
  _quantize(): this {
    const [w4, qs] = quantize_4bit(this.contiguous(), {
      blocksize: this.blocksize, compress_statistics: this.compress_statistics, quant_type: this.quant_type, quant_storage: this.quant_storage,
    });
    this._set(w4);
    this.quant_state = qs;
    if (this.module) this.module.quant_state = qs;
    this.bnb_quantized = true;
    return this;
  }

  /** to(device) quantizes a not yet quantized weight; anything else converts as Tensor.to does. */
  override to(...args: Parameters<Tensor["to"]>): Tensor {
    if (!this.bnb_quantized && moves(args)) return this._quantize();
    return super.to(...args);
  }
  override cpu(): Tensor { return this.to("cpu"); }
  override cuda(): Tensor { return this.to("cuda"); }
}

/** The device a to() argument names, or null. */
function device_of(a: unknown): string | null {
  if (typeof a === "string" && (a === "cpu" || a.startsWith("cuda"))) return a;
  if (typeof a === "object" && a !== null && !(a instanceof Tensor) && !(a instanceof DType) && "device" in a && typeof a.device === "string") return a.device;
  return null;
}

/** Whether the arguments move to a device; an unusable device throws before anything changes. */
function moves(args: readonly unknown[]): boolean {
  const devices = args.map(device_of).filter((d): d is string => d !== null);
  devices.forEach(check_device);
  return devices.length > 0;
}

export interface Linear4bitOptions {
  /** the dtype the product is computed in; null: set by the first float32/bfloat16 input */
  compute_dtype?: DType | string | null;
  /** double quantization of the absmax (bnb_4bit_use_double_quant) */
  compress_statistics?: boolean;
  quant_type?: QuantType4bit;
  quant_storage?: DType | string;
  /** dtype of the float weight before quantization (default: torch's default dtype) */
  dtype?: DType | string;
}

export class Linear4bit extends Module {
  in_features: number;
  out_features: number;
  weight: Params4bit;
  bias: Parameter | null;
  declare compute_dtype: DType | null;
  declare compute_type_is_set: boolean;
  declare quant_state: QuantState | null;
  declare quant_storage: DType;
  declare private cached: { state: QuantState; data: unknown; weight: QuantizedWeight } | null;

  /** Linear4bit(input_features, output_features, bias = true, { compute_dtype = null,
   *  compress_statistics = true, quant_type = "fp4", quant_storage = torch.uint8 }). The weight starts
   *  as nn.Linear initialises it; .to("cpu") / .cuda() / quantize() quantize it. */
  constructor(input_features: number, output_features: number, bias = true, o: Linear4bitOptions = {}) {
    super();
    const fn = this.constructor.name;
    check_features(fn, { input_features, output_features });
    check_bias_flag(fn, bias);
    const quant_type = o.quant_type ?? "fp4";
    if (quant_type !== "nf4" && quant_type !== "fp4") throw new RangeError(`${fn}: quant_type must be "nf4" or "fp4", got ${String(quant_type)}`);
    const init = new Linear(input_features, output_features, bias, { dtype: o.dtype ?? get_default_dtype() });
    this.in_features = input_features;
    this.out_features = output_features;
    const quant_storage = as_dtype(o.quant_storage ?? uint8);
    this.weight = new Params4bit(init.weight.data, {
      requires_grad: false, compress_statistics: o.compress_statistics ?? true, quant_type, quant_storage, module: this,
    });
    this.bias = init.bias;
    const compute_dtype = o.compute_dtype ? as_dtype(o.compute_dtype) : null;
    for (const [k, value] of Object.entries({ compute_dtype, compute_type_is_set: compute_dtype !== null, quant_state: null, quant_storage, cached: null })) {
      Object.defineProperty(this, k, { ...HIDDEN, value });
    }
  }

  /** Builds the layer from an nn.Linear (weight and bias copied, the weight's dtype kept) and quantizes it. */
  static from_linear<T extends Linear4bit>(this: new (i: number, o: number, b: boolean, opts: Linear4bitOptions) => T, linear: Linear,
                                          o: Omit<Linear4bitOptions, "dtype"> = {}): T {
    if (!(linear instanceof Linear)) throw new TypeError(`from_linear: expected an nn.Linear, got ${linear === null ? "null" : typeof linear}`);
    const layer = new this(linear.in_features, linear.out_features, linear.bias !== null, { ...o, dtype: linear.weight.dtype });
    layer.weight.copy_(linear.weight);
    if (linear.bias && layer.bias) layer.bias.copy_(linear.bias);
    return layer.quantize();
  }

  get is_quantized(): boolean {
    return this.weight.bnb_quantized;
  }

  /** Quantizes the weight now (a no-op when it already is). */
  quantize(): this {
    if (!this.weight.bnb_quantized) this.weight._quantize();
    return this;
  }

  /** to(device) quantizes the weight first, as in bitsandbytes; dtypes convert the bias (and a
   *  not yet quantized weight) as Module.to does. A parent module's .to() does not reach this
   *  override: call it on the layer, or quantize(). */
  override to(...args: Parameters<Module["to"]>): this {
    if (moves(args)) this.quantize();
    return super.to(...args);
  }
  override cpu(): this { return this.to("cpu"); }
  override cuda(): this { return this.to("cuda"); }

  /** weight, bias, then the quant state under "weight.": absmax, quant_map, nested_absmax,
   *  nested_quant_map, quant_state.bitsandbytes__<nf4|fp4> (QuantState.as_dict(packed=True)). */
  override state_dict(prefix = ""): Record<string, Tensor> {
    const out = super.state_dict(prefix);
    const qs = this.weight.quant_state;
    if (qs) {
      const pre = prefix ? `${prefix.replace(/\.$/, "")}.` : "";
      for (const [k, v] of Object.entries(qs.as_dict(true))) out[`${pre}weight.${k}`] = v as Tensor;
    }
    return out;
  }

  /** Loads bitsandbytes' serialized 4-bit layer (state_dict() above, or a checkpoint saved by
   *  bitsandbytes), or a float checkpoint into a layer not yet quantized. */
  override load_state_dict(state: Record<string, Tensor> | Map<string, Tensor>, strict = true): LoadResult {
    const fn = "Linear4bit.load_state_dict";
    const sd = state instanceof Map ? Object.fromEntries(state) : { ...state };
    const qs_keys = Object.keys(sd).filter((k) => k.startsWith("weight."));
    if (qs_keys.length === 0) {
      if (this.is_quantized) {
        throw new Error(`${fn}: this layer is already quantized; load a float checkpoint into a fresh ${this._get_name()} and quantize it, or load a 4-bit checkpoint with its "weight.absmax", "weight.quant_map" and "weight.quant_state.bitsandbytes__*" entries`);
      }
      return super.load_state_dict(sd, strict);
    }
    const stats: Record<string, Tensor> = {};
    for (const k of qs_keys) stats[k.slice("weight.".length)] = sd[k]!;
    const [weight, qs] = this.check_4bit_checkpoint(fn, sd.weight, stats);
    const [write_bias, result] = check_bias_and_rest(this._get_name(), sd, (k) => k === "weight" || k.startsWith("weight."), this.bias, this.out_features, strict);
    // everything checked: now write
    this.weight._set(weight.contiguous().clone());
    Object.assign(this.weight, {
      quant_state: qs, blocksize: qs.blocksize, compress_statistics: qs.nested, quant_type: qs.quant_type, quant_storage: weight.dtype, bnb_quantized: true,
    });
    this.quant_state = qs;
    write_bias();
    return result;
  }

  private check_4bit_checkpoint(fn: string, weight: Tensor | undefined, stats: Record<string, Tensor>): [Tensor, QuantState] {
    const packed_key = Object.keys(stats).find((k) => k.startsWith("quant_state.bitsandbytes__"));
    if (!packed_key) throw new Error(`${fn}: missing "weight.quant_state.bitsandbytes__nf4" (or __fp4), the packed quant state JSON`);
    const nested = "nested_absmax" in stats || "nested_quant_map" in stats;
    for (const k of ["absmax", "quant_map", ...(nested ? ["nested_absmax", "nested_quant_map"] : [])]) {
      if (!(stats[k] instanceof Tensor)) throw new Error(`${fn}: missing "weight.${k}"`);
    }
    let qs: QuantState;
    try {
      qs = QuantState.from_dict(stats);
    } catch (e) {
      throw new Error(`${fn}: "weight.${packed_key}" is not a bitsandbytes quant state: ${(e as Error).message}`);
    }
    const n = this.out_features * this.in_features;
    const expect = (key: string, ok: boolean, want: string, got: Tensor | undefined) => {
      if (!ok) throw new Error(`${fn}: "${key}" must be ${want}, got ${got instanceof Tensor ? `${got.dtype} [${got.shape.join(", ")}]` : "none"}`);
    };
    const shape = qs.shape ?? [];
    if (shape.length !== 2 || shape[0] !== this.out_features || shape[1] !== this.in_features) {
      throw new Error(`${fn}: "weight.${packed_key}" describes a weight of shape [${shape.join(", ")}], this layer's is [${this.out_features}, ${this.in_features}]`);
    }
    if (!["float32", "bfloat16", "float16"].includes(qs.dtype?.name ?? "")) throw new Error(`${fn}: "weight.${packed_key}" has dtype ${String(qs.dtype)}; expected float32, bfloat16 or float16`);
    expect("weight", weight instanceof Tensor && weight.dtype === uint8 && weight.numel() === Math.ceil(n / 2), `uint8 with ${Math.ceil(n / 2)} packed bytes`, weight);
    const blocks = Math.ceil(n / (qs.blocksize ?? 64));
    expect("weight.absmax", stats.absmax!.numel() === blocks && stats.absmax!.dtype === (nested ? uint8 : stats.absmax!.dtype),
      `${blocks} ${nested ? "uint8 codes" : "values"} (one per block of ${qs.blocksize})`, stats.absmax);
    expect("weight.quant_map", stats.quant_map!.numel() === 16, "the 16 values of the 4-bit code", stats.quant_map);
    if (nested) {
      const nb = Math.ceil(blocks / (qs.state2!.blocksize ?? NESTED_BLOCKSIZE));
      expect("weight.nested_absmax", stats.nested_absmax!.numel() === nb, `${nb} values (one per ${qs.state2!.blocksize} absmax)`, stats.nested_absmax);
      expect("weight.nested_quant_map", stats.nested_quant_map!.numel() === 256, "the 256 values of the 8-bit dynamic map", stats.nested_quant_map);
    }
    return [weight!, qs];
  }

  /** The kernel's view of the quantized weight, rebuilt when the weight or its state changes. */
  private quantized_weight(): QuantizedWeight {
    const qs = this.weight.quant_state;
    if (!this.weight.bnb_quantized || !qs) {
      throw new Error(`${this._get_name()}: the weight is not quantized yet; call .to("cpu") (or .cuda()) on this layer, ` +
        `as bitsandbytes quantizes on the move to a device, or quantize(), or build it with from_linear`);
    }
    if (this.cached?.state !== qs || this.cached.data !== this.weight._data) {
      this.cached = { state: qs, data: this.weight._data, weight: code4_weight(`${this._get_name()}.forward`, this.weight, qs) };
    }
    return this.cached.weight;
  }

  // bitsandbytes' set_compute_type: float32/bfloat16 inputs become the compute dtype; float16 ones
  // keep compute_dtype (bitsandbytes warns that float32 is slow there, which does not hold on CPUs)
  private set_compute_type(x: Tensor): void {
    if (x.dtype.name === "float32" || x.dtype.name === "bfloat16") this.compute_dtype = x.dtype;
  }

  override forward(x: Tensor): Tensor {
    const fn = `${this._get_name()}.forward`;
    if (!(x instanceof Tensor)) throw new TypeError(`${fn}: expected a Tensor, got ${x === null ? "null" : typeof x}`);
    if (!["float32", "bfloat16", "float16"].includes(x.dtype.name)) {
      throw new TypeError(`${fn}: expected a float32, bfloat16 or float16 input, got ${x.dtype}`);
    }
    const weight = this.quantized_weight();
    if (this.bias && this.bias.dtype !== x.dtype) this.bias._set(this.bias.to(x.dtype));
    if (!this.compute_type_is_set) {
      this.set_compute_type(x);
      this.compute_type_is_set = true;
    }
    const inp_dtype = x.dtype;
    const xc = this.compute_dtype ? x.to(this.compute_dtype) : x;
    const bias = this.bias ? (this.compute_dtype ? this.bias.to(this.compute_dtype) : this.bias) : null;
    return quantized_linear(xc, weight, bias).to(inp_dtype);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }
}

export type LinearNF4Options = Omit<Linear4bitOptions, "quant_type">;

/** bnb.nn.LinearFP4: Linear4bit with quant_type "fp4". */
export class LinearFP4 extends Linear4bit {
  constructor(input_features: number, output_features: number, bias = true, o: LinearNF4Options = {}) {
    super(input_features, output_features, bias, { ...o, quant_type: "fp4" });
  }
}

/** bnb.nn.LinearNF4: Linear4bit with quant_type "nf4". */
export class LinearNF4 extends Linear4bit {
  constructor(input_features: number, output_features: number, bias = true, o: LinearNF4Options = {}) {
    super(input_features, output_features, bias, { ...o, quant_type: "nf4" });
  }
}
