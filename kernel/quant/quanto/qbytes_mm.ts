// optimum-quanto's qbytes_mm (library/qbytes_mm.py) for int8 activations times int8 weights, its
// CPU path on torch 2.6+ (qbytes_int_mm): the exact int32 product of the codes, converted to
// float32 and multiplied by the combined scales (input scale × weight row scale), then cast to the
// scales' dtype. The int32 product is bitsandbytes' int8 GEMM (torch._int_mm in quanto).
import { float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { int8_linear_matmul } from "../bnb/int8.js";

/** int8 activations [..., in] × int8 weights [out, in]ᵀ, scaled by output_scales [out, 1]. */
export function qbytes_mm(activations: Tensor, weights: Tensor, output_scales: Tensor): Tensor {
  const acc = int8_linear_matmul(activations, weights);
  // float32 first: the int32 sums times the scales could overflow a 16-bit float
  return acc.to(float32).mul(output_scales.t()).to(output_scales.dtype);
}
