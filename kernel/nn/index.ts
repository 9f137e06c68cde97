// The `nn` namespace.
export { Module, RemovableHandle, deepcopy, register_module_forward_hook, register_module_forward_pre_hook } from "./module.js";
export { Parameter } from "./parameter.js";
export { Linear } from "./modules/linear.js";
export { Embedding } from "./modules/embedding.js";
export { LayerNorm } from "./modules/normalization.js";
export { RMSNorm } from "./modules/rms_norm.js";
export { RotaryEmbedding, apply_rotary_pos_emb } from "./rotary.js";
export { ReLU, GELU, SiLU, Sigmoid, Tanh, Identity, Dropout } from "./modules/activation.js";
export { Sequential, ModuleList } from "./modules/container.js";
export * as functional from "./functional.js";
export * as init from "./init.js";
