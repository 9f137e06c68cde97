// The public API: `import { torch, nn } from "lowbit"` reads like the Python it replicates.
export * as torch from "./tensor/torch.js";
export * as nn from "./nn/index.js";
export { Tensor } from "./tensor/tensor.js";
export { deepcopy } from "./nn/module.js";
export * as viz from "./viz/index.js";
export { display } from "./viz/display.js";
import { deepcopy } from "./nn/module.js";

/** Python's `copy` module: `copy.deepcopy(model)`. */
export const copy = { deepcopy };
