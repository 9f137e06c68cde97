// Float inputs of the reference quantizers as float32 values (exact for every float dtype they
// take), and the first value they refuse.
import type { TypedArray } from "../../dtype.js";
import { from_bf16, from_f16 } from "../../half.js";

const F16 = 6, BF16 = 7;

/** n values of a float32/bfloat16/float16 storage from off, as float32 (a view for float32). */
export function float_values(x: TypedArray, dtype: number, off: number, n: number): Float32Array {
  if (dtype !== F16 && dtype !== BF16) return (x as Float32Array).subarray(off, off + n);
  const decode = dtype === F16 ? from_f16 : from_bf16;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = decode(x[off + i] as number);
  return out;
}

/** The index of the first NaN or ±Inf, or -1. */
export function first_nonfinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return i;
  return -1;
}
