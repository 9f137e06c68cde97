// The `bnb` namespace: bitsandbytes under its Python names (bnb.functional.quantize_4bit,
// bnb.functional.int8_vectorwise_quant, bnb.nn.Linear8bitLt, bnb.nn.Linear4bit, bnb.matmul_4bit, ...).
export * as functional from "./functional.js";
export * as nn from "./nn.js";
export { matmul_4bit } from "./matmul_4bit.js";
