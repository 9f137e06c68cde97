// bnb.nn: bitsandbytes' quantized layers.
export * from "./linear8bitlt.js";
export * from "./linear4bit.js";
