// The `torch` namespace: Python's names for dtypes, creation, math, reductions, shapes and RNG.
import { get_num_threads, set_num_threads } from "./backend/index.js";
import { DType } from "./dtype.js";
import { get_default_dtype, set_default_dtype } from "./defaults.js";
import { finfo as finfo_of, iinfo } from "./info.js";
import * as act from "./ops/activation.js";
import { can_cast as can_cast_ } from "./ops/elementwise.js";
import * as ew from "./ops/elementwise.js";
import * as idx from "./ops/indexing.js";
import * as la from "./ops/linalg.js";
import * as red from "./ops/reduce.js";
import * as sh from "./ops/shape_ops.js";
import { result_type as result_type_ } from "./ops/util.js";
import * as rnd from "./random.js";
import { Size } from "./size.js";
import { Dim, ReduceOptions, Scalar, Tensor, TensorLike, VarOptions } from "./tensor.js";
import { size_args, tensor as tensor_ } from "./ops/creation.js";

export {
  bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
  float32 as float, float64 as double, float16 as half, int64 as long, int32 as int, int16 as short,
  promote_types, DType as dtype,
} from "./dtype.js";
export { Tensor, Size };
export { Generator, manual_seed, initial_seed, seed, default_generator } from "./random.js";
export { set_printoptions, get_printoptions } from "./print.js";
export { get_default_dtype, set_default_dtype, get_num_threads, set_num_threads, iinfo };
export {
  tensor, zeros, ones, full, zeros_like, ones_like, full_like, empty_like, arange, linspace, eye,
  empty_ as empty,
} from "./ops/creation.js";
export { Slice, slice } from "./ops/indexing.js";

/** torch.finfo(dtype), or of the default dtype. */
export function finfo(d?: DType | string): ReturnType<typeof finfo_of> {
  return finfo_of(d ?? get_default_dtype());
}

/** torch.as_tensor: the same tensor when no conversion is needed. */
export function as_tensor(data: Parameters<typeof tensor_>[0], o?: { dtype?: DType | string }): Tensor {
  if (data instanceof Tensor) return o?.dtype === undefined ? data : data.to(o.dtype);
  return tensor_(data, o);
}

export const is_tensor = (x: unknown): x is Tensor => x instanceof Tensor;
export const is_floating_point = (x: Tensor): boolean => x.dtype.is_floating_point;
export const numel = (x: Tensor): number => x.numel();
export const result_type = (a: TensorLike, b: TensorLike): DType => result_type_(a, b);
export const can_cast = (from: DType, to: DType): boolean => can_cast_(from, to);

// ---------------------------------------------------------------- random
type RandArgs = (number | number[] | rnd.RandOptions)[];
function split_rand(args: RandArgs): [number[], rnd.RandOptions] {
  const [shape, o] = size_args(args);
  return [shape, (o ?? {}) as rnd.RandOptions];
}
/** torch.rand(2, 3) / rand([2, 3], { dtype, generator }) */
export function rand(...args: RandArgs): Tensor {
  const [shape, o] = split_rand(args);
  return rnd.rand(shape, o);
}
export function randn(...args: RandArgs): Tensor {
  const [shape, o] = split_rand(args);
  return rnd.randn(shape, o);
}
/** torch.randint(high, size) / randint(low, high, size, { dtype, generator }) */
export function randint(a: number, b: number | readonly number[], c?: readonly number[] | rnd.RandOptions, d?: rnd.RandOptions): Tensor {
  if (Array.isArray(b)) return rnd.randint(0, a, b.slice(), (c as rnd.RandOptions) ?? {});
  return rnd.randint(a, b as number, (c as number[]).slice(), d ?? {});
}
export function rand_like(x: Tensor, o: rnd.RandOptions = {}): Tensor {
  return rnd.rand(x._shape, { dtype: x.dtype, ...o });
}
export function randn_like(x: Tensor, o: rnd.RandOptions = {}): Tensor {
  return rnd.randn(x._shape, { dtype: x.dtype, ...o });
}

// ---------------------------------------------------------------- elementwise
export const add = (a: TensorLike, b: TensorLike, o?: { alpha?: number }) => ew.add(a, b, o);
export const sub = (a: TensorLike, b: TensorLike, o?: { alpha?: number }) => ew.sub(a, b, o);
export const subtract = sub;
export const mul = (a: TensorLike, b: TensorLike) => ew.binary("mul", a, b);
export const multiply = mul;
export const div = (a: TensorLike, b: TensorLike, o?: { rounding_mode?: "trunc" | "floor" | null }) => ew.div(a, b, o);
export const divide = div;
export const true_divide = (a: TensorLike, b: TensorLike) => ew.div(a, b);
export const floor_divide = (a: TensorLike, b: TensorLike) => ew.binary("floor_divide", a, b);
export const remainder = (a: TensorLike, b: TensorLike) => ew.binary("remainder", a, b);
export const fmod = (a: TensorLike, b: TensorLike) => ew.binary("fmod", a, b);
export const pow = (a: TensorLike, b: TensorLike) => ew.pow(a, b);
export const maximum = (a: Tensor, b: TensorLike) => ew.binary("maximum", a, b);
export const minimum = (a: Tensor, b: TensorLike) => ew.binary("minimum", a, b);
export const atan2 = (a: Tensor, b: TensorLike) => ew.binary("atan2", a, b);
export const eq = (a: TensorLike, b: TensorLike) => ew.binary("eq", a, b);
export const ne = (a: TensorLike, b: TensorLike) => ew.binary("ne", a, b);
export const lt = (a: TensorLike, b: TensorLike) => ew.binary("lt", a, b);
export const le = (a: TensorLike, b: TensorLike) => ew.binary("le", a, b);
export const gt = (a: TensorLike, b: TensorLike) => ew.binary("gt", a, b);
export const ge = (a: TensorLike, b: TensorLike) => ew.binary("ge", a, b);
export const logical_and = (a: TensorLike, b: TensorLike) => ew.binary("logical_and", a, b);
export const logical_or = (a: TensorLike, b: TensorLike) => ew.binary("logical_or", a, b);
export const logical_xor = (a: TensorLike, b: TensorLike) => ew.binary("logical_xor", a, b);
export const bitwise_and = (a: TensorLike, b: TensorLike) => ew.binary("bitwise_and", a, b);
export const bitwise_or = (a: TensorLike, b: TensorLike) => ew.binary("bitwise_or", a, b);
export const bitwise_xor = (a: TensorLike, b: TensorLike) => ew.binary("bitwise_xor", a, b);
export const bitwise_left_shift = (a: TensorLike, b: TensorLike) => ew.binary("bitwise_left_shift", a, b);
export const bitwise_right_shift = (a: TensorLike, b: TensorLike) => ew.binary("bitwise_right_shift", a, b);
export const equal = (a: Tensor, b: Tensor) => ew.equal(a, b);
export const allclose = (a: Tensor, b: Tensor, o?: { rtol?: number; atol?: number; equal_nan?: boolean }) => ew.allclose(a, b, o);
export const isclose = (a: Tensor, b: Tensor, o?: { rtol?: number; atol?: number; equal_nan?: boolean }) => ew.isclose(a, b, o);
export const where = (c: Tensor, a: TensorLike, b: TensorLike) => ew.where(c, a, b);
export const lerp = (a: Tensor, b: Tensor, w: TensorLike) => ew.lerp(a, b, w);
export const round = (x: Tensor, o?: { decimals?: number }) => ew.round(x, o);
export const clamp = (x: Tensor, min?: TensorLike | null | { min?: TensorLike | null; max?: TensorLike | null }, max?: TensorLike | null) =>
  ew.clamp(x, min, max);
export const clip = clamp;
export const nan_to_num = (x: Tensor, o?: { nan?: number; posinf?: number; neginf?: number }) => ew.nan_to_num(x, o);
const un = (op: Parameters<typeof ew.unary>[0]) => (x: Tensor) => ew.unary(op, x);
export const neg = un("neg");
export const negative = neg;
export const abs = un("abs");
export const sqrt = un("sqrt");
export const rsqrt = un("rsqrt");
export const exp = un("exp");
export const expm1 = un("expm1");
export const log = un("log");
export const log2 = un("log2");
export const log10 = un("log10");
export const log1p = un("log1p");
export const sin = un("sin");
export const cos = un("cos");
export const tan = un("tan");
export const tanh = un("tanh");
export const sigmoid = un("sigmoid");
export const relu = un("relu");
export const erf = un("erf");
export const floor = un("floor");
export const ceil = un("ceil");
export const trunc = un("trunc");
export const sign = un("sign");
export const reciprocal = un("reciprocal");
export const square = un("square");
export const logical_not = un("logical_not");
export const bitwise_not = un("bitwise_not");
export const isnan = un("isnan");
export const isinf = un("isinf");
export const isfinite = un("isfinite");

// ---------------------------------------------------------------- reductions
export const sum = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean, o?: ReduceOptions) => x.sum(dim, keepdim, o);
export const mean = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean, o?: ReduceOptions) => x.mean(dim, keepdim, o);
export const prod = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean, o?: ReduceOptions) => x.prod(dim, keepdim, o);
export const amax = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean) => x.amax(dim, keepdim);
export const amin = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean) => x.amin(dim, keepdim);
export const argmax = (x: Tensor, dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean) => x.argmax(dim, keepdim);
export const argmin = (x: Tensor, dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean) => x.argmin(dim, keepdim);
export const std = (x: Tensor, dim?: Dim | VarOptions, keepdim?: boolean, o?: VarOptions) => x.std(dim, keepdim, o);
export const var_ = (x: Tensor, dim?: Dim | VarOptions, keepdim?: boolean, o?: VarOptions) => x.var(dim, keepdim, o);
export { var_ as var };
export const any = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean) => x.any(dim, keepdim);
export const all = (x: Tensor, dim?: Dim | ReduceOptions, keepdim?: boolean) => x.all(dim, keepdim);
export const norm = (x: Tensor, p: number | "fro" = 2, dim?: Dim, keepdim = false) => red.norm(x, p, dim, keepdim);
/** torch.max(x) / max(x, dim, keepdim) / max(x, other) */
export function max(x: Tensor, dim?: number | Tensor | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | red.ValuesIndices {
  return red.max_min("max", x, dim, keepdim);
}
export function min(x: Tensor, dim?: number | Tensor | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | red.ValuesIndices {
  return red.max_min("min", x, dim, keepdim);
}

// ---------------------------------------------------------------- linear algebra
export const matmul = la.matmul;
export const mm = la.mm;
export const bmm = la.bmm;
export const mv = la.mv;
export const dot = la.dot;
export const softmax = (x: Tensor, dim: number, o?: { dtype?: DType | string }) => act.softmax(x, dim, o);
export const log_softmax = (x: Tensor, dim: number, o?: { dtype?: DType | string }) => act.log_softmax(x, dim, o);

// ---------------------------------------------------------------- shapes and indexing
export const reshape = (x: Tensor, shape: readonly number[]) => sh.reshape(x, [shape]);
export const flatten = (x: Tensor, start_dim = 0, end_dim = -1) => sh.flatten(x, start_dim, end_dim);
export const unflatten = (x: Tensor, dim: number, sizes: readonly number[]) => sh.unflatten(x, dim, sizes);
export const transpose = (x: Tensor, d0: number, d1: number) => sh.transpose(x, d0, d1);
export const swapaxes = transpose;
export const t = (x: Tensor) => sh.t(x);
export const permute = (x: Tensor, dims: readonly number[]) => sh.permute(x, dims);
export const unsqueeze = (x: Tensor, dim: number) => sh.unsqueeze(x, dim);
export const squeeze = (x: Tensor, dim?: Dim) => sh.squeeze(x, dim);
export const broadcast_to = (x: Tensor, shape: readonly number[]) => sh.expand(x, shape);
export const narrow = (x: Tensor, dim: number, start: number, length: number) => sh.narrow(x, dim, start, length);
export const select = (x: Tensor, dim: number, index: number) => sh.select(x, dim, index);
export const chunk = (x: Tensor, chunks: number, dim = 0) => sh.chunk(x, chunks, dim);
export const split = (x: Tensor, s: number | readonly number[], dim = 0) => sh.split(x, s, dim);
export const unbind = (x: Tensor, dim = 0) => sh.unbind(x, dim);
export const flip = (x: Tensor, dims: readonly number[]) => sh.flip(x, dims);
export const tril = (x: Tensor, diagonal = 0) => sh.tril(x, diagonal);
export const triu = (x: Tensor, diagonal = 0) => sh.triu(x, diagonal);
export const cat = (tensors: readonly Tensor[], dim = 0) => sh.cat(tensors, dim);
export const concat = cat;
export const concatenate = cat;
export const stack = (tensors: readonly Tensor[], dim = 0) => sh.stack(tensors, dim);
export const index_select = (x: Tensor, dim: number, index: Tensor) => idx.index_select(x, dim, index);
export const gather = (x: Tensor, dim: number, index: Tensor) => idx.gather(x, dim, index);
export const masked_select = (x: Tensor, mask: Tensor) => idx.masked_select(x, mask);
export const masked_fill = (x: Tensor, mask: Tensor, v: TensorLike) => x.masked_fill(mask, v);
export const nonzero = (x: Tensor) => idx.nonzero(x);

/** torch.cuda: the CUDA backend is not part of this build; everything runs on the CPU. */
export const cuda = {
  is_available: (): boolean => false,
  device_count: (): number => 0,
};

export type { Scalar, TensorLike };
