// Bit-exact float32 <-> float16 / bfloat16 conversions (round to nearest even, subnormals,
// inf, NaN) -- the same rules as native/src/kernels/dtype.h and c10's Half/BFloat16.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32_bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}
export function bits_f32(b: number): number {
  u32[0] = b >>> 0;
  return f32[0]!;
}

/** NaN's bfloat16 bits: torch's vectorized float->bf16 conversion gives 0xffff, its scalar
 *  conversion from double (c10::BFloat16) 0x7fc0. */
export const BF16_NAN_VECTOR = 0xffff;
export const BF16_NAN_SCALAR = 0x7fc0;

/** number -> bfloat16 bits; a float64 goes through float32 first, as torch does. */
export function to_bf16(x: number, nan_bits = BF16_NAN_VECTOR): number {
  if (Number.isNaN(x)) return nan_bits;
  const u = f32_bits(x);
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}
export function from_bf16(h: number): number {
  return bits_f32((h & 0xffff) << 16);
}

/** number -> float16 bits; a float64 goes through float32 first, as torch does. */
export function to_f16(x: number): number {
  const u = f32_bits(x);
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a >= 0x38800000) {
    const m = a + 0xfff + ((a >>> 13) & 1) - 0x38000000;
    return sign | (m >>> 13);
  }
  if (a < 0x33000000) return sign;
  const e = a >>> 23;
  const mant = (a & 0x7fffff) | 0x800000;
  const shift = 126 - e;
  let q = mant >>> shift;
  const rem = mant & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (q & 1) === 1)) q++;
  return sign | q;
}
export function from_f16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? bits_f32(((h & 0x8000) << 16) | 0x7f800000 | (m << 13)) : sign * Infinity;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
