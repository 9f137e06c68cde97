// The `quanto` namespace: optimum-quanto's weight and activation quantization under its Python names.
export { qtype, qint2, qint4, qint8, qtypes } from "./qtypes.js";
export { quantize, freeze, fnmatch } from "./quantize.js";
export type { QuantizeOptions } from "./quantize.js";
export { QLinear, weight_group_size } from "./qlinear.js";
export type { QModuleOptions } from "./qlinear.js";
export { QLayerNorm } from "./qlayernorm.js";
export { QModuleMixin, is_qmodule } from "./qmodule.js";
export type { QModule } from "./qmodule.js";
export { ActivationQBytesTensor, quantize_activation } from "./activations.js";
export { Calibration, absmax_scale } from "./calibrate.js";
export type { CalibrationOptions } from "./calibrate.js";
export { qbytes_mm } from "./qbytes_mm.js";
export { AbsmaxOptimizer, MaxOptimizer, quantize_weight, group, ungroup, WeightQBytesTensor, WeightQBitsTensor } from "./weights.js";
export type { OptimizerOptions, QuantizeWeightOptions } from "./weights.js";
export { PackedTensor, pack_weights, unpack_weights } from "./pack.js";
export { quantization_map, requantize, load_frozen_qlinear, load_qlayernorm, frozen_keys } from "./serialization.js";
export type { QuantizationMap } from "./serialization.js";
