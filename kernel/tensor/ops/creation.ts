// Tensor creation: torch.tensor from nested arrays, zeros / ones / full / empty (+ _like),
// arange, linspace, eye.
import { as_dtype, bool, DType, float32, float64, int64, TypedArray } from "../dtype.js";
import { get_default_dtype } from "../defaults.js";
import { convert, store } from "../elements.js";
import { fma, fmaf } from "../fma.js";
import { fmt_shape } from "../shape.js";
import { Scalar, Tensor } from "../tensor.js";
import { clone, fill_ } from "./cast.js";
import { float_to_int_checked } from "./scalars.js";
import { empty, scalar_dtype } from "./util.js";

export interface CreateOptions {
  dtype?: DType | string | null;
  device?: "cpu";
  requires_grad?: boolean;
}

type Nested = Scalar | TypedArray | Tensor | readonly Nested[];

function opt_dtype(o?: CreateOptions): DType | undefined {
  return o?.dtype === undefined || o.dtype === null ? undefined : as_dtype(o.dtype);
}

function finish(t: Tensor, o?: CreateOptions): Tensor {
  if (o?.device !== undefined && o.device !== "cpu") t.to(o.device);
  if (o?.requires_grad) t.requires_grad = true;
  return t;
}

/** torch.tensor(data, { dtype }): integers give int64, any non-integer the default float dtype,
 *  booleans bool (JS cannot tell 1.0 from 1: pass a dtype for floats written as integers). */
export function tensor(data: Nested, o?: CreateOptions): Tensor {
  if (data instanceof Tensor) return finish(clone(data, opt_dtype(o) ?? data.dtype), o);
  const shape: number[] = [];
  const flat: Scalar[] = [];
  let inferred: DType | null = null;
  const infer = (v: Scalar) => {
    const d = scalar_dtype(v);
    if (!inferred) inferred = d;
    else if (inferred !== d) {
      // bool < int64 < float, as torch infers from Python values
      const rank = (x: DType) => (x === bool ? 0 : x === int64 ? 1 : 2);
      if (rank(d) > rank(inferred)) inferred = d;
    }
  };
  const walk = (x: Nested, depth: number) => {
    if (Array.isArray(x) || ArrayBuffer.isView(x)) {
      const arr = x as ArrayLike<Nested>;
      if (depth === shape.length) shape.push(arr.length);
      else if (shape[depth] !== arr.length) {
        throw new RangeError(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${arr.length})`);
      }
      if (ArrayBuffer.isView(x) && depth === shape.length - 1) {
        for (let i = 0; i < arr.length; i++) {
          const v = arr[i] as Scalar;
          flat.push(v);
          infer(typeof v === "bigint" ? v : Number(v));
        }
        return;
      }
      for (let i = 0; i < arr.length; i++) walk(arr[i]!, depth + 1);
    } else if (x instanceof Tensor) {
      throw new TypeError("torch.tensor: a list of tensors is not supported; use torch.stack");
    } else if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") {
      if (depth !== shape.length) throw new RangeError(`expected a sequence at dim ${depth}, got the scalar ${String(x)}`);
      flat.push(x);
      infer(x);
    } else {
      throw new TypeError(`torch.tensor: could not infer dtype of ${typeof x === "object" ? x?.constructor?.name ?? "null" : typeof x}`);
    }
  };
  walk(data, 0);
  const dtype = opt_dtype(o) ?? inferred ?? get_default_dtype();
  const t = empty(shape, dtype);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (typeof v === "bigint" && dtype === int64) {
      (t._data as BigInt64Array)[i] = BigInt.asIntN(64, v);
      continue;
    }
    const n = typeof v === "boolean" ? (v ? 1 : 0) : Number(v);
    const from_float = !Number.isInteger(n);
    if (!dtype.is_floating_point && dtype !== bool) float_to_int_checked(n, dtype, "tensor");
    store(t._data, dtype, i, n, from_float ? "scalar" : "int");
  }
  return finish(t, o);
}

/** Python's varargs sizes: zeros(2, 3), zeros([2, 3]). */
export function size_args(args: readonly unknown[]): [number[], CreateOptions | undefined] {
  let o: CreateOptions | undefined;
  let rest = args;
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last) && last !== null) {
    o = last as CreateOptions;
    rest = args.slice(0, -1);
  }
  const dims = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as number[]) : (rest as number[]);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`Trying to create tensor with negative dimension or non-integer size: ${fmt_shape(dims)}`);
  }
  return [dims.slice(), o];
}

export function zeros(...args: unknown[]): Tensor {
  const [shape, o] = size_args(args);
  return finish(empty(shape, opt_dtype(o) ?? get_default_dtype()), o);
}

export function ones(...args: unknown[]): Tensor {
  const [shape, o] = size_args(args);
  const t = empty(shape, opt_dtype(o) ?? get_default_dtype());
  fill_(t, 1);
  return finish(t, o);
}

/** torch.empty: zero-filled here (uninitialised memory is never exposed). */
export function empty_(...args: unknown[]): Tensor {
  return zeros(...args);
}

/** torch.full(size, fill_value): the dtype follows the fill value, as in torch 2. */
export function full(size: readonly number[], fill_value: Scalar, o?: CreateOptions): Tensor {
  const [shape] = size_args([size]);
  const t = empty(shape, opt_dtype(o) ?? scalar_dtype(fill_value));
  fill_(t, fill_value);
  return finish(t, o);
}

export function zeros_like(x: Tensor, o?: CreateOptions): Tensor {
  return finish(empty(x._shape, opt_dtype(o) ?? x.dtype), o);
}
export function ones_like(x: Tensor, o?: CreateOptions): Tensor {
  return ones(x._shape, { ...o, dtype: opt_dtype(o) ?? x.dtype });
}
export function full_like(x: Tensor, fill_value: Scalar, o?: CreateOptions): Tensor {
  return full(x._shape, fill_value, { ...o, dtype: opt_dtype(o) ?? x.dtype });
}
export function empty_like(x: Tensor, o?: CreateOptions): Tensor {
  return zeros_like(x, o);
}

/** torch.arange(end) / arange(start, end, step): int64 when all are integers, else the default
 *  float dtype; values start + i * step computed in float64 and rounded once, as torch does. */
export function arange(a: number, b?: number | CreateOptions, c?: number | CreateOptions, d?: CreateOptions): Tensor {
  let start = 0, end: number, step = 1, o: CreateOptions | undefined;
  if (typeof b !== "number") {
    end = a;
    o = b;
  } else if (typeof c !== "number") {
    start = a;
    end = b;
    o = c;
  } else {
    start = a;
    end = b;
    step = c;
    o = d;
  }
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`arange: unsupported range: ${start} -> ${end}`);
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new RangeError("arange: upper bound and larger bound inconsistent with step sign");
  const dtype = opt_dtype(o) ?? ([start, end, step].every(Number.isInteger) ? int64 : get_default_dtype());
  const n = Math.ceil((end - start) / step);
  const t = empty([n], dtype);
  for (let i = 0; i < n; i++) store(t._data, dtype, i, start + i * step, Number.isInteger(start + i * step) ? "int" : "scalar");
  return finish(t, o);
}

/** torch.linspace(start, end, steps) with the formula of torch's CPU kernel: start + step * i
 *  for the first half, end - step * (steps - 1 - i) for the rest, each an FMA (torch's kernels
 *  are built with contraction). Floats compute in their own type -- 16-bit ones rounding every
 *  step, as c10's Half/BFloat16 operators do -- and integer types in float64, truncated. */
export function linspace(start: number, end: number, steps: number, o?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError("linspace: number of steps must be non-negative");
  const dtype = opt_dtype(o) ?? get_default_dtype();
  const t = empty([steps], dtype);
  const source = dtype.is_floating_point ? "scalar" : "float";
  if (steps === 1) store(t._data, dtype, 0, start, source);
  else if (steps > 1) {
    const value = linspace_formula(dtype, start, end, steps);
    for (let i = 0; i < steps; i++) store(t._data, dtype, i, value(i), source);
  }
  return finish(t, o);
}

/** torch's scalar linspace formula: value i of `steps` (s + step·i for the first half, e − step·(n−1−i) after). */
export function linspace_formula(dtype: DType, start: number, end: number, steps: number): (i: number) => number {
  const half = Math.floor(steps / 2);
  const pick = (first: (i: number) => number, second: (i: number) => number) => (i: number) => (i < half ? first(i) : second(steps - 1 - i));
  if (dtype.itemsize === 2 && dtype.is_floating_point) {
    const r = (v: number) => convert(v, dtype, "scalar");
    const s = r(start), e = r(end), step = r(r(e - s) / (steps - 1));
    return pick((i) => r(s + r(step * i)), (k) => r(e - r(step * k)));
  }
  if (dtype === float32) {
    const s = Math.fround(start), e = Math.fround(end), step = Math.fround(Math.fround(e - s) / (steps - 1));
    return pick((i) => fmaf(step, i, s), (k) => fmaf(-step, k, e));
  }
  // float64, and the float64 arithmetic of integer types (their values start as integers)
  const s = dtype === float64 ? start : Math.trunc(start), e = dtype === float64 ? end : Math.trunc(end);
  const step = (e - s) / (steps - 1);
  return pick((i) => fma(step, i, s), (k) => fma(-step, k, e));
}

export function eye(n: number, m?: number | CreateOptions, o?: CreateOptions): Tensor {
  const cols = typeof m === "number" ? m : n;
  const opts = typeof m === "object" ? m : o;
  const t = zeros([n, cols], opts ?? {});
  for (let i = 0; i < Math.min(n, cols); i++) store(t._data, t.dtype, i * cols + i, 1, "int");
  return t;
}

