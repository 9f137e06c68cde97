// accelerate's compute_module_sizes: the bytes of every module (and tensor) of a model under its
// dotted path, '' being the whole model; parameters and buffers both count, each shared tensor
// once (under its first name).
import { Module } from "../nn/module.js";
import { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/** Sizes in bytes by path prefix; `dtype` counts floating tensors as if cast to it. */
export function compute_module_sizes(model: Module, o: { dtype?: DType } = {}): Record<string, number> {
  const sizes: Record<string, number> = {};
  const seen = new Set<Tensor>();
  const tensors: [string, Tensor][] = [...model.named_parameters(), ...model.named_buffers()];
  for (const [name, t] of tensors) {
    if (seen.has(t)) continue;
    seen.add(t);
    const itemsize = o.dtype && t.dtype.is_floating_point ? Math.min(o.dtype.itemsize, t.element_size()) : t.element_size();
    const bytes = t.numel() * itemsize;
    const parts = name.split(".");
    for (let i = 0; i <= parts.length; i++) {
      const key = parts.slice(0, i).join(".");
      sizes[key] = (sizes[key] ?? 0) + bytes;
    }
  }
  return sizes;
}
