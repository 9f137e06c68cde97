// Reductions with dim / keepdim: sum, mean, prod, amax, amin, argmax, argmin, var, std, any, all,
// max/min (values + indices), norm.
import { K } from "../backend/index.js";
import { REDUCE_OPS, ReduceOp } from "../backend/ops.js";
import { as_dtype, bool, DType, float64, int64, uint8 } from "../dtype.js";
import { wrap_dim } from "../shape.js";
import { Dim, ReduceOptions, Tensor, VarOptions } from "../tensor.js";
import { clone } from "./cast.js";
import { binary, unary } from "./elementwise.js";
import { reshape } from "./shape_ops.js";
import { empty } from "./util.js";

export interface ReduceArgs {
  dims: number[] | null;
  keepdim: boolean;
  dtype?: DType;
  correction?: number;
  /** internal: the output dtype when it differs from the usual one (std's float64 variance) */
  out?: DType;
}

/** Accepts (dim, keepdim), ({ dim, keepdim, dtype }) and (dim, keepdim, { dtype }). */
export function args(dim?: Dim | ReduceOptions, keepdim?: boolean, opts?: ReduceOptions): ReduceArgs {
  let o: ReduceOptions = opts ?? {};
  if (dim !== undefined && dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
    o = dim as ReduceOptions;
    dim = o.dim;
    keepdim = o.keepdim;
  }
  const d = dim as Dim | undefined | null;
  return {
    dims: d === undefined || d === null ? null : typeof d === "number" ? [d] : d.slice(),
    keepdim: keepdim ?? o.keepdim ?? false,
    dtype: o.dtype !== undefined ? as_dtype(o.dtype) : undefined,
  };
}

// x: the input's dtype, after any dtype= argument (which sum/prod/mean then keep)
function out_dtype(op: ReduceOp, x: DType, requested: boolean): DType {
  switch (op) {
    case "sum":
    case "prod":
      return x.is_floating_point || requested ? x : int64;
    case "argmax":
    case "argmin":
      return int64;
    case "any":
    case "all":
      return x === uint8 ? uint8 : bool;  // torch keeps uint8 there, for compatibility
    default:
      return x;
  }
}

export function reduce(op: ReduceOp, x: Tensor, a: ReduceArgs): Tensor {
  let t = x;
  if (a.dtype && a.dtype !== t.dtype) t = clone(t, a.dtype);
  if ((op === "mean" || op === "var") && !t.dtype.is_floating_point) {
    throw new TypeError(
      `${op}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${t.dtype.name === "int64" ? "Long" : t.dtype.name}`,
    );
  }
  const nd = t.ndim;
  const dims = a.dims === null ? [...Array(nd).keys()] : a.dims.map((d) => wrap_dim(d, nd, op));
  const reduced = new Set(dims);
  if (reduced.size !== dims.length) throw new RangeError(`${op}: a dim appears multiple times in the list of dims ${JSON.stringify(a.dims)}`);
  if ((op === "amax" || op === "amin" || op === "argmax" || op === "argmin") && t.numel() === 0) {
    const emptyDim = dims.length === 0 || dims.some((d) => t._shape[d] === 0);
    if (emptyDim) {
      throw new RangeError(`${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
    }
  }
  const outer = t._shape.filter((_, d) => !reduced.has(d));
  const outerStrides = t._strides.filter((_, d) => !reduced.has(d));
  const inner = dims.map((d) => t._shape[d]!);
  const innerStrides = dims.map((d) => t._strides[d]!);
  const odt = a.out ?? out_dtype(op, t.dtype, a.dtype !== undefined);
  const out = empty(outer, odt);
  K.reduce(REDUCE_OPS.indexOf(op), t.dtype.code, odt.code, outer, out._data, 0, out._strides,
    t._data, t._offset, outerStrides, inner, innerStrides, a.correction ?? 1);
  if (!a.keepdim) return out;
  return reshape(out, [t._shape.map((s, d) => (reduced.has(d) ? 1 : s))]);
}

/** The result of max(dim) / min(dim): a named pair, also iterable as [values, indices]. */
export class ValuesIndices {
  constructor(readonly values: Tensor, readonly indices: Tensor) {}
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
  get 0(): Tensor {
    return this.values;
  }
  get 1(): Tensor {
    return this.indices;
  }
  toString(): string {
    return `torch.return_types.max(\nvalues=${this.values},\nindices=${this.indices})`;
  }
}

export function max_min(which: "max" | "min", x: Tensor, dim?: number | Tensor | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return binary(which === "max" ? "maximum" : "minimum", x, dim);
  if (dim === undefined) return reduce(which === "max" ? "amax" : "amin", x, { dims: null, keepdim: false });
  const a = args(dim, keepdim);
  if (a.dims?.length !== 1) throw new TypeError(`${which}(dim): dim must be a single dimension`);
  const values = reduce(which === "max" ? "amax" : "amin", x, a);
  const indices = reduce(which === "max" ? "argmax" : "argmin", x, a);
  return new ValuesIndices(values, indices);
}

/** argmax()/argmin(): over the flattened tensor without dim, as torch does. */
export function arg(op: "argmax" | "argmin", x: Tensor, dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
  if (x.dtype === bool) throw new TypeError(`${op}: not implemented for bool tensors (max(dim) gives indices for them)`);
  const a = args(dim as Dim | ReduceOptions | undefined, keepdim);
  if (a.dims === null) {
    const r = reduce(op, reshape(x, [[-1]]), { dims: [0], keepdim: false });
    return a.keepdim ? reshape(r, [x._shape.map(() => 1)]) : r;
  }
  return reduce(op, x, a);
}

/** var/std with correction (default 1, Bessel's) or unbiased=false. std takes the square root of
 *  the float64 variance and rounds once. */
export function var_std(which: "var" | "std", x: Tensor, dim?: Dim | VarOptions, keepdim?: boolean, opts?: VarOptions): Tensor {
  const o: VarOptions = opts ?? (dim !== null && typeof dim === "object" && !Array.isArray(dim) ? (dim as VarOptions) : {});
  const a = args(dim as Dim | ReduceOptions | undefined, keepdim, opts);
  a.correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  if (!x.dtype.is_floating_point) {
    throw new TypeError(`std and var only support floating point and complex dtypes (got ${x.dtype})`);
  }
  if (which === "var") return reduce("var", x, a);
  const v64 = reduce("var", x, { ...a, out: float64 });
  return clone(unary("sqrt", v64), x.dtype);
}

/** torch.norm / Tensor.norm for p = 2, 1, inf, -inf, other p, or "fro". */
export function norm(x: Tensor, p: number | "fro", dim?: Dim, keepdim = false): Tensor {
  const a = args(dim, keepdim);
  const ord = p === "fro" ? 2 : p;
  const abs = unary("abs", x);
  if (ord === Infinity) return reduce("amax", abs, a);
  if (ord === -Infinity) return reduce("amin", abs, a);
  if (ord === 1) return reduce("sum", abs, a);
  if (ord === 2) return unary("sqrt", reduce("sum", binary("mul", abs, abs), a));
  return binary("pow", reduce("sum", binary("pow", abs, ord), a), 1 / ord);
}
