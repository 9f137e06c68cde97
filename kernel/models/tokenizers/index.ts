// Tokenizers: AutoTokenizer.from_pretrained and the callable PreTrainedTokenizer it returns.
export { AutoTokenizer, type TokenizerOptions } from "./auto.js";
export { PreTrainedTokenizer, type CallOptions, type DecodeOptions } from "./tokenizer.js";
export { BatchEncoding } from "./batch_encoding.js";
