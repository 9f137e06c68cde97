// Elementwise ops with torch's type promotion and broadcasting.
import { K } from "../backend/index.js";
import { BINARY_OPS, BinaryOp, FLOATING, INTEGER_ONLY, PREDICATES, UNARY_OPS, UnaryOp } from "../backend/ops.js";
import { bool, DType, float16, float64, int64 } from "../dtype.js";
import { get_default_dtype } from "../defaults.js";
import { convert } from "../elements.js";
import { broadcast_shapes, broadcast_strides } from "../shape.js";
import { Tensor, TensorLike } from "../tensor.js";
import { clone, copy_, scalar_tensor } from "./cast.js";
import { float_to_int_checked, int_operand } from "./scalars.js";
import { empty, result_type, scalar_value } from "./util.js";

// activations torch defines for floating-point tensors only: integers are an error, not promoted
const FLOAT_ONLY = new Set<string>(["gelu", "gelu_tanh", "silu"]);
// ops that promote integer inputs to the default float dtype (torch.sqrt(int_tensor) is float)
const promotes_to_float = (op: string) => FLOATING.has(op) && !FLOAT_ONLY.has(op);
// ops torch has no bool kernel for
const NO_BOOL = new Set<string>([
  "remainder", "fmod", "floor_divide", "pow", "bitwise_left_shift", "bitwise_right_shift", "abs", "relu",
  "round", "floor", "ceil", "trunc", "clamp",
]);
// torch 2 combines a 16-bit tensor with a Python float (or a 0-d float tensor) in float for these,
// without rounding the scalar first ("opmath"); every other op rounds it to the tensor's type
const OPMATH_SCALAR = new Set<string>(["add", "sub", "mul", "div"]);

function shape_of(x: TensorLike): readonly number[] {
  return x instanceof Tensor ? x._shape : [];
}

function check_dtype(op: string, ct: DType): void {
  if (INTEGER_ONLY.has(op) && ct.is_floating_point) {
    throw new TypeError(`${op}: not implemented for dtype ${ct} (bitwise ops take integer or bool tensors)`);
  }
  if (FLOAT_ONLY.has(op) && !ct.is_floating_point) {
    throw new TypeError(`${op}: not implemented for dtype ${ct} (it takes floating-point tensors)`);
  }
  if (ct === bool && op === "neg") {
    throw new TypeError("neg: not supported for bool tensors (use logical_not instead, as torch advises)");
  }
  if (ct === bool && NO_BOOL.has(op)) throw new TypeError(`${op}: not implemented for bool tensors`);
}

const is_bool = (x: TensorLike) => typeof x === "boolean" || (x instanceof Tensor && x.dtype === bool);

type Operand = [Tensor["_data"] | number, number, number[]];

function passes_as_scalar(x: TensorLike, ct: DType): boolean {
  return !(x instanceof Tensor) || (x.ndim === 0 && ct.is_floating_point && x.dtype.is_floating_point);
}

/** The value a scalar operand takes in the compute type ct: integers wrap into ct, 16-bit floats
 *  round to ct except in the opmath ops. */
function scalar_in(v: number, ct: DType, op: string): number {
  if (!ct.is_floating_point) return int_operand(v, ct, op);
  if (ct.itemsize === 2 && !OPMATH_SCALAR.has(op)) return convert(v, ct, "scalar");
  return v;
}

// A tensor operand cast to the compute type and seen with broadcast strides, or a scalar (a JS
// number, or a 0-d float tensor meeting floats, which torch treats as a scalar too).
function operand(x: TensorLike, ct: DType, shape: readonly number[], op: string, as_scalar: boolean): Operand {
  if (as_scalar) return [scalar_in(x instanceof Tensor ? (x.item() as number) : scalar_value(x), ct, op), 0, []];
  // a scalar here meets another scalar (the kernels take one): it becomes a 0-d tensor of ct
  const t = x instanceof Tensor ? (x.dtype === ct ? x : clone(x, ct)) : scalar_tensor(scalar_in(scalar_value(x), ct, op), ct);
  return [t._data, t._offset, broadcast_strides(t._shape, t._strides, shape)];
}

function check_sub(a: TensorLike, b: TensorLike): void {
  if (is_bool(a) || is_bool(b)) {
    throw new TypeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  }
}

/** out = op(a, b) with type promotion; add and sub may take alpha: a ± alpha * b, rounded once. */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike, alpha?: number): Tensor {
  if (op === "sub") check_sub(a, b);
  let ct = result_type(a, b);
  if (promotes_to_float(op) && !ct.is_floating_point) ct = get_default_dtype();
  check_dtype(op, ct);
  const out_dtype = PREDICATES.has(op) ? bool : ct;
  const shape = broadcast_shapes(shape_of(a), shape_of(b));
  const o = empty(shape, out_dtype);
  // the kernels take at most one scalar operand
  const b_scalar = passes_as_scalar(b, ct);
  const a_scalar = passes_as_scalar(a, ct) && !b_scalar;
  const [ad, ao, as] = operand(a, ct, shape, op, a_scalar);
  const [bd, bo, bs] = operand(b, ct, shape, op, b_scalar);
  // the kernels take alpha with add: a - alpha * b is a + (-alpha) * b, negated in ct (exactly, or wrapping)
  let code = BINARY_OPS.indexOf(op), k_alpha: number | undefined;
  if (alpha !== undefined) {
    const av = alpha_in(alpha, ct);
    k_alpha = op === "sub" ? (ct.is_floating_point || ct === int64 ? -av : int_operand(-av, ct, op)) : av;
    code = BINARY_OPS.indexOf("add");
  }
  K.binary(code, ct.code, out_dtype.code, shape, o._data, o._offset, o._strides, ad, ao, as, bd, bo, bs, k_alpha);
  return o;
}

/** alpha as torch converts it: checked into an integer type, float for float32 and 16-bit. */
function alpha_in(alpha: number, ct: DType): number {
  if (ct.is_floating_point) return ct === float64 ? alpha : Math.fround(alpha);
  if (!Number.isInteger(alpha)) throw new TypeError("For integral input tensors, argument alpha must not be a floating point number.");
  return ct === bool ? (alpha !== 0 ? 1 : 0) : float_to_int_checked(alpha, ct, "alpha");
}

/** out = op(x; params), promoting integers to the default float dtype for floating ops. */
export function unary(op: UnaryOp, x: Tensor, params?: readonly number[]): Tensor {
  let t = x;
  if (promotes_to_float(op) && !t.dtype.is_floating_point) t = clone(t, get_default_dtype());
  if (op === "square" && t.dtype === bool) t = clone(t, int64);  // pow(x, 2): bool ** int is int64
  if (op === "bitwise_not" && t.dtype === bool) op = "logical_not";
  check_dtype(op, t.dtype);
  const out_dtype = PREDICATES.has(op) ? bool : t.dtype;
  const o = empty(t._shape, out_dtype);
  K.unary(UNARY_OPS.indexOf(op), t.dtype.code, out_dtype.code, t._shape, o._data, 0, o._strides, t._data, t._offset, t._strides, params);
  return o;
}

export function add(a: TensorLike, b: TensorLike, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  return alpha === 1 ? binary("add", a, b) : binary("add", a, b, alpha);
}

export function sub(a: TensorLike, b: TensorLike, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  return alpha === 1 ? binary("sub", a, b) : binary("sub", a, b, alpha);
}

/** torch.div: true division, or rounded with rounding_mode "trunc" / "floor". A scalar
 *  divided by a tensor is Python's `3 / t`, which torch computes as t.reciprocal() * 3. */
export function div(a: TensorLike, b: TensorLike, opts?: { rounding_mode?: "trunc" | "floor" | null }): Tensor {
  const mode = opts?.rounding_mode ?? null;
  if (mode === null) return a instanceof Tensor || !(b instanceof Tensor) ? binary("div", a, b) : binary("mul", unary("reciprocal", b), a);
  if (mode === "floor") return binary("floor_divide", a, b);
  if (mode !== "trunc") throw new TypeError(`div expected rounding_mode to be one of null, 'trunc', or 'floor' but found '${mode}'`);
  const ct = result_type(a, b);
  if (ct.is_floating_point) return unary("trunc", binary("div", a, b));
  // integers: the floor quotient, one step toward zero where the division is inexact and the
  // signs differ -- exact for every int64 (the operands first become ct, as torch casts them)
  const [ta, tb] = [a, b].map((x) => (x instanceof Tensor ? x : scalar_tensor(int_operand(scalar_value(x), ct, "div"), ct))) as [Tensor, Tensor];
  const q = binary("floor_divide", ta, tb);
  const inexact = binary("ne", binary("fmod", ta, tb), 0);
  const signs_differ = binary("logical_xor", binary("lt", ta, 0), binary("lt", tb, 0));
  return binary("add", q, binary("logical_and", inexact, signs_differ));
}

/** torch.pow for tensor ** scalar, scalar ** tensor and tensor ** tensor. */
export function pow(x: TensorLike, e: TensorLike): Tensor {
  if (x instanceof Tensor && !(e instanceof Tensor)) {
    const ct = result_type(x, e);
    check_dtype("pow", ct);
    const raw = scalar_value(e);
    if (!ct.is_floating_point && raw < 0) throw new RangeError("Integers to negative integer powers are not allowed.");
    const ev = scalar_in(raw, ct, "pow");
    const t = x.dtype === ct ? x : clone(x, ct);
    // torch's float16 kernel calls pow for every exponent; the others special-case a few
    return unary("pow_scalar", t, [ev, ct === float16 ? 1 : 0]);
  }
  if (!(x instanceof Tensor) && e instanceof Tensor) {
    const ct = result_type(x, e);
    check_dtype("pow", ct);
    const t = e.dtype === ct ? e : clone(e, ct);
    return unary("rpow_scalar", t, [scalar_in(scalar_value(x), ct, "pow")]);
  }
  return binary("pow", x, e);
}

/** torch.round(x, decimals=0): half to even. */
export function round(x: Tensor, opts?: { decimals?: number }): Tensor {
  const d = opts?.decimals ?? 0;
  check_dtype("round", x.dtype);
  if (!x.dtype.is_floating_point) {
    if (d !== 0) throw new TypeError(`round: decimals is not supported for integer dtype ${x.dtype}`);
    return clone(x);
  }
  return d === 0 ? unary("round", x) : unary("round_decimals", x, [d]);
}

type Bound = TensorLike | null | undefined;

/** torch.clamp(x, min, max) or clamp(x, { min, max }), with type promotion like torch 2. */
export function clamp(x: Tensor, min?: Bound | { min?: Bound; max?: Bound }, max?: Bound): Tensor {
  let lo: Bound = min as Bound, hi: Bound = max;
  if (min !== null && typeof min === "object" && !(min instanceof Tensor)) {
    lo = min.min;
    hi = min.max;
  }
  const has_lo = lo !== null && lo !== undefined, has_hi = hi !== null && hi !== undefined;
  if (!has_lo && !has_hi) throw new TypeError("torch.clamp: At least one of 'min' or 'max' must not be None");
  const bounds = [lo, hi].filter((v) => v !== null && v !== undefined) as TensorLike[];
  const ct = result_type(x, ...bounds);
  if (has_lo && has_hi) check_dtype("clamp", ct);  // torch clamps bools to one bound only
  if (lo instanceof Tensor || hi instanceof Tensor) {
    // torch's min(max(x, lo), hi) (its scalar kernel: x wins ties, so -0.0 stays), a NaN bound
    // gives NaN
    const crosses = (a: TensorLike, b: TensorLike, bound: TensorLike) =>
      bound instanceof Tensor && bound.dtype.is_floating_point ? binary("logical_or", binary("lt", a, b), unary("isnan", bound)) : binary("lt", a, b);
    let r: Tensor = x;
    if (has_lo) r = where(crosses(r, lo!, lo!), lo!, r);
    if (has_hi) r = where(crosses(hi!, r, hi!), hi!, r);
    return r.dtype === ct ? r : clone(r, ct);
  }
  const t = x.dtype === ct ? x : clone(x, ct);
  // the bounds become values of ct first, checked as torch converts them
  const bound = (v: Bound) => {
    const n = scalar_value(v as number);
    return ct.is_floating_point ? convert(n, ct, "scalar") : ct === bool ? n : float_to_int_checked(n, ct, "clamp");
  };
  return unary("clamp", t, [has_lo ? 1 : 0, has_lo ? bound(lo) : 0, has_hi ? 1 : 0, has_hi ? bound(hi) : 0]);
}

/** torch.nan_to_num: NaN -> nan (0), +inf -> posinf (dtype max), -inf -> neginf (dtype min). */
export function nan_to_num(x: Tensor, opts?: { nan?: number; posinf?: number; neginf?: number }): Tensor {
  if (!x.dtype.is_floating_point) return clone(x);
  const max = { float16: 65504, bfloat16: 3.3895313892515355e38, float32: 3.4028234663852886e38, float64: Number.MAX_VALUE }[
    x.dtype.name as "float16"
  ];
  return unary("nan_to_num", x, [opts?.nan ?? 0, opts?.posinf ?? max, opts?.neginf ?? -max]);
}

/** torch.where(condition, a, b) */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== bool) throw new TypeError(`where expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype}`);
  const ct = result_type(a, b);
  const shape = broadcast_shapes(cond._shape, shape_of(a), shape_of(b));
  const as_tensor = (v: TensorLike): Tensor => (v instanceof Tensor ? (v.dtype === ct ? v : clone(v, ct)) : scalar_tensor(v, ct));
  const ta = as_tensor(a), tb = as_tensor(b);
  const o = empty(shape, ct);
  K.where(ct.code, shape, o._data, 0, o._strides,
    cond._data, cond._offset, broadcast_strides(cond._shape, cond._strides, shape),
    ta._data, ta._offset, broadcast_strides(ta._shape, ta._strides, shape),
    tb._data, tb._offset, broadcast_strides(tb._shape, tb._strides, shape));
  return o;
}

/** torch.lerp(start, end, weight), with torch's two-sided formula. */
export function lerp(start: Tensor, end: Tensor, weight: TensorLike): Tensor {
  const diff = binary("sub", end, start);
  if (!(weight instanceof Tensor)) {
    const w = scalar_value(weight);
    return w < 0.5 ? binary("add", start, binary("mul", diff, w)) : binary("sub", end, binary("mul", diff, 1 - w));
  }
  const low = binary("lt", weight, 0.5);
  return where(low, binary("add", start, binary("mul", diff, weight)), binary("sub", end, binary("mul", diff, binary("sub", 1, weight))));
}

/** torch.equal: same shape and every element equal. */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.ndim !== b.ndim || a._shape.some((d, i) => d !== b._shape[i])) return false;
  return binary("eq", a, b).all().item() as boolean;
}

/** torch.isclose: |a - b| <= atol + rtol * |b|, infinities equal to themselves. */
export function isclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): Tensor {
  const rtol = opts?.rtol ?? 1e-5, atol = opts?.atol ?? 1e-8;
  const exact = binary("eq", a, b);
  let close = binary("logical_or", exact, binary("le", unary("abs", binary("sub", a, b)), binary("add", atol, binary("mul", unary("abs", b), rtol))));
  if (a.dtype.is_floating_point || b.dtype.is_floating_point) {
    // a finite value is never close to an infinity
    const finite = binary("logical_and", unary("isfinite", a), unary("isfinite", b));
    close = binary("logical_or", exact, binary("logical_and", close, finite));
    if (opts?.equal_nan) close = binary("logical_or", close, binary("logical_and", unary("isnan", a), unary("isnan", b)));
  }
  return close;
}

export function allclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): boolean {
  return isclose(a, b, opts).all().item() as boolean;
}

/** Whether torch lets an op's result of type `from` be written into a tensor of type `to`. */
export function can_cast(from: DType, to: DType): boolean {
  if (from.is_floating_point && !to.is_floating_point) return false;
  if (from !== bool && to === bool) return false;
  return true;
}

/** Writes an op's result back into t (the in-place variants), casting like torch. */
export function inplace<T extends Tensor>(t: T, result: Tensor): T {
  if (!can_cast(result.dtype, t.dtype)) {
    throw new TypeError(`result type ${result.dtype} can't be cast to the desired output type ${t.dtype}`);
  }
  copy_(t, result);
  return t;
}
