// The `quant` namespace: the courses' quantization helpers under their Python names.
export {
  linear_q_with_scale_and_zero_point, linear_dequantization, get_q_scale_and_zero_point, linear_quantization,
  get_q_scale_symmetric, linear_q_symmetric, linear_q_symmetric_per_channel, linear_q_per_channel,
  linear_q_symmetric_per_group, linear_q_per_group, linear_dequantization_per_group, quantization_error,
} from "./linear.js";
export { q_range } from "./dtype.js";
export type { QDType, QRange } from "./dtype.js";
export { pack_weights, unpack_weights } from "./pack.js";
export { W8A16LinearLayer, w8_a16_forward, replace_linear_with_target_and_quantize } from "./w8a16.js";
export type { QuantizedLinearClass } from "./w8a16.js";
export { quantized_linear, quantize_rtn, dequantize_weight } from "./qmatmul.js";
export type { QuantizedWeight, QuantizeRtnOptions } from "./qmatmul.js";
