// Helpers the ops share: allocation, scalar handling and torch's result_type.
import { allocate, bool, category, DType, float32, int64, promote_types } from "../dtype.js";
import { get_default_dtype } from "../defaults.js";
import { numel } from "../shape.js";
import { Scalar, Tensor, TensorLike } from "../tensor.js";

export function empty(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, numel(shape)), dtype, shape);
}

export function is_tensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

const INT64_MIN = -(2 ** 63), INT64_END = 2 ** 63;

/** The dtype torch gives a Python scalar: bool, int64 for integers, the default float dtype. A
 *  bigint must fit in int64 (torch cannot unpack a larger Python int); an integral JS number
 *  beyond int64 can only have been meant as a float. */
export function scalar_dtype(v: Scalar): DType {
  if (typeof v === "boolean") return bool;
  if (typeof v === "bigint") {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`the integer ${v} does not fit in int64`);
    return int64;
  }
  return Number.isInteger(v) && v >= INT64_MIN && v < INT64_END ? int64 : get_default_dtype();
}

export function scalar_value(v: Scalar): number {
  return typeof v === "boolean" ? (v ? 1 : 0) : Number(v);
}

function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher && higher.is_floating_point) return higher;
  if (higher === bool || (lower && lower.is_floating_point)) {
    if (!higher) return lower;
    if (!lower) return higher;
    return promote_types(higher, lower);
  }
  return higher ?? lower;
}

/** torch.result_type: tensors with dimensions outrank 0-d tensors, which outrank scalars, unless
 *  a lower-ranked operand belongs to a higher category (bool < integer < float). */
export function result_type(...args: TensorLike[]): DType {
  let dim: DType | null = null, zero: DType | null = null, wrapped: DType | null = null;
  const up = (cur: DType | null, d: DType) => (cur ? promote_types(cur, d) : d);
  for (const a of args) {
    if (a instanceof Tensor) {
      if (a.ndim > 0) dim = up(dim, a.dtype);
      else zero = up(zero, a.dtype);
    } else {
      wrapped = up(wrapped, scalar_dtype(a));
    }
  }
  return combine(dim, combine(zero, wrapped)) ?? float32;
}

export { category };
