// The `hqq` namespace: Half-Quadratic Quantization (mobiusml/hqq) under its Python names, plus
// transformers' HqqConfig and the nn.Linear → HQQLinear swap model loading uses.
export { Quantizer, SUPPORTED_BITS } from "./quantizer.js";
export type { HqqMeta, QuantizeOptions } from "./quantizer.js";
export { optimize_weights_proximal, DEFAULT_OPT_PARAMS } from "./optimize.js";
export type { OptParams } from "./optimize.js";
export { BitPack } from "./bitpack.js";
export type { Packing } from "./bitpack.js";
export { BaseQuantizeConfig, HqqConfig } from "./config.js";
export type { BaseQuantizeConfigOptions, HqqConfigOptions, QuantConfig, WeightQuantParams } from "./config.js";
export { HQQLinear } from "./linear.js";
export type { HQQLinearOptions } from "./linear.js";
export { replace_with_hqq_linear, name_to_linear_tag } from "./replace.js";
export type { ReplaceOptions } from "./replace.js";
