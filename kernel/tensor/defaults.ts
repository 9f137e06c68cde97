// Process-wide defaults: torch.set_default_dtype / get_default_dtype.
import { as_dtype, DType, float32 } from "./dtype.js";

let default_dtype: DType = float32;

export function get_default_dtype(): DType {
  return default_dtype;
}

/** torch.set_default_dtype: the dtype of float tensors made from JS numbers (float32 or float64,
 *  and also float16/bfloat16 as torch 2 allows). */
export function set_default_dtype(d: DType | string): void {
  const dt = as_dtype(d);
  if (!dt.is_floating_point) {
    throw new TypeError(`set_default_dtype: only floating-point types are supported as the default type, got ${dt}`);
  }
  default_dtype = dt;
}
