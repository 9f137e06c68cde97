// The `bnb` namespace: bitsandbytes under its Python names (bnb.functional.quantize_4bit, ...).
export * as functional from "./functional.js";
