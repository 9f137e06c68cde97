// The Tensor: a strided view (shape, strides, offset) over a typed-array storage. Methods are
// thin delegates to the ops modules, which share their implementations with the torch namespace.
import { inspect } from "node:util";
import { as_dtype, DType, TypedArray } from "./dtype.js";
import { read, read_bigint } from "./elements.js";
import * as cast from "./ops/cast.js";
import * as ew from "./ops/elementwise.js";
import * as idx from "./ops/indexing.js";
import * as la from "./ops/linalg.js";
import * as nnops from "./ops/activation.js";
import * as red from "./ops/reduce.js";
import * as rnd from "./random.js";
import * as sh from "./ops/shape_ops.js";
import { format_tensor } from "./print.js";
import { contiguous_strides, numel, wrap_dim } from "./shape.js";
import { Size } from "./size.js";

export type Scalar = number | boolean | bigint;
export type TensorLike = Tensor | Scalar;
export type Device = "cpu" | "cuda";
/** A dimension or several; Python's `dim=` argument. */
export type Dim = number | readonly number[];
export interface ReduceOptions {
  dim?: Dim;
  keepdim?: boolean;
  dtype?: DType | string;
}
export interface VarOptions extends ReduceOptions {
  correction?: number;
  unbiased?: boolean;
}
/** An index for get()/set(): a number, a slice string ("1:3", ":", "::2", "..."), null for a new
 *  axis, a Slice, or a Tensor (bool mask or integer indices). */
export type Index = number | string | null | idx.Slice | Tensor;

export class Tensor {
  /** @internal */ _data: TypedArray;
  /** @internal */ _dtype: DType;
  /** @internal */ _shape: number[];
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  requires_grad = false;
  grad: Tensor | null = null;

  /** @internal Use torch.tensor / torch.zeros / ... to make tensors. */
  constructor(data: TypedArray, dtype: DType, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this._data = data;
    this._dtype = dtype;
    this._shape = shape.slice();
    this._strides = strides ? strides.slice() : contiguous_strides(shape);
    this._offset = offset;
  }

  /** @internal Replaces what this tensor views (Parameter.data = ..., module.to(dtype)). */
  _set(t: Tensor): void {
    this._data = t._data;
    this._dtype = t._dtype;
    this._shape = t._shape.slice();
    this._strides = t._strides.slice();
    this._offset = t._offset;
  }

  // ------------------------------------------------------------------ metadata
  get dtype(): DType {
    return this._dtype;
  }
  get shape(): Size {
    return Size.from_dims(this._shape);
  }
  get ndim(): number {
    return this._shape.length;
  }
  get device(): Device {
    return "cpu";
  }
  get is_cuda(): boolean {
    return false;
  }
  get itemsize(): number {
    return this._dtype.itemsize;
  }
  get nbytes(): number {
    return this.numel() * this._dtype.itemsize;
  }
  /** The same data, detached (Python's `.data`); assigning replaces it, as in torch. */
  get data(): Tensor {
    return new Tensor(this._data, this._dtype, this._shape, this._strides, this._offset);
  }
  set data(t: Tensor) {
    this._set(t);
  }
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    return dim === undefined ? this.shape : this._shape[wrap_dim(dim, this.ndim, "size")]!;
  }
  dim(): number {
    return this.ndim;
  }
  numel(): number {
    return numel(this._shape);
  }
  nelement(): number {
    return this.numel();
  }
  element_size(): number {
    return this._dtype.itemsize;
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[wrap_dim(dim, this.ndim, "stride")]!;
  }
  storage_offset(): number {
    return this._offset;
  }
  is_contiguous(): boolean {
    let expected = 1;
    for (let d = this.ndim - 1; d >= 0; d--) {
      if (this._shape[d] === 1) continue;
      if (this._strides[d] !== expected) return false;
      expected *= this._shape[d]!;
    }
    return true;
  }
  is_floating_point(): boolean {
    return this._dtype.is_floating_point;
  }
  is_signed(): boolean {
    return this._dtype.is_signed;
  }
  /** Whether two tensors view the same storage. */
  is_set_to(other: Tensor): boolean {
    return this._data.buffer === other._data.buffer;
  }

  // ------------------------------------------------------------------ values
  /** The single element as a JS number (boolean for bool tensors). */
  item(): number | boolean {
    if (this.numel() !== 1) {
      throw new RangeError(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    const v = read(this._data, this._dtype, this._offset);
    return this._dtype.name === "bool" ? v !== 0 : v;
  }
  /** int64 elements as bigint, exactly. */
  item_bigint(): bigint {
    if (this.numel() !== 1) throw new RangeError(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    return read_bigint(this._data, this._dtype, this._offset);
  }
  /** Nested arrays of numbers (booleans for bool tensors). */
  tolist(): unknown {
    const rec = (d: number, off: number): unknown => {
      if (d === this.ndim) {
        const v = read(this._data, this._dtype, off);
        return this._dtype.name === "bool" ? v !== 0 : v;
      }
      const out = new Array(this._shape[d]);
      for (let i = 0; i < this._shape[d]!; i++) out[i] = rec(d + 1, off + i * this._strides[d]!);
      return out;
    };
    return rec(0, this._offset);
  }
  toString(): string {
    return format_tensor(this);
  }
  [inspect.custom](): string {
    return format_tensor(this);
  }

  // ------------------------------------------------------------------ conversion
  /** to(dtype) / to(device) / to(device, dtype) / to({ dtype, device, copy }) / to(other) */
  to(...args: (DType | string | Tensor | { dtype?: DType | string; device?: Device; copy?: boolean } | undefined)[]): Tensor {
    return cast.to(this, args);
  }
  type(dtype?: DType | string): Tensor | string {
    return dtype === undefined ? `torch.${cast.type_name(this._dtype)}` : this.to(as_dtype(dtype));
  }
  float(): Tensor { return this.to("float32"); }
  double(): Tensor { return this.to("float64"); }
  half(): Tensor { return this.to("float16"); }
  bfloat16(): Tensor { return this.to("bfloat16"); }
  int(): Tensor { return this.to("int32"); }
  long(): Tensor { return this.to("int64"); }
  short(): Tensor { return this.to("int16"); }
  char(): Tensor { return this.to("int8"); }
  byte(): Tensor { return this.to("uint8"); }
  bool(): Tensor { return this.to("bool"); }
  cpu(): Tensor { return this; }
  cuda(): Tensor { return cast.to(this, ["cuda"]); }
  clone(): Tensor { return cast.clone_like(this); }
  contiguous(): Tensor { return this.is_contiguous() ? this : cast.clone(this); }
  detach(): Tensor { return this.data; }
  copy_(src: TensorLike): this { cast.copy_(this, src); return this; }
  fill_(value: Scalar | Tensor): this { cast.fill_(this, value); return this; }
  zero_(): this { cast.fill_(this, 0); return this; }
  requires_grad_(flag = true): this { this.requires_grad = flag; return this; }

  // ------------------------------------------------------------------ views and shapes
  /** view(...shape) shares storage (errors when the strides do not allow it); view(dtype)
   *  reinterprets the bits as another dtype of the same size. */
  view(...shape: (number | readonly number[] | DType)[]): Tensor { return sh.view(this, shape); }
  view_as(other: Tensor): Tensor { return sh.view(this, [other._shape]); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return sh.reshape(this, shape); }
  reshape_as(other: Tensor): Tensor { return sh.reshape(this, [other._shape]); }
  flatten(start_dim = 0, end_dim = -1): Tensor { return sh.flatten(this, start_dim, end_dim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return sh.unflatten(this, dim, sizes); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  swapaxes(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  t(): Tensor { return sh.t(this); }
  get T(): Tensor { return sh.permute(this, [...this._shape.keys()].reverse()); }
  get mT(): Tensor { return sh.transpose(this, -2, -1); }
  permute(...dims: (number | readonly number[])[]): Tensor { return sh.permute(this, sh.dims_arg(dims)); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  squeeze(dim?: Dim): Tensor { return sh.squeeze(this, dim); }
  expand(...sizes: (number | readonly number[])[]): Tensor { return sh.expand(this, sh.dims_arg(sizes)); }
  expand_as(other: Tensor): Tensor { return sh.expand(this, other._shape); }
  broadcast_to(shape: readonly number[]): Tensor { return sh.expand(this, shape); }
  repeat(...sizes: (number | readonly number[])[]): Tensor { return sh.repeat(this, sh.dims_arg(sizes)); }
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); }
  chunk(chunks: number, dim = 0): Tensor[] { return sh.chunk(this, chunks, dim); }
  split(split_size_or_sections: number | readonly number[], dim = 0): Tensor[] { return sh.split(this, split_size_or_sections, dim); }
  unbind(dim = 0): Tensor[] { return sh.unbind(this, dim); }
  flip(...dims: (number | readonly number[])[]): Tensor { return sh.flip(this, sh.dims_arg(dims)); }
  tril(diagonal = 0): Tensor { return sh.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return sh.triu(this, diagonal); }

  // ------------------------------------------------------------------ indexing
  /** Python's t[i, 1:3, ..., None, mask]: basic indices give views, tensor indices copies. */
  get(...index: Index[]): Tensor { return idx.get(this, index); }
  /** Python's t[index] = value. */
  set(index: Index | Index[], value: TensorLike): this { idx.set(this, Array.isArray(index) ? index : [index], value); return this; }
  index_select(dim: number, index: Tensor): Tensor { return idx.index_select(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  masked_fill(mask: Tensor, value: TensorLike): Tensor { return idx.masked_fill(this.clone(), mask, value); }
  masked_fill_(mask: Tensor, value: TensorLike): this { idx.masked_fill(this, mask, value); return this; }
  masked_select(mask: Tensor): Tensor { return idx.masked_select(this, mask); }
  nonzero(): Tensor { return idx.nonzero(this); }

  // ------------------------------------------------------------------ arithmetic
  add(other: TensorLike, opts?: { alpha?: number }): Tensor { return ew.add(this, other, opts); }
  sub(other: TensorLike, opts?: { alpha?: number }): Tensor { return ew.sub(this, other, opts); }
  subtract(other: TensorLike, opts?: { alpha?: number }): Tensor { return ew.sub(this, other, opts); }
  mul(other: TensorLike): Tensor { return ew.binary("mul", this, other); }
  multiply(other: TensorLike): Tensor { return ew.binary("mul", this, other); }
  div(other: TensorLike, opts?: { rounding_mode?: "trunc" | "floor" | null }): Tensor { return ew.div(this, other, opts); }
  divide(other: TensorLike, opts?: { rounding_mode?: "trunc" | "floor" | null }): Tensor { return ew.div(this, other, opts); }
  true_divide(other: TensorLike): Tensor { return ew.div(this, other); }
  floor_divide(other: TensorLike): Tensor { return ew.binary("floor_divide", this, other); }
  remainder(other: TensorLike): Tensor { return ew.binary("remainder", this, other); }
  fmod(other: TensorLike): Tensor { return ew.binary("fmod", this, other); }
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  maximum(other: Tensor): Tensor { return ew.binary("maximum", this, other); }
  minimum(other: Tensor): Tensor { return ew.binary("minimum", this, other); }
  atan2(other: Tensor): Tensor { return ew.binary("atan2", this, other); }
  eq(other: TensorLike): Tensor { return ew.binary("eq", this, other); }
  ne(other: TensorLike): Tensor { return ew.binary("ne", this, other); }
  lt(other: TensorLike): Tensor { return ew.binary("lt", this, other); }
  le(other: TensorLike): Tensor { return ew.binary("le", this, other); }
  gt(other: TensorLike): Tensor { return ew.binary("gt", this, other); }
  ge(other: TensorLike): Tensor { return ew.binary("ge", this, other); }
  equal(other: Tensor): boolean { return ew.equal(this, other); }
  allclose(other: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): boolean { return ew.allclose(this, other, opts); }
  isclose(other: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): Tensor { return ew.isclose(this, other, opts); }
  logical_and(other: TensorLike): Tensor { return ew.binary("logical_and", this, other); }
  logical_or(other: TensorLike): Tensor { return ew.binary("logical_or", this, other); }
  logical_xor(other: TensorLike): Tensor { return ew.binary("logical_xor", this, other); }
  logical_not(): Tensor { return ew.unary("logical_not", this); }
  bitwise_and(other: TensorLike): Tensor { return ew.binary("bitwise_and", this, other); }
  bitwise_or(other: TensorLike): Tensor { return ew.binary("bitwise_or", this, other); }
  bitwise_xor(other: TensorLike): Tensor { return ew.binary("bitwise_xor", this, other); }
  bitwise_not(): Tensor { return ew.unary("bitwise_not", this); }
  bitwise_left_shift(other: TensorLike): Tensor { return ew.binary("bitwise_left_shift", this, other); }
  bitwise_right_shift(other: TensorLike): Tensor { return ew.binary("bitwise_right_shift", this, other); }
  /** Python's `a << b` / `a >> b` */
  __lshift__(other: TensorLike): Tensor { return ew.binary("bitwise_left_shift", this, other); }
  __rshift__(other: TensorLike): Tensor { return ew.binary("bitwise_right_shift", this, other); }

  neg(): Tensor { return ew.unary("neg", this); }
  negative(): Tensor { return ew.unary("neg", this); }
  abs(): Tensor { return ew.unary("abs", this); }
  sqrt(): Tensor { return ew.unary("sqrt", this); }
  rsqrt(): Tensor { return ew.unary("rsqrt", this); }
  exp(): Tensor { return ew.unary("exp", this); }
  expm1(): Tensor { return ew.unary("expm1", this); }
  log(): Tensor { return ew.unary("log", this); }
  log2(): Tensor { return ew.unary("log2", this); }
  log10(): Tensor { return ew.unary("log10", this); }
  log1p(): Tensor { return ew.unary("log1p", this); }
  sin(): Tensor { return ew.unary("sin", this); }
  cos(): Tensor { return ew.unary("cos", this); }
  tan(): Tensor { return ew.unary("tan", this); }
  tanh(): Tensor { return ew.unary("tanh", this); }
  sigmoid(): Tensor { return ew.unary("sigmoid", this); }
  relu(): Tensor { return ew.unary("relu", this); }
  erf(): Tensor { return ew.unary("erf", this); }
  floor(): Tensor { return ew.unary("floor", this); }
  ceil(): Tensor { return ew.unary("ceil", this); }
  trunc(): Tensor { return ew.unary("trunc", this); }
  sign(): Tensor { return ew.unary("sign", this); }
  reciprocal(): Tensor { return ew.unary("reciprocal", this); }
  square(): Tensor { return ew.unary("square", this); }
  isnan(): Tensor { return ew.unary("isnan", this); }
  isinf(): Tensor { return ew.unary("isinf", this); }
  isfinite(): Tensor { return ew.unary("isfinite", this); }
  round(opts?: { decimals?: number }): Tensor { return ew.round(this, opts); }
  clamp(min?: TensorLike | null | { min?: TensorLike | null; max?: TensorLike | null }, max?: TensorLike | null): Tensor {
    return ew.clamp(this, min, max);
  }
  clip(min?: TensorLike | null | { min?: TensorLike | null; max?: TensorLike | null }, max?: TensorLike | null): Tensor {
    return ew.clamp(this, min, max);
  }
  nan_to_num(opts?: { nan?: number; posinf?: number; neginf?: number }): Tensor { return ew.nan_to_num(this, opts); }
  where(condition: Tensor, other: TensorLike): Tensor { return ew.where(condition, this, other); }
  lerp(end: Tensor, weight: TensorLike): Tensor { return ew.lerp(this, end, weight); }

  // in place: the result is cast back into this tensor's dtype, as torch does
  add_(other: TensorLike, opts?: { alpha?: number }): this { return ew.inplace(this, ew.add(this, other, opts)); }
  sub_(other: TensorLike, opts?: { alpha?: number }): this { return ew.inplace(this, ew.sub(this, other, opts)); }
  mul_(other: TensorLike): this { return ew.inplace(this, ew.binary("mul", this, other)); }
  div_(other: TensorLike, opts?: { rounding_mode?: "trunc" | "floor" | null }): this { return ew.inplace(this, ew.div(this, other, opts)); }
  pow_(exponent: TensorLike): this { return ew.inplace(this, ew.pow(this, exponent)); }
  neg_(): this { return ew.inplace(this, ew.unary("neg", this)); }
  abs_(): this { return ew.inplace(this, ew.unary("abs", this)); }
  sqrt_(): this { return ew.inplace(this, ew.unary("sqrt", this)); }
  exp_(): this { return ew.inplace(this, ew.unary("exp", this)); }
  round_(opts?: { decimals?: number }): this { return ew.inplace(this, ew.round(this, opts)); }
  clamp_(min?: TensorLike | null | { min?: TensorLike | null; max?: TensorLike | null }, max?: TensorLike | null): this {
    return ew.inplace(this, ew.clamp(this, min, max));
  }
  bitwise_or_(other: TensorLike): this { return ew.inplace(this, ew.binary("bitwise_or", this, other)); }
  bitwise_and_(other: TensorLike): this { return ew.inplace(this, ew.binary("bitwise_and", this, other)); }
  relu_(): this { return ew.inplace(this, ew.unary("relu", this)); }

  // ------------------------------------------------------------------ reductions
  sum(dim?: Dim | ReduceOptions, keepdim?: boolean, opts?: ReduceOptions): Tensor { return red.reduce("sum", this, red.args(dim, keepdim, opts)); }
  prod(dim?: Dim | ReduceOptions, keepdim?: boolean, opts?: ReduceOptions): Tensor { return red.reduce("prod", this, red.args(dim, keepdim, opts)); }
  mean(dim?: Dim | ReduceOptions, keepdim?: boolean, opts?: ReduceOptions): Tensor { return red.reduce("mean", this, red.args(dim, keepdim, opts)); }
  amax(dim?: Dim | ReduceOptions, keepdim?: boolean): Tensor { return red.reduce("amax", this, red.args(dim, keepdim)); }
  amin(dim?: Dim | ReduceOptions, keepdim?: boolean): Tensor { return red.reduce("amin", this, red.args(dim, keepdim)); }
  /** max() -> 0-d tensor; max(dim, keepdim) -> { values, indices }; max(other) -> maximum. */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number | Tensor | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.max_min("max", this, dim, keepdim);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number | Tensor | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.max_min("min", this, dim, keepdim);
  }
  argmax(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor { return red.arg("argmax", this, dim, keepdim); }
  argmin(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor { return red.arg("argmin", this, dim, keepdim); }
  var(dim?: Dim | VarOptions, keepdim?: boolean, opts?: VarOptions): Tensor { return red.var_std("var", this, dim, keepdim, opts); }
  std(dim?: Dim | VarOptions, keepdim?: boolean, opts?: VarOptions): Tensor { return red.var_std("std", this, dim, keepdim, opts); }
  any(dim?: Dim | ReduceOptions, keepdim?: boolean): Tensor { return red.reduce("any", this, red.args(dim, keepdim)); }
  all(dim?: Dim | ReduceOptions, keepdim?: boolean): Tensor { return red.reduce("all", this, red.args(dim, keepdim)); }
  norm(p: number | "fro" = 2, dim?: Dim, keepdim = false): Tensor { return red.norm(this, p, dim, keepdim); }

  // ------------------------------------------------------------------ linear algebra
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  bmm(other: Tensor): Tensor { return la.bmm(this, other); }
  mv(vec: Tensor): Tensor { return la.mv(this, vec); }
  dot(other: Tensor): Tensor { return la.dot(this, other); }
  softmax(dim: number, opts?: { dtype?: DType | string }): Tensor { return nnops.softmax(this, dim, opts); }
  log_softmax(dim: number, opts?: { dtype?: DType | string }): Tensor { return nnops.log_softmax(this, dim, opts); }

  // ------------------------------------------------------------------ random fills
  uniform_(from = 0, to = 1, opts?: { generator?: rnd.Generator }): this { rnd.uniform_(this, from, to, opts?.generator); return this; }
  normal_(mean = 0, std = 1, opts?: { generator?: rnd.Generator }): this { rnd.normal_(this, mean, std, opts?.generator); return this; }
  random_(from: number, to?: number, opts?: { generator?: rnd.Generator }): this { rnd.random_(this, from, to, opts?.generator); return this; }
  bernoulli_(p = 0.5, opts?: { generator?: rnd.Generator }): this { rnd.bernoulli_(this, p, opts?.generator); return this; }
}
