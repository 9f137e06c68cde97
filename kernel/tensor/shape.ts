// Shape arithmetic: contiguous strides, broadcasting, dimension wrapping and torch's rule for
// when a view with a new shape can share storage.

export function contiguous_strides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= Math.max(shape[d]!, 1);
  }
  return strides;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmt_shape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Wraps a possibly negative dim into [0, ndim); names the op in the error. */
export function wrap_dim(dim: number, ndim: number, op = "dim"): number {
  const n = Math.max(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Broadcast shape of several shapes (numpy / torch rules). */
export function broadcast_shapes(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const v = s[i]!;
      if (v === out[d] || v === 1) continue;
      if (out[d] === 1) out[d] = v;
      else {
        throw new RangeError(
          `shapes ${shapes.map(fmt_shape).join(" and ")} cannot be broadcast together: ` +
            `size ${out[d]} vs ${v} at dimension ${d - nd}`,
        );
      }
    }
  }
  return out;
}

/** Strides of a tensor (shape, strides) seen through a broadcast to `target`: 0 where it repeats. */
export function broadcast_strides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 && target[off + i] !== 1 ? 0 : strides[i]!;
  return out;
}

/**
 * Strides for viewing (shape, strides) as new_shape without copying, or null when the memory
 * layout does not allow it (ATen's computeStride).
 */
export function view_strides(shape: readonly number[], strides: readonly number[], new_shape: readonly number[]): number[] | null {
  const total = numel(shape);
  if (total === 0) return contiguous_strides(new_shape);
  if (shape.length === 0) return new Array<number>(new_shape.length).fill(1);
  const out = new Array<number>(new_shape.length);
  let view_d = new_shape.length - 1;
  let chunk_base_stride = strides.length ? strides[strides.length - 1]! : 1;
  let tensor_numel = 1, view_numel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensor_numel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] === 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d]!;
        view_d--;
      }
      if (view_numel !== tensor_numel) return null;
      if (d > 0) {
        chunk_base_stride = strides[d - 1]!;
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d !== -1) return null;
  return out;
}

/** Resolves one -1 in a requested shape and checks the element count. */
export function infer_shape(requested: readonly number[], total: number, op: string): number[] {
  const shape = requested.slice();
  let infer = -1, known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${d}`);
    } else {
      known *= d;
    }
  }
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new RangeError(`${op}: shape '${fmt_shape(requested)}' is invalid for input of size ${total}`);
    }
    shape[infer] = total / known;
  } else if (known !== total) {
    throw new RangeError(`${op}: shape '${fmt_shape(requested)}' is invalid for input of size ${total}`);
  }
  return shape;
}
