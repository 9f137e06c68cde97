// The public API: `import { torch, nn } from "lowbit"`.
export * as torch from "./tensor/torch.js";
export { Tensor } from "./tensor/tensor.js";
