// bnb.functional.quantize_blockwise / dequantize_blockwise: 8-bit codes over a 256-entry map
// (by default the signed dynamic map), one float32 absmax per block, as the CUDA kernels
// kQuantizeBlockwise<General8bit> / kDequantizeBlockwise compute them.
import { BLOCKWISE_KIND } from "../../tensor/backend/reference/quantize_blockwise.js";
import { float32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { create_dynamic_map } from "./codes.js";
import { check_blocksize, dequantize_blocks, f32_flat, quantize_blocks, u8_flat } from "./common.js";
import { QuantState } from "./quant_state.js";

let dynamic: Float32Array | null = null;
function dynamic_map(): Tensor {
  dynamic ??= create_dynamic_map(true, 7, 8)._data as Float32Array;
  return new Tensor(dynamic.slice(), float32, [256]);
}

function code_array(fn: string, code: unknown): Float32Array {
  if (!(code instanceof Tensor)) throw new TypeError(`${fn}: code must be a Tensor of 256 sorted values, got ${code === null ? "null" : typeof code}`);
  if (code.numel() !== 256) throw new RangeError(`${fn}: code must hold 256 values (an 8-bit map), got ${code.numel()}`);
  return f32_flat(code);
}

export interface QuantizeBlockwiseOptions {
  code?: Tensor | null;
  blocksize?: number;
  nested?: boolean;
}

/** bnb.functional.quantize_blockwise(A, { code = dynamic map, blocksize = 4096, nested = false }):
 *  [uint8 codes shaped like A, QuantState]. nested also quantizes the absmax (minus their mean,
 *  the offset) the same way. */
export function quantize_blockwise(A: Tensor, o: QuantizeBlockwiseOptions = {}): [Tensor, QuantState] {
  const fn = "quantize_blockwise";
  const blocksize = check_blocksize(fn, o.blocksize ?? 4096);
  const code = o.code ?? dynamic_map();
  // per block: absmax = max|x| (float32), codes[i] = the nearest entry of `code` to x[i] · fp32(1/absmax)
  const [q, absmax] = quantize_blocks(fn, A, blocksize, BLOCKWISE_KIND.dynamic, code_array(fn, code));
  const out = new Tensor(q, uint8, A.shape);
  const absmax_t = new Tensor(absmax, float32, [absmax.length]);
  if (!o.nested) return [out, new QuantState({ absmax: absmax_t, code, blocksize, dtype: A.dtype })];
  const offset = absmax_t.mean();
  const [qabsmax, state2] = quantize_blockwise(absmax_t.sub(offset), { blocksize });
  return [out, new QuantState({ absmax: qabsmax, code, blocksize, dtype: float32, offset, state2 })];
}

export interface DequantizeBlockwiseOptions {
  absmax?: Tensor | null;
  code?: Tensor | null;
  blocksize?: number;
}

/** The float32 absmax a state describes: as stored, or code2[q] · absmax2 + offset when nested. */
export function state_absmax(fn: string, qs: QuantState): Float32Array {
  if (!qs.nested) return f32_flat(qs.absmax);
  if (!qs.offset) throw new Error(`${fn}: the quant_state is nested but has no offset`);
  const a = dequantize_blockwise(qs.absmax, qs.state2!);
  return f32_flat(a.add(qs.offset));
}

/** bnb.functional.dequantize_blockwise(A, quant_state) or (A, null, { absmax, code, blocksize }):
 *  code[A] · absmax[block] in float32, in quant_state.dtype (float32 without a state), shaped like A. */
export function dequantize_blockwise(A: Tensor, quant_state?: QuantState | DequantizeBlockwiseOptions | null,
  o: DequantizeBlockwiseOptions = {}): Tensor {
  const fn = "dequantize_blockwise";
  if (quant_state && !(quant_state instanceof QuantState)) {
    o = quant_state;
    quant_state = null;
  }
  const q = u8_flat(fn, "A", A);
  let qs = quant_state as QuantState | null | undefined;
  if (!qs) {
    if (!(o.absmax instanceof Tensor)) throw new TypeError(`${fn}: pass a quant_state, or absmax (and code, blocksize)`);
    qs = new QuantState({ absmax: o.absmax, code: o.code ?? dynamic_map(), blocksize: o.blocksize ?? 4096, dtype: float32 });
  }
  const blocksize = check_blocksize(fn, qs.blocksize);
  const code = code_array(fn, qs.code ?? dynamic_map());
  const absmax = state_absmax(fn, qs);
  if (absmax.length !== Math.ceil(q.length / blocksize)) {
    throw new RangeError(`${fn}: ${q.length} codes in blocks of ${blocksize} need ${Math.ceil(q.length / blocksize)} absmax values, the state has ${absmax.length}`);
  }
  return dequantize_blocks(q, q.length, blocksize, 8, code, absmax, A.shape, qs.dtype ?? float32);
}
