// Strided n-d walk shared by the reference kernels: calls fn with each operand's element index.
import type { Dims } from "../types.js";

export function for_each_index(shape: Dims, offsets: number[], strides: Dims[], fn: (idx: number[]) => void): void {
  const nd = shape.length;
  for (const s of shape) if (s === 0) return;
  const idx = new Array<number>(nd).fill(0);
  const pos = offsets.slice();
  for (;;) {
    fn(pos);
    let d = nd - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      for (let o = 0; o < pos.length; o++) pos[o]! += strides[o]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let o = 0; o < pos.length; o++) pos[o]! -= strides[o]![d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Refuses an output view that would write one location twice (a stride of 0 over several
 *  elements), as torch and the native boundary do. */
export function check_output(what: string, shape: Dims, strides: Dims): void {
  if (shape.some((s, d) => s > 1 && strides[d] === 0)) {
    throw new RangeError(`${what}: more than one element would be written to the same memory location (stride 0)`);
  }
}
