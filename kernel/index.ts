// The public API: `import { torch, nn } from "lowbit"` reads like the Python it replicates.
export * as torch from "./tensor/torch.js";
export * as nn from "./nn/index.js";
export * as quant from "./quant/index.js";
export * as bnb from "./quant/bnb/index.js";
export * as quanto from "./quant/quanto/index.js";
export * as hqq from "./quant/hqq/index.js";
export * as transformers from "./models/index.js";
export * as safetensors from "./models/safetensors.js";
export * as huggingface_hub from "./models/hub/index.js";
export { Tensor } from "./tensor/tensor.js";
export { deepcopy } from "./nn/module.js";
export * as viz from "./viz/index.js";
// what IPython.display offers as names of its own (viz.JSON stays namespaced: a global JSON
// would hide JavaScript's)
export { display, update_display, clear_output, DisplayHandle } from "./viz/display.js";
export { Markdown, HTML, Image, SVG, Latex } from "./viz/wrappers.js";
export { progress } from "./viz/progress.js";
// a lesson's test cells: check("ex1", (t) => { t.equal(...) })
export { check } from "./course/check.js";
// the lessons' models: `await course.model("EleutherAI/pythia-410m", { real: REAL_MODELS })`
export * as course from "./course/models.js";
import { deepcopy } from "./nn/module.js";

/** Python's `copy` module: `copy.deepcopy(model)`. */
export const copy = { deepcopy };
