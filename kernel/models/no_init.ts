// Building a model (or a layer) whose weights the checkpoint will overwrite: under the target
// dtype, as transformers does, so parameters are never allocated in float32 first, and without
// random initialisation (transformers' no_init_weights): drawing ~10^8 random numbers would take
// seconds and move torch's random stream.
import { DType } from "../tensor/dtype.js";
import { get_default_dtype, set_default_dtype } from "../tensor/defaults.js";
import * as nn from "../nn/index.js";

export function build_with_default_dtype<M>(dtype: DType, build: () => M): M {
  const before = get_default_dtype();
  const layers = (Object.values(nn) as unknown[]).filter((c): c is { prototype: { reset_parameters(): void } } =>
    typeof c === "function" && Object.hasOwn(c.prototype, "reset_parameters"));
  const saved = layers.map((c) => c.prototype.reset_parameters);
  set_default_dtype(dtype);
  layers.forEach((c) => { c.prototype.reset_parameters = () => {}; });
  try {
    return build();
  } finally {
    set_default_dtype(before);
    layers.forEach((c, i) => { c.prototype.reset_parameters = saved[i]!; });
  }
}
