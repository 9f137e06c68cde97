// Strided views for kernel tests: a storage, an element offset and element strides, laid out
// contiguously, transposed, with steps, with negative strides (and the offset that needs), or
// broadcast (stride 0) -- and shapes that exercise the kernels' edges.
import { DType, TypedArray } from "../../kernel/tensor/dtype.js";
import { Rng } from "./prng.js";
import { Kind, random_storage } from "./values.js";

export interface View {
  data: TypedArray;
  off: number;
  strides: number[];
}

export type Layout = "contiguous" | "transposed" | "stepped" | "negative" | "broadcast" | "mixed";
export const INPUT_LAYOUTS: readonly Layout[] = ["contiguous", "transposed", "stepped", "negative", "broadcast", "mixed"];
export const OUTPUT_LAYOUTS: readonly Layout[] = ["contiguous", "transposed", "stepped", "negative", "mixed"];

/** Sizes around SIMD widths, tiles and thread splits. */
export const ODD_SIZES = [1, 7, 15, 16, 17, 31, 33, 255, 257, 1000, 4099];

export function numel(shape: readonly number[]): number {
  return shape.reduce((p, s) => p * s, 1);
}

/** A shape of 0 to 4 dims: 1-d odd sizes, or small multi-d shapes (some with 0 or 1 dims). */
export function random_shape(rng: Rng, max_numel = 5000): number[] {
  const r = rng.float();
  if (r < 0.1) return [];
  if (r < 0.4) return [rng.pick(ODD_SIZES)];
  for (;;) {
    const nd = rng.int(1, 4);
    const shape = Array.from({ length: nd }, () => rng.pick([1, 2, 3, 5, 7, 16, 17, 33]));
    if (rng.chance(0.05)) shape[rng.int(0, nd - 1)] = 0;
    if (numel(shape) <= max_numel) return shape;
  }
}

/** Strides (in elements) and offset of a view of `shape` in a storage of `size` elements. */
export function layout(rng: Rng, shape: readonly number[], kind: Layout, output = false): { off: number; strides: number[]; size: number } {
  const nd = shape.length;
  // order[0] is the outermost dim in memory
  const dims = [...Array(nd).keys()];
  const order = kind === "transposed" ? dims.reverse() : kind === "mixed" ? rng.shuffled(dims) : dims;
  const stepped = kind === "stepped" || kind === "mixed";
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let i = nd - 1; i >= 0; i--) {
    const d = order[i]!;
    const step = stepped ? rng.int(1, 3) : 1;
    strides[d] = acc * step;
    acc *= step * Math.max(shape[d]!, 1);
  }
  for (let d = 0; d < nd; d++) {
    if ((kind === "negative" && (d === nd - 1 || rng.chance(0.5))) || (kind === "mixed" && rng.chance(0.3))) strides[d] = -strides[d]!;
    if ((kind === "broadcast" && (d === nd - 1 || rng.chance(0.4))) || (kind === "mixed" && !output && rng.chance(0.15))) strides[d] = 0;
  }
  let lo = 0, hi = 0;
  for (let d = 0; d < nd; d++) {
    const span = strides[d]! * Math.max(shape[d]! - 1, 0);
    if (span < 0) lo += span; else hi += span;
  }
  const pad = kind === "contiguous" ? 0 : rng.int(0, 3);
  return { off: pad - lo, strides, size: pad - lo + hi + 1 + rng.int(0, 2) };
}

/** A view of `shape` over a storage of random elements (all of it random, not only the view). */
export function input_view(rng: Rng, dtype: DType, shape: readonly number[], kind: Layout, values: Kind = "any"): View {
  const l = layout(rng, shape, kind);
  return { data: random_storage(rng, dtype, l.size, values), off: l.off, strides: l.strides };
}

/** An output view (never broadcast); the storage starts random, so stray writes show up. */
export function output_view(rng: Rng, dtype: DType, shape: readonly number[], kind: Layout): View {
  if (kind === "broadcast") throw new Error("outputs cannot be broadcast");
  const l = layout(rng, shape, kind, true);
  return { data: random_storage(rng, dtype, l.size, "finite"), off: l.off, strides: l.strides };
}

/** The storage index of every element of a view, in row-major order. */
export function positions(shape: readonly number[], off: number, strides: readonly number[]): number[] {
  const out: number[] = [];
  const walk = (d: number, p: number): void => {
    if (d === shape.length) { out.push(p); return; }
    for (let i = 0; i < shape[d]!; i++) walk(d + 1, p + i * strides[d]!);
  };
  walk(0, off);
  return out;
}
