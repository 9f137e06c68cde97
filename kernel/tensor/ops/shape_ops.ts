// Views (no copy) and shape ops: view, reshape, transpose, permute, expand, narrow, split, cat...
import { K } from "../backend/index.js";
import { DType } from "../dtype.js";
import { contiguous_strides, fmt_shape, infer_shape, numel, view_strides, wrap_dim } from "../shape.js";
import { Tensor } from "../tensor.js";
import { clone, clone_like } from "./cast.js";
import { empty, result_type } from "./util.js";

/** Accepts Python's varargs or one list: f(2, 3) and f([2, 3]). */
export function dims_arg(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as readonly number[]).slice();
  return (args as number[]).slice();
}

function alias(t: Tensor, shape: readonly number[], strides: readonly number[], offset = t._offset): Tensor {
  return new Tensor(t._data, t._dtype, shape, strides, offset);
}

export function view(t: Tensor, args: readonly (number | readonly number[] | DType)[]): Tensor {
  if (args.length === 1 && args[0] instanceof DType) return view_dtype(t, args[0]);
  const shape = infer_shape(dims_arg(args as (number | number[])[]), t.numel(), "view");
  const strides = view_strides(t._shape, t._strides, shape);
  if (!strides) {
    throw new RangeError(
      `view size is not compatible with input tensor's size and stride (at least one dimension spans across ` +
        `two contiguous subspaces); shape ${fmt_shape(t._shape)} strides ${fmt_shape(t._strides)} -> ${fmt_shape(shape)}. ` +
        `Use .reshape(...) instead.`,
    );
  }
  return alias(t, shape, strides);
}

/** Reinterprets the bits as another dtype of the same element size (Tensor.view(dtype)). */
function view_dtype(t: Tensor, d: DType): Tensor {
  if (d.itemsize !== t.dtype.itemsize) {
    throw new TypeError(`view(${d}): only dtypes of the same size as ${t.dtype} (${t.dtype.itemsize} bytes) are supported`);
  }
  const c = t.is_contiguous() ? t : clone(t);
  const data = new d.array(c._data.buffer, c._data.byteOffset, c._data.length);
  return new Tensor(data, d, c._shape, c._strides, c._offset);
}

export function reshape(t: Tensor, args: readonly (number | readonly number[])[]): Tensor {
  const shape = infer_shape(dims_arg(args), t.numel(), "reshape");
  const strides = view_strides(t._shape, t._strides, shape);
  if (strides) return alias(t, shape, strides);
  const c = clone(t);
  return alias(c, shape, contiguous_strides(shape), 0);
}

export function flatten(t: Tensor, start = 0, end = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [[1]]);
  const s = wrap_dim(start, t.ndim, "flatten"), e = wrap_dim(end, t.ndim, "flatten");
  if (s > e) throw new RangeError("flatten() has invalid args: start_dim cannot come after end_dim");
  const shape = [...t._shape.slice(0, s), numel(t._shape.slice(s, e + 1)), ...t._shape.slice(e + 1)];
  return reshape(t, [shape]);
}

export function unflatten(t: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = wrap_dim(dim, t.ndim, "unflatten");
  const inner = infer_shape(sizes, t._shape[d]!, "unflatten");
  return view(t, [[...t._shape.slice(0, d), ...inner, ...t._shape.slice(d + 1)]]);
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== t.ndim) {
    throw new RangeError(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${t.ndim} is not equal to len(dims) = ${dims.length}`);
  }
  const seen = new Set<number>();
  const ds = dims.map((d) => {
    const w = wrap_dim(d, t.ndim, "permute");
    if (seen.has(w)) throw new RangeError("permute(): duplicate dims are not allowed.");
    seen.add(w);
    return w;
  });
  return alias(t, ds.map((d) => t._shape[d]!), ds.map((d) => t._strides[d]!));
}

export function transpose(t: Tensor, d0: number, d1: number): Tensor {
  if (t.ndim === 0) return t;
  const a = wrap_dim(d0, t.ndim, "transpose"), b = wrap_dim(d1, t.ndim, "transpose");
  const order = [...t._shape.keys()];
  order[a] = b;
  order[b] = a;
  return permute(t, order);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = wrap_dim(dim, t.ndim + 1, "unsqueeze");
  const shape = t._shape.slice(), strides = t._strides.slice();
  const stride = d < t.ndim ? t._shape[d]! * t._strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  return alias(t, shape, strides);
}

export function squeeze(t: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? null : new Set((typeof dim === "number" ? [dim] : dim).map((d) => wrap_dim(d, t.ndim, "squeeze")));
  const keep = t._shape.map((s, i) => !(s === 1 && (dims === null || dims.has(i))));
  return alias(t, t._shape.filter((_, i) => keep[i]), t._strides.filter((_, i) => keep[i]));
}

export function expand(t: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < t.ndim) {
    throw new RangeError(`expand: the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`);
  }
  const off = sizes.length - t.ndim;
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const d = i - off;
    const cur = d >= 0 ? t._shape[d]! : 1;
    let want = sizes[i]!;
    if (want === -1) {
      if (d < 0) throw new RangeError("expand: -1 is not allowed in a leading, non-existing dimension");
      want = cur;
    }
    if (cur !== want && cur !== 1) {
      throw new RangeError(`The expanded size of the tensor (${want}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmt_shape(sizes)}. Tensor sizes: ${fmt_shape(t._shape)}`);
    }
    shape.push(want);
    strides.push(d >= 0 && cur === want ? t._strides[d]! : 0);
  }
  return alias(t, shape, strides);
}

export function repeat(t: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < t.ndim) throw new RangeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  // view the source as [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...], then copy
  const lead = reps.length - t.ndim;
  const src = reshape(t, [[...new Array<number>(lead).fill(1), ...t._shape]]);
  const inter: number[] = [], interStrides: number[] = [];
  src._shape.forEach((s, i) => {
    inter.push(reps[i]!, s);
    interStrides.push(0, src._strides[i]!);
  });
  const out = clone(alias(src, inter, interStrides));
  return reshape(out, [src._shape.map((s, i) => s * reps[i]!)]);
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = wrap_dim(dim, t.ndim, "narrow");
  const size = t._shape[d]!;
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow(): start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  const shape = t._shape.slice();
  shape[d] = length;
  return alias(t, shape, t._strides, t._offset + s * t._strides[d]!);
}

export function select(t: Tensor, dim: number, index: number): Tensor {
  if (t.ndim === 0) throw new RangeError("select() cannot be applied to a 0-dim tensor.");
  const d = wrap_dim(dim, t.ndim, "select");
  const size = t._shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`index ${index} is out of bounds for dimension ${d} with size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  return alias(t, t._shape.filter((_, k) => k !== d), t._strides.filter((_, k) => k !== d), t._offset + i * t._strides[d]!);
}

export function split(t: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = wrap_dim(dim, t.ndim, "split");
  const total = t._shape[d]!;
  let parts: number[];
  if (typeof sizes === "number") {
    if (sizes <= 0 && total > 0) throw new RangeError(`split expects split_size be non-negative, but got split_size=${sizes}`);
    parts = [];
    for (let s = 0; s < total; s += sizes) parts.push(Math.min(sizes, total - s));
    if (parts.length === 0) parts.push(0);
  } else {
    parts = sizes.slice();
    const sum = parts.reduce((a, b) => a + b, 0);
    if (sum !== total) throw new RangeError(`split_with_sizes expects split_sizes to sum exactly to ${total} (input tensor's size at dimension ${d}), but got split_sizes=${fmt_shape(parts)}`);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const p of parts) {
    out.push(narrow(t, d, start, p));
    start += p;
  }
  return out;
}

export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = wrap_dim(dim, t.ndim, "chunk");
  const size = Math.ceil(t._shape[d]! / chunks);
  return split(t, Math.max(size, 1), d).slice(0, chunks);
}

export function unbind(t: Tensor, dim = 0): Tensor[] {
  const d = wrap_dim(dim, t.ndim, "unbind");
  return Array.from({ length: t._shape[d]! }, (_, i) => select(t, d, i));
}

export function flip(t: Tensor, dims: readonly number[]): Tensor {
  // a view with negative strides, then a copy laid out like t (torch.flip returns a new tensor)
  let offset = t._offset;
  const strides = t._strides.slice();
  for (const dim of dims) {
    const d = wrap_dim(dim, t.ndim, "flip");
    if (t._shape[d]! > 0) offset += (t._shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  return clone_like(alias(t, t._shape, strides, offset), t);
}

function triangle(t: Tensor, diagonal: number, upper: boolean): Tensor {
  if (t.ndim < 2) throw new RangeError(`${upper ? "triu" : "tril"}: input tensor must have at least 2 dimensions`);
  const out = clone(t);
  const rows = t._shape[t.ndim - 2]!, cols = t._shape[t.ndim - 1]!;
  const batch = out.numel() / Math.max(1, rows * cols);
  const zero = new out._dtype.array(1);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const drop = upper ? j - i < diagonal : j - i > diagonal;
        if (drop) out._data[(b * rows + i) * cols + j] = zero[0]!;
      }
  return out;
}

export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, false);
}
export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle(t, diagonal, true);
}

/** torch.cat: tensors of the same shape except along dim, promoted to a common dtype. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("torch.cat(): expected a non-empty list of Tensors");
  // torch skips 1-d empty tensors (legacy behaviour)
  const parts = tensors.filter((x) => !(x.ndim === 1 && x._shape[0] === 0));
  if (parts.length === 0) return clone(tensors[0]!);
  const ref = parts[0]!;
  if (ref.ndim === 0) throw new RangeError("zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = wrap_dim(dim, ref.ndim, "cat");
  parts.forEach((x, i) => {
    if (x.ndim !== ref.ndim || x._shape.some((s, k) => k !== d && s !== ref._shape[k])) {
      throw new RangeError(`torch.cat(): Sizes of tensors must match except in dimension ${d}. Expected ${fmt_shape(ref._shape)} but got ${fmt_shape(x._shape)} for tensor number ${i} in the list.`);
    }
  });
  const dtype = result_type(...tensors);  // the skipped empty tensors still promote
  const shape = ref._shape.slice();
  shape[d] = parts.reduce((s, x) => s + x._shape[d]!, 0);
  const out = empty(shape, dtype);
  let start = 0;
  for (const x of parts) {
    const dst = narrow(out, d, start, x._shape[d]!);
    K.cast(x._shape, dst._data, dtype.code, dst._offset, dst._strides, x._data, x._dtype.code, x._offset, x._strides);
    start += x._shape[d]!;
  }
  return out;
}

/** torch.stack: tensors of one shape along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("stack expects a non-empty TensorList");
  const ref = tensors[0]!;
  tensors.forEach((x, i) => {
    if (x.ndim !== ref.ndim || x._shape.some((s, k) => s !== ref._shape[k])) {
      throw new RangeError(`stack expects each tensor to be equal size, but got ${fmt_shape(ref._shape)} at entry 0 and ${fmt_shape(x._shape)} at entry ${i}`);
    }
  });
  const d = wrap_dim(dim, ref.ndim + 1, "stack");
  return cat(tensors.map((x) => unsqueeze(x, d)), d);
}
