// bnb.matmul_4bit / bnb.functional.gemv_4bit: A @ dequantize_4bit(B, quant_state)ᵀ (+ bias) without
// building the float weight: the packed NF4/FP4 bytes run through the native code4 kernel
// (native/src/kernels/wq_gemm.cc), with a double-quantized absmax dequantized once per call, each
// weight rounded to quant_state.dtype as dequantize_4bit rounds it, and float32 accumulation.
import { Tensor } from "../../tensor/tensor.js";
import { QuantizedWeight, quantized_linear } from "../qmatmul.js";
import { state_absmax } from "./blockwise.js";
import { code_values, QuantType4bit } from "./codes.js";
import { check_blocksize, f32_flat, u8_flat } from "./common.js";
import { QuantState } from "./quant_state.js";

/** The packed weight B (bitsandbytes' [ceil(n/2), 1] bytes, or its .t()) and its state as the
 *  kernel's code4 layout; quant_state.shape is the weight's [out_features, in_features]. */
export function code4_weight(fn: string, B: Tensor, quant_state: QuantState): QuantizedWeight {
  if (!(quant_state instanceof QuantState)) throw new TypeError(`${fn}: pass the QuantState of the 4-bit weight (quantize_4bit's second result)`);
  const { shape, dtype, quant_type } = quant_state;
  if (!shape || shape.length !== 2 || !dtype) {
    throw new RangeError(`${fn}: the quant_state must describe a 2-D weight [out_features, in_features] with a dtype, got shape ${shape ? `[${shape.join(", ")}]` : "none"}`);
  }
  if (quant_type !== "nf4" && quant_type !== "fp4") throw new RangeError(`${fn}: quant_type must be "nf4" or "fp4", got ${String(quant_type)}`);
  const blocksize = check_blocksize(fn, quant_state.blocksize);
  const code = quant_state.code ? f32_flat(quant_state.code) : code_values(quant_type as QuantType4bit);
  return {
    format: "code4", shape: [shape[0]!, shape[1]!], data: u8_flat(fn, "B", B), scale: state_absmax(fn, quant_state),
    zero: null, code: Float32Array.from(code), group: blocksize, dtype,
  };
}

/** bnb.matmul_4bit(A, B, quant_state, bias = null): A [..., in_features] → [..., out_features] in
 *  A's dtype. B is the packed weight as Linear4bit stores it (or weight.t(), as bitsandbytes passes it). */
export function matmul_4bit(A: Tensor, B: Tensor, quant_state: QuantState, bias: Tensor | null = null): Tensor {
  return quantized_linear(A, code4_weight("matmul_4bit", B, quant_state), bias);
}

export interface Gemv4bitOptions {
  state: QuantState;
}

/** bnb.functional.gemv_4bit(A, B, { state }): the batch-1 product, A holding one row of in_features. */
export function gemv_4bit(A: Tensor, B: Tensor, o: Gemv4bitOptions): Tensor {
  if (!(A instanceof Tensor) || A.ndim < 1 || A.numel() !== A.shape[A.ndim - 1]) {
    throw new RangeError(`gemv_4bit: A must hold a single row (A.numel() == A.shape[-1]), got ${A instanceof Tensor ? `[${A.shape.join(", ")}]` : typeof A}; use matmul_4bit for batches`);
  }
  return quantized_linear(A, code4_weight("gemv_4bit", B, o?.state), null);
}
