// Float inputs of the reference quantizers as float32 values (exact for every float dtype they
// take), the first value they refuse, and the rounding of their codes. They are the fallback when
// the addon cannot load, so 16-bit values are widened by their bits: a table for float16, a shift
// for bfloat16.
import { bfloat16, float16, type TypedArray } from "../../dtype.js";
import { from_f16 } from "../../half.js";

const F16 = float16.code, BF16 = bfloat16.code;

let f16_table: Float32Array | null = null;

/** n values of a float32/bfloat16/float16 storage from off, as float32 (a view for float32). */
export function float_values(x: TypedArray, dtype: number, off: number, n: number): Float32Array {
  if (dtype !== F16 && dtype !== BF16) return (x as Float32Array).subarray(off, off + n);
  const h = x as Uint16Array, out = new Float32Array(n);
  if (dtype === BF16) {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = h[off + i]! << 16;
    return out;
  }
  f16_table ??= Float32Array.from({ length: 65536 }, (_, b) => from_f16(b));
  for (let i = 0; i < n; i++) out[i] = f16_table[h[off + i]!]!;
  return out;
}

/** The index of the first NaN or ±Inf, or -1. */
export function first_nonfinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return i;
  return -1;
}

/** Python 3's int(round(x)) for a float: ties to even, and never -0 (Math.round(-0.4) is -0),
 *  as the quantizers' codes and zero points are rounded. */
export function round_half_even(x: number): number {
  const r = Math.round(x);
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}
