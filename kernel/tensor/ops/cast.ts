// Casting and copying: to(dtype), clone, copy_, fill_.
import { K } from "../backend/index.js";
import { allocate, as_dtype, DType, float64 } from "../dtype.js";
import { broadcast_strides, contiguous_strides, fmt_shape, broadcast_shapes } from "../shape.js";
import { Scalar, Tensor, TensorLike } from "../tensor.js";
import { empty, scalar_value } from "./util.js";
import { float_to_int_checked } from "./scalars.js";

/** Tensor.type() names: torch.FloatTensor and friends. */
export function type_name(d: DType): string {
  const names: Record<string, string> = {
    bool: "BoolTensor", uint8: "ByteTensor", int8: "CharTensor", int16: "ShortTensor", int32: "IntTensor",
    int64: "LongTensor", float16: "HalfTensor", bfloat16: "BFloat16Tensor", float32: "FloatTensor", float64: "DoubleTensor",
  };
  return names[d.name]!;
}

/** A contiguous copy of t in dtype (t's own dtype by default). */
export function clone(t: Tensor, dtype: DType = t.dtype): Tensor {
  const out = empty(t._shape, dtype);
  K.cast(t._shape, out._data, dtype.code, 0, out._strides, t._data, t._dtype.code, t._offset, t._strides);
  return out;
}

/** The strides of torch's preserve_format: a copy of `like` lays its dims out in the order of
 *  like's strides (a transposed tensor's copy is transposed too), densely. */
export function preserved_strides(like: Tensor): number[] {
  if (like.is_contiguous()) return contiguous_strides(like._shape);
  const order = [...like._shape.keys()].sort((a, b) => like._strides[b]! - like._strides[a]! || a - b);
  const strides = new Array<number>(like.ndim);
  let s = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    strides[order[k]!] = s;
    s *= Math.max(like._shape[order[k]!]!, 1);
  }
  return strides;
}

/** A copy of src (any view) in dtype, laid out like `like` (preserve_format): Tensor.clone(),
 *  to() and flip() keep a transposed input's layout, as torch's do. */
export function clone_like(src: Tensor, like: Tensor = src, dtype: DType = src.dtype): Tensor {
  const out = new Tensor(allocate(dtype, src.numel()), dtype, src._shape, preserved_strides(like));
  K.cast(src._shape, out._data, dtype.code, 0, out._strides, src._data, src._dtype.code, src._offset, src._strides);
  return out;
}

type ToArg = DType | string | Tensor | { dtype?: DType | string; device?: string; copy?: boolean } | undefined;

/** Accepts "cpu"; names the problem for "cuda" (no CUDA backend in this build) and unknown devices. */
export function check_device(device: string): void {
  if (device === "cpu") return;
  if (device === "cuda" || device.startsWith("cuda:")) {
    throw new Error(
      "to('cuda'): lowbit was not built with a usable CUDA device here (torch.cuda.is_available() is false); keep tensors on 'cpu'",
    );
  }
  throw new TypeError(`to(): unknown device '${device}' (expected 'cpu' or 'cuda')`);
}

/** Tensor.to(...): a dtype, a device, both, an options object, or another tensor's dtype. */
export function to(t: Tensor, args: ToArg[]): Tensor {
  let dtype: DType | undefined;
  let copy = false;
  for (const a of args) {
    if (a === undefined) continue;
    if (a instanceof Tensor) dtype = a.dtype;
    else if (a instanceof DType) dtype = a;
    else if (typeof a === "string") {
      if (a === "cpu" || a.startsWith("cuda")) check_device(a);
      else dtype = as_dtype(a);
    } else {
      if (a.device !== undefined) check_device(a.device);
      if (a.dtype !== undefined) dtype = as_dtype(a.dtype);
      copy = !!a.copy;
    }
  }
  if (!dtype || dtype === t.dtype) return copy ? clone_like(t) : t;
  return clone_like(t, t, dtype);
}

/** dst[...] = src, broadcasting src and casting it into dst's dtype. */
export function copy_(dst: Tensor, src: TensorLike): void {
  if (!(src instanceof Tensor)) return fill_(dst, src);
  const shape = broadcast_shapes(dst._shape, src._shape);
  if (shape.length !== dst.ndim || shape.some((d, i) => d !== dst._shape[i])) {
    throw new RangeError(`copy_: source of shape ${fmt_shape(src._shape)} cannot be broadcast to ${fmt_shape(dst._shape)}`);
  }
  K.cast(dst._shape, dst._data, dst.dtype.code, dst._offset, dst._strides,
         src._data, src.dtype.code, src._offset, broadcast_strides(src._shape, src._strides, dst._shape));
}

/** A 0-d tensor of dtype holding a Python scalar (converted as fill_ converts it). */
export function scalar_tensor(value: Scalar, dtype: DType): Tensor {
  const t = empty([], dtype);
  fill_(t, value);
  return t;
}

/** Every element of t = value, converted from float64 as torch converts a Python scalar. */
export function fill_(t: Tensor, value: Scalar | Tensor): void {
  if (value instanceof Tensor) {
    if (value.ndim !== 0) throw new RangeError(`fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions`);
    return copy_(t, value);
  }
  let v = scalar_value(value);
  if (!t.dtype.is_floating_point && t.dtype.name !== "bool") v = float_to_int_checked(v, t.dtype, "fill_");
  // torch fills an expanded view (repeated memory) too: fill each distinct element once
  const shape = t._shape.map((s, d) => (t._strides[d] === 0 ? Math.min(s, 1) : s));
  K.cast(shape, t._data, t.dtype.code, t._offset, t._strides, new Float64Array([v]), float64.code, 0, shape.map(() => 0));
}
