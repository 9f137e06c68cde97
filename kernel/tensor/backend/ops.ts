// Op names in the order of the native op codes (native/src/kernels/kernels.h); the backend
// loader checks the addon reports the same lists. Which dtypes an op takes is checked by both
// backends (native/src/addon.cc mirrors op_dtype_error).
import { bool, DType } from "../dtype.js";

export const BINARY_OPS = [
  "add", "sub", "mul", "div", "maximum", "minimum", "pow", "remainder", "floor_divide", "fmod",
  "atan2", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
  "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
] as const;
export const UNARY_OPS = [
  "neg", "abs", "sqrt", "rsqrt", "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
  "tan", "tanh", "sigmoid", "relu", "gelu", "gelu_tanh", "silu", "erf", "round", "floor", "ceil",
  "trunc", "sign", "reciprocal", "square", "logical_not", "bitwise_not", "isnan", "isinf",
  "isfinite", "clamp", "pow_scalar", "rpow_scalar", "round_decimals", "nan_to_num",
] as const;
export const REDUCE_OPS = ["sum", "prod", "mean", "amax", "amin", "argmax", "argmin", "var", "any", "all"] as const;

export type BinaryOp = (typeof BINARY_OPS)[number];
export type UnaryOp = (typeof UNARY_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];

export const PREDICATES: ReadonlySet<string> = new Set([
  "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
  "logical_not", "isnan", "isinf", "isfinite",
]);

/** Ops defined only for integer and bool tensors. */
export const INTEGER_ONLY: ReadonlySet<string> = new Set([
  "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "bitwise_not",
]);
/** Ops that compute in floating point: callers promote integer inputs to a float dtype first. */
export const FLOATING: ReadonlySet<string> = new Set([
  "div", "atan2", "sqrt", "rsqrt", "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
  "tanh", "sigmoid", "gelu", "gelu_tanh", "silu", "erf", "reciprocal", "round_decimals",
]);

/** Why an elementwise op cannot run in `dtype` writing `out`, or null when it can. */
export function op_dtype_error(op: string, dtype: DType, out: DType): string | null {
  if (INTEGER_ONLY.has(op) && dtype.is_floating_point) return `${op}: not defined for ${dtype.name}`;
  if (FLOATING.has(op) && !dtype.is_floating_point) return `${op}: not defined for ${dtype.name}`;
  const want = PREDICATES.has(op) ? bool : dtype;
  if (out !== want) return `${op}: the output must be ${want.name}, not ${out.name}`;
  return null;
}
