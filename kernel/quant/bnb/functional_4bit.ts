// bnb.functional.quantize_4bit / dequantize_4bit: NF4 and FP4 blockwise quantization, optionally
// with double quantization of the absmax (compress_statistics), as bitsandbytes' CUDA kernels do it:
//   absmax[b] = max|x| over 64 consecutive values; y = x · fp32(1/absmax[b]); nibble = decision tree;
//   byte k = nib[2k] << 4 | nib[2k+1] (first value in the high nibble), stored uint8 [ceil(n/2), 1];
//   dequantized = dtype(code[nibble] · absmax[b]) with one rounding from float32.
import { BLOCKWISE_KIND } from "../../tensor/backend/reference/quantize_blockwise.js";
import { as_dtype, DType, float32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { bad_quant_type, code_values, get_4bit_type, QuantType4bit } from "./codes.js";
import { quantize_blockwise, state_absmax } from "./blockwise.js";
import { check_blocksize, dequantize_blocks, f32_flat, quantize_blocks, u8_flat } from "./common.js";
import { QuantState } from "./quant_state.js";

/** the nested (double quantization) block size bitsandbytes uses for the absmax */
export const NESTED_BLOCKSIZE = 256;

export interface Quantize4bitOptions {
  blocksize?: number;
  compress_statistics?: boolean;
  quant_type?: QuantType4bit;
  quant_storage?: DType | string;
}

function check_quant_type(fn: string, quant_type: unknown): QuantType4bit {
  if (quant_type !== "nf4" && quant_type !== "fp4") throw bad_quant_type(fn, quant_type);
  return quant_type;
}

/** bnb.functional.quantize_4bit(A, { blocksize = 64, compress_statistics = false, quant_type = "fp4",
 *  quant_storage = torch.uint8 }): [packed uint8 [ceil(n/2), 1], QuantState]. With
 *  compress_statistics the absmax are double-quantized: offset = absmax.mean(), then
 *  quantize_blockwise(absmax - offset, { blocksize: 256 }) over the dynamic map. */
export function quantize_4bit(A: Tensor, o: Quantize4bitOptions = {}): [Tensor, QuantState] {
  const fn = "quantize_4bit";
  const blocksize = check_blocksize(fn, o.blocksize ?? 64);
  const quant_type = check_quant_type(fn, o.quant_type ?? "fp4");
  const storage = as_dtype(o.quant_storage ?? uint8);
  if (storage !== uint8) {
    throw new TypeError(`${fn}: only quant_storage=torch.uint8 is supported here, got ${storage}`);
  }
  // an all-zero block's NaN goes to nibble 0 in both trees (NF4 -1.0, FP4 0.0), which decodes to
  // -0.0 / 0.0 since its absmax is 0: no NaN comes out
  const [packed_bytes, absmax] = quantize_blocks(fn, A, blocksize, BLOCKWISE_KIND[quant_type], null);
  const packed = new Tensor(packed_bytes, uint8, [packed_bytes.length, 1]);
  const code = get_4bit_type(quant_type);
  const absmax_t = new Tensor(absmax, float32, [absmax.length]);
  const common = { shape: A.shape, dtype: A.dtype, blocksize, code, quant_type };
  if (!o.compress_statistics) return [packed, new QuantState({ absmax: absmax_t, ...common })];
  const offset = absmax_t.mean();
  const [qabsmax, state2] = quantize_blockwise(absmax_t.sub(offset), { blocksize: NESTED_BLOCKSIZE });
  return [packed, new QuantState({ absmax: qabsmax, offset, state2, ...common })];
}

/** bnb.functional.dequantize_4bit(A, quant_state): code[nibble] · absmax[block] in float32, rounded
 *  once to quant_state.dtype, in quant_state.shape. */
export function dequantize_4bit(A: Tensor, quant_state: QuantState): Tensor {
  const fn = "dequantize_4bit";
  if (!(quant_state instanceof QuantState)) {
    throw new TypeError(`${fn}: pass the QuantState that quantize_4bit returned (the absmax/quant_type form is not supported here)`);
  }
  const quant_type = check_quant_type(fn, quant_state.quant_type);
  const blocksize = check_blocksize(fn, quant_state.blocksize);
  const shape = quant_state.shape;
  if (!shape || !quant_state.dtype) throw new Error(`${fn}: the quant_state has no shape or dtype`);
  const n = shape.reduce((p, d) => p * d, 1);
  const packed = u8_flat(fn, "A", A);
  if (packed.length !== Math.ceil(n / 2)) {
    throw new RangeError(`${fn}: a [${shape.join(", ")}] tensor packs into ${Math.ceil(n / 2)} bytes, A has ${packed.length}`);
  }
  const absmax = state_absmax(fn, quant_state);
  if (absmax.length !== Math.ceil(n / blocksize)) {
    throw new RangeError(`${fn}: ${n} values in blocks of ${blocksize} need ${Math.ceil(n / blocksize)} absmax values, the state has ${absmax.length}`);
  }
  // the state's code table (as bitsandbytes' default backend uses), or the type's own
  const code = quant_state.code ? f32_flat(quant_state.code) : code_values(quant_type);
  if (code.length !== 16) throw new RangeError(`${fn}: the quant_state's code must hold the 16 values of a 4-bit type, got ${code.length}`);
  return dequantize_blocks(packed, n, blocksize, 4, code, absmax, shape, quant_state.dtype);
}

/** bnb.functional.quantize_fp4 / quantize_nf4: quantize_4bit with the quant_type fixed. */
export function quantize_fp4(A: Tensor, o: Omit<Quantize4bitOptions, "quant_type"> = {}): [Tensor, QuantState] {
  return quantize_4bit(A, { ...o, quant_type: "fp4" });
}
export function quantize_nf4(A: Tensor, o: Omit<Quantize4bitOptions, "quant_type"> = {}): [Tensor, QuantState] {
  return quantize_4bit(A, { ...o, quant_type: "nf4" });
}
/** bnb.functional.dequantize_fp4 / dequantize_nf4. */
export function dequantize_fp4(A: Tensor, quant_state: QuantState): Tensor {
  return dequantize_4bit(A, quant_state);
}
export function dequantize_nf4(A: Tensor, quant_state: QuantState): Tensor {
  return dequantize_4bit(A, quant_state);
}
