// Python-style indexing: t.get(0, "1:3", "...", null, mask) and t.set(index, value).
// Numbers, slices, "..." and null give views; tensor indices (bool masks, integer indices) copy.
import { K } from "../backend/index.js";
import { bool, int64 } from "../dtype.js";
import { read } from "../elements.js";
import { broadcast_shapes, fmt_shape, wrap_dim } from "../shape.js";
import { Index, Tensor, TensorLike } from "../tensor.js";
import { clone, copy_, scalar_tensor } from "./cast.js";
import { where } from "./elementwise.js";
import { expand, select } from "./shape_ops.js";
import { empty } from "./util.js";

/** Python's slice(start, stop, step). */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}
  toString(): string {
    return `${this.start ?? ""}:${this.stop ?? ""}${this.step === null ? "" : ":" + this.step}`;
  }
}

/** slice(stop) / slice(start, stop, step) as in Python. */
export function slice(start: number | null, stop?: number | null, step?: number | null): Slice {
  return stop === undefined ? new Slice(null, start, null) : new Slice(start, stop, step ?? null);
}

type Parsed = { kind: "int"; i: number } | { kind: "slice"; s: Slice } | { kind: "newaxis" } | { kind: "ellipsis" } | { kind: "tensor"; t: Tensor };

function parse(ix: Index): Parsed {
  if (ix === null) return { kind: "newaxis" };
  // a 0-d integer tensor indexes like the int it holds (a view, as in torch)
  if (ix instanceof Tensor && ix.ndim === 0 && !ix.dtype.is_floating_point && ix.dtype !== bool) return { kind: "int", i: ix.item() as number };
  if (ix instanceof Tensor) return { kind: "tensor", t: ix };
  if (ix instanceof Slice) return { kind: "slice", s: ix };
  if (typeof ix === "number") {
    if (!Number.isInteger(ix)) throw new TypeError(`only integers, slices, '...', null and tensors are valid indices (got ${ix})`);
    return { kind: "int", i: ix };
  }
  const s = ix.trim();
  if (s === "..." || s === "Ellipsis") return { kind: "ellipsis" };
  if (s === "None" || s === "newaxis") return { kind: "newaxis" };
  if (!s.includes(":")) {
    const i = Number(s);
    if (s === "" || !Number.isInteger(i)) throw new TypeError(`invalid index '${ix}': expected an integer, a slice like '1:3' or '::2', '...' or null`);
    return { kind: "int", i };
  }
  const parts = s.split(":");
  if (parts.length > 3) throw new TypeError(`invalid slice '${ix}'`);
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p.trim() === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new TypeError(`invalid slice '${ix}': '${p}' is not an integer`);
    return v;
  };
  return { kind: "slice", s: new Slice(num(parts[0]), num(parts[1]), num(parts[2])) };
}

/** Python's slice.indices(size) for a positive step. */
function slice_range(s: Slice, size: number): [number, number, number] {
  const step = s.step ?? 1;
  if (step <= 0) throw new RangeError("step must be greater than zero");
  const clampi = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) v += size;
    return Math.min(Math.max(v, 0), size);
  };
  const start = clampi(s.start, 0), stop = clampi(s.stop, size);
  const len = stop > start ? Math.ceil((stop - start) / step) : 0;
  return [start, len, step];
}

interface Resolved {
  view: Tensor;
  /** tensor indices, with the dimension of the view they apply to */
  adv: { dim: number; t: Tensor }[];
}

function resolve(t: Tensor, index: readonly Index[]): Resolved {
  const items = index.map(parse);
  const ellipses = items.filter((p) => p.kind === "ellipsis").length;
  if (ellipses > 1) throw new TypeError("an index can only have a single ellipsis ('...')");
  const consumed = items.reduce((n, p) => n + (p.kind === "int" || p.kind === "slice" ? 1 : p.kind === "tensor" ? Math.max(p.t.dtype === bool ? p.t.ndim : 1, 1) : 0), 0);
  if (consumed > t.ndim) {
    throw new RangeError(`too many indices for tensor of dimension ${t.ndim} (got ${consumed})`);
  }
  const shape: number[] = [], strides: number[] = [];
  let offset = t._offset, src = 0;
  const adv: Resolved["adv"] = [];
  for (const p of items) {
    switch (p.kind) {
      case "ellipsis": {
        const n = t.ndim - consumed;
        for (let k = 0; k < n; k++, src++) {
          shape.push(t._shape[src]!);
          strides.push(t._strides[src]!);
        }
        break;
      }
      case "newaxis":
        // the stride torch's unsqueeze gives it: the extent of the source dim that comes next
        shape.push(1);
        strides.push(src < t.ndim ? t._shape[src]! * t._strides[src]! : 1);
        break;
      case "int": {
        const size = t._shape[src]!;
        if (p.i < -size || p.i >= size) throw new RangeError(`index ${p.i} is out of bounds for dimension ${src} with size ${size}`);
        offset += (p.i < 0 ? p.i + size : p.i) * t._strides[src]!;
        src++;
        break;
      }
      case "slice": {
        const [start, len, step] = slice_range(p.s, t._shape[src]!);
        offset += start * t._strides[src]!;
        shape.push(len);
        strides.push(t._strides[src]! * step);
        src++;
        break;
      }
      case "tensor": {
        const n = p.t.dtype === bool ? Math.max(p.t.ndim, 1) : 1;
        adv.push({ dim: shape.length, t: p.t });
        for (let k = 0; k < n; k++, src++) {
          shape.push(t._shape[src]!);
          strides.push(t._strides[src]!);
        }
        break;
      }
    }
  }
  for (; src < t.ndim; src++) {
    shape.push(t._shape[src]!);
    strides.push(t._strides[src]!);
  }
  return { view: new Tensor(t._data, t._dtype, shape, strides, offset), adv };
}

/** The indices of ix as numbers in [0, size): negative ones count from the end where Python
 *  indexing allows them (t[idx]), and are out of range for index_select / gather. */
function int_indices(ix: Tensor, size: number, dim: number, negative = true): number[] {
  if (ix.dtype.is_floating_point || ix.dtype === bool) {
    throw new TypeError(`tensors used as indices must be long, int, byte or bool tensors (got ${ix.dtype})`);
  }
  const flat = clone(ix);
  const out: number[] = new Array(flat.numel());
  const lo = negative ? -size : 0;
  for (let i = 0; i < out.length; i++) {
    const v = read(flat._data, flat._dtype, i);
    if (v < lo || v >= size) throw new RangeError(`index ${v} is out of bounds for dimension ${dim} with size ${size}`);
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

export function get(t: Tensor, index: readonly Index[]): Tensor {
  const { view, adv } = resolve(t, index);
  if (adv.length === 0) return view;
  if (adv.length > 1) throw new TypeError("indexing with more than one tensor index is not supported yet; index one dimension at a time");
  const { dim, t: ix } = adv[0]!;
  if (ix.dtype === bool) return mask_select_dims(view, dim, ix);
  const picked = index_select(view, dim, tensor_of(int_indices(ix, view._shape[dim]!, dim)));
  if (ix.ndim === 1) return picked;
  const s = picked._shape;
  return picked.reshape([...s.slice(0, dim), ...ix._shape, ...s.slice(dim + 1)]);
}

// x[..., mask, ...] where mask covers dims [dim, dim + mask.ndim): those dims become one.
function mask_select_dims(x: Tensor, dim: number, mask: Tensor): Tensor {
  const md = Math.max(mask.ndim, 1);
  const covered = x._shape.slice(dim, dim + md);
  if (mask.ndim > 0 && mask._shape.some((s, k) => s !== covered[k])) {
    throw new RangeError(`The shape of the mask ${fmt_shape(mask._shape)} at index ${dim} does not match the shape of the indexed tensor ${fmt_shape(x._shape)}`);
  }
  const flatMask = clone(mask).flatten();
  const picks: number[] = [];
  for (let i = 0; i < flatMask.numel(); i++) if (flatMask._data[i]) picks.push(i);
  const merged = x.reshape([...x._shape.slice(0, dim), -1, ...x._shape.slice(dim + md)]);
  return index_select(merged, dim, tensor_of(picks));
}

function tensor_of(values: number[]): Tensor {
  const t = empty([values.length], int64);
  (t._data as BigInt64Array).set(values.map(BigInt));
  return t;
}

export function set(t: Tensor, index: readonly Index[], value: TensorLike): void {
  const { view, adv } = resolve(t, index);
  if (adv.length === 0) return copy_(view, value);
  if (adv.length > 1) throw new TypeError("assignment with more than one tensor index is not supported yet");
  const { dim, t: ix } = adv[0]!;
  if (ix.dtype === bool && dim === 0 && ix.ndim === view.ndim) {
    masked_fill_or_scatter(view, ix, value);
    return;
  }
  // the selected sub-tensors, in order, take the value broadcast to [...lead, ...index, ...rest]
  const k = ix.dtype === bool ? Math.max(ix.ndim, 1) : 1;
  const picks = ix.dtype === bool ? mask_positions(view, dim, ix) : int_indices(ix, view._shape[dim]!, dim).map((i) => [i]);
  const lead = view._shape.slice(0, dim), rest = view._shape.slice(dim + k);
  const src = value instanceof Tensor
    ? expand(value, [...lead, ...(ix.dtype === bool ? [picks.length] : ix._shape), ...rest]).reshape([...lead, picks.length, ...rest])
    : value;
  picks.forEach((coords, j) => {
    const dst = coords.reduce((v, c) => select(v, dim, c), view);
    copy_(dst, src instanceof Tensor ? select(src, dim, j) : src);
  });
}

// the coordinates of a mask's true elements, in order; the mask covers view's dims from dim on
function mask_positions(view: Tensor, dim: number, mask: Tensor): number[][] {
  const covered = view._shape.slice(dim, dim + Math.max(mask.ndim, 1));
  if (mask.ndim > 0 && mask._shape.some((s, k) => s !== covered[k])) {
    throw new RangeError(`The shape of the mask ${fmt_shape(mask._shape)} at index ${dim} does not match the shape of the indexed tensor ${fmt_shape(view._shape)}`);
  }
  const nz = nonzero(mask);
  return nz.tolist() as number[][];
}

function masked_fill_or_scatter(view: Tensor, mask: Tensor, value: TensorLike): void {
  if (!(value instanceof Tensor) || value.ndim === 0) {
    masked_fill(view, mask, value);
    return;
  }
  // x[mask] = values: values fill the selected positions in order
  const m = clone(expand(mask, view._shape)).flatten();
  const src = clone(value, view.dtype).flatten();
  const flatView = view.is_contiguous() ? view.view(-1) : null;
  let k = 0;
  const target = flatView ?? clone(view).view(-1);
  for (let i = 0; i < m.numel(); i++) {
    if (!m._data[i]) continue;
    if (k >= src.numel()) throw new RangeError(`shape mismatch: value tensor of shape ${fmt_shape(value._shape)} cannot be broadcast to the number of selected elements`);
    target._data[target._offset + i] = src._data[k++]!;
  }
  if (!flatView) copy_(view, target.view(view._shape));
}

export function index_select(t: Tensor, dim: number, index: Tensor): Tensor {
  if (index.ndim > 1) throw new RangeError("index_select(): Index is supposed to be a vector");
  const d = wrap_dim(dim, t.ndim, "index_select");
  const size = t._shape[d]!;
  const idx = int_indices(index, size, d, false);
  const shape = t._shape.slice();
  shape[d] = idx.length;
  const out = empty(shape, t.dtype);
  if (d === 0 && t.is_contiguous()) {
    const row = t.numel() / Math.max(size, 1);
    idx.forEach((i, k) => {
      const start = t._offset + i * row;
      (out._data as Float32Array).set((t._data as Float32Array).subarray(start, start + row), k * row);
    });
    return out;
  }
  idx.forEach((i, k) => {
    const src = select(t, d, i), dst = select(out, d, k);
    K.cast(src._shape, dst._data, t.dtype.code, dst._offset, dst._strides, src._data, t.dtype.code, src._offset, src._strides);
  });
  return out;
}

export function gather(t: Tensor, dim: number, index: Tensor): Tensor {
  const d = wrap_dim(dim, t.ndim, "gather");
  if (index.ndim !== t.ndim) throw new RangeError("Index tensor must have the same number of dimensions as input tensor");
  const out = empty(index._shape, t.dtype);
  const ix = clone(index);
  const n = out.numel();
  const pos = new Array<number>(index.ndim).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    for (let k = index.ndim - 1; k >= 0; k--) {
      pos[k] = rem % index._shape[k]!;
      rem = Math.floor(rem / index._shape[k]!);
    }
    const j = read(ix._data, ix._dtype, flat);
    if (j < 0 || j >= t._shape[d]!) throw new RangeError(`index ${j} is out of bounds for dimension ${d} with size ${t._shape[d]}`);
    let off = t._offset;
    for (let k = 0; k < t.ndim; k++) off += (k === d ? j : pos[k]!) * t._strides[k]!;
    out._data[flat] = t._data[off]!;
  }
  return out;
}

/** x.masked_fill_(mask, value) in place: value where mask is true. */
export function masked_fill(t: Tensor, mask: Tensor, value: TensorLike): Tensor {
  if (mask.dtype !== bool) throw new TypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new RangeError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  }
  const shape = broadcast_shapes(t._shape, mask._shape);
  if (shape.length !== t.ndim || shape.some((s, i) => s !== t._shape[i])) {
    throw new RangeError(`masked_fill: mask of shape ${fmt_shape(mask._shape)} cannot be broadcast to ${fmt_shape(t._shape)}`);
  }
  const v = value instanceof Tensor ? value.to(t.dtype) : scalar_tensor(value, t.dtype);
  copy_(t, where(mask, v, t));
  return t;
}

export function masked_select(t: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== bool) throw new TypeError(`masked_select: expected a boolean mask, got ${mask.dtype}`);
  const shape = broadcast_shapes(t._shape, mask._shape);
  const x = clone(expand(t, shape)), m = clone(expand(mask, shape));
  const picks: number[] = [];
  for (let i = 0; i < m.numel(); i++) if (m._data[i]) picks.push(i);
  return index_select(x.view(-1), 0, tensor_of(picks));
}

export function nonzero(t: Tensor): Tensor {
  const c = clone(t);
  const rows: number[] = [];
  const n = c.numel();
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (read(c._data, c._dtype, i) === 0) continue;
    count++;
    let rem = i;
    const pos = new Array<number>(t.ndim);
    for (let k = t.ndim - 1; k >= 0; k--) {
      pos[k] = rem % t._shape[k]!;
      rem = Math.floor(rem / t._shape[k]!);
    }
    rows.push(...pos);
  }
  return tensor_of(rows).view(count, t.ndim);
}

