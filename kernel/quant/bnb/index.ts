// The `bnb` namespace: bitsandbytes under its Python names (bnb.functional.quantize_4bit,
// bnb.functional.int8_vectorwise_quant, bnb.nn.Linear8bitLt, ...).
export * as functional from "./functional.js";
export * as nn from "./linear8bitlt.js";
