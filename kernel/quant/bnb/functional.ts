// bnb.functional: bitsandbytes' functional API, one line per module.
export * from "./codes.js";
export * from "./quant_state.js";
export * from "./blockwise.js";
export * from "./functional_4bit.js";
export * from "./int8.js";
export { gemv_4bit } from "./matmul_4bit.js";
