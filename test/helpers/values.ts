// Random storages for every dtype, mixing ordinary values with the ones kernels get wrong:
// signed zeros, infinities, NaN, subnormals, the extremes of each type, values on and next to
// rounding ties, and integer boundaries.
import { DType, TypedArray } from "../../kernel/tensor/dtype.js";
import { bits_f32, from_bf16, from_f16, to_bf16, to_f16 } from "../../kernel/tensor/half.js";
import { Rng } from "./prng.js";

/**
 * - bits: any bit pattern, signalling NaNs included (for kernels that only move or convert);
 * - any: every value, specials included, but only quiet NaNs: no torch op makes a signalling one,
 *   JavaScript cannot hold one, and libm treats them apart (pow(1, sNaN) is NaN, not 1);
 * - finite: no inf or NaN (sums and products with error bounds);
 * - moderate: finite, and far from overflow (|x| < 2^21), so that no order of summation overflows;
 * - near_one: floats of magnitude in [0.5, 2), so that long products stay in range;
 * - specials: 0, -0, ±0.5, 1, -2, ±inf and NaN only: sums and products of a few of them are exact
 *   in any order, so infinities and NaN can be checked bit for bit;
 * - small: small magnitudes (exponents, shift counts, divisors that are often zero);
 * - unit: floats of moderate size around 1, integers in [-10, 10].
 */
export type Kind = "bits" | "any" | "finite" | "moderate" | "near_one" | "specials" | "small" | "unit";

const INT_RANGE: Record<string, [number, number]> = {
  uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
};

const FLOAT_LIMITS: Record<string, { max: number; tiny: number; sub: number }> = {
  float16: { max: 65504, tiny: 2 ** -14, sub: 2 ** -24 },
  bfloat16: { max: from_bf16(0x7f7f), tiny: 2 ** -126, sub: 2 ** -133 },
  float32: { max: bits_f32(0x7f7fffff), tiny: 2 ** -126, sub: 2 ** -149 },
  float64: { max: Number.MAX_VALUE, tiny: 2 ** -1022, sub: 2 ** -1074 },
};

/** x rounded to dtype (a float dtype). */
export function round_to(dtype: DType, x: number): number {
  switch (dtype.name) {
    case "float16": return from_f16(to_f16(x));
    case "bfloat16": return from_bf16(to_bf16(x));
    case "float32": return Math.fround(x);
    default: return x;
  }
}

function special_float(rng: Rng, dtype: DType, kind: Kind): number {
  const L = FLOAT_LIMITS[dtype.name]!;
  const pool = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, L.tiny, -L.tiny, L.sub, -L.sub, 3 * L.sub, L.tiny - L.sub];
  if (kind !== "moderate") pool.push(L.max, -L.max);
  if (kind !== "moderate" && kind !== "finite") pool.push(Infinity, -Infinity, NaN, NaN);
  return rng.pick(pool);
}

// A value exactly on (or one step of `dtype` beside) a rounding tie of a narrower float type:
// where casts and 16-bit results round differently if the rounding rule is wrong.
function near_tie(rng: Rng, dtype: DType): number {
  const narrower = rng.pick(dtype.name === "float64" ? ["float32", "float16", "bfloat16"] : ["float16", "bfloat16"]);
  const bits = narrower === "float32" ? 23 : narrower === "float16" ? 10 : 7;
  const e = rng.int(-12, 12);
  const grid = (rng.int(0, 2 ** bits - 1) + 2 ** bits) * 2 ** (e - bits);  // a value of the narrower type
  const half = 2 ** (e - bits - 1);
  const step = dtype.name === "float64" ? 2 ** (e - 53) : 2 ** (e - 24);
  const v = grid + half + rng.pick([0, 0, step, -step]);
  return round_to(dtype, rng.chance(0.5) ? v : -v);
}

function random_float(rng: Rng, dtype: DType, kind: Kind): number {
  if (kind === "unit") return round_to(dtype, rng.normal() * 2);
  if (kind === "small") return round_to(dtype, rng.int(-8, 8) / rng.pick([1, 2, 4]));
  if (kind === "near_one") return round_to(dtype, (rng.chance(0.5) ? -1 : 1) * 2 ** (rng.float() * 2 - 1));
  if (kind === "specials") return rng.pick([0, -0, 0.5, -0.5, 1, -2, Infinity, -Infinity, NaN]);
  const r = rng.float();
  if (r < 0.15) return special_float(rng, dtype, kind);
  if (r < 0.3) return near_tie(rng, dtype);
  const e = rng.int(-20, dtype.name === "float16" ? 14 : 20);  // float16 tops out below 2^16
  return round_to(dtype, (rng.chance(0.5) ? -1 : 1) * (1 + rng.float()) * 2 ** e);
}

function random_int(rng: Rng, dtype: DType, kind: Kind): number {
  if (dtype.name === "bool") return rng.int(0, 1);
  const [lo, hi] = INT_RANGE[dtype.name]!;
  if (kind === "small" || kind === "specials") return rng.int(Math.max(lo, -3), Math.min(hi, 9));
  if (kind === "unit" || kind === "near_one") return rng.int(Math.max(lo, -10), 10);
  if (rng.chance(0.2)) return rng.pick([lo, lo + 1, hi, hi - 1, 0, 1, dtype.is_signed ? -1 : 2]);
  return rng.int(lo, hi);
}

function random_i64(rng: Rng, kind: Kind): bigint {
  if (kind === "small" || kind === "specials") return BigInt(rng.int(-3, 9));
  if (kind === "unit" || kind === "near_one") return BigInt(rng.int(-10, 10));
  const r = rng.float();
  if (r < 0.2) return rng.pick([-(2n ** 63n), 2n ** 63n - 1n, -(2n ** 63n) + 1n, 0n, 1n, -1n, 2n ** 53n + 1n]);
  if (r < 0.3) {
    // beyond 2^53, on or beside a float32 rounding tie: converting through float64 rounds twice
    const s = BigInt(rng.int(31, 38));
    const v = (BigInt(rng.int(2 ** 23, 2 ** 24 - 1)) << s) + (1n << (s - 1n)) + BigInt(rng.int(-1, 1));
    return rng.chance(0.5) ? v : -v;
  }
  if (r < 0.5) return BigInt(rng.int(-(2 ** 40), 2 ** 40));
  return rng.i64();
}

function is_nan16(dtype: DType, h: number): boolean {
  return dtype.name === "float16" ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
}

/** A storage of n random elements of dtype. */
export function random_storage(rng: Rng, dtype: DType, n: number, kind: Kind = "any"): TypedArray {
  const out = new dtype.array(n);
  for (let i = 0; i < n; i++) {
    if (dtype.name === "int64") (out as BigInt64Array)[i] = random_i64(rng, kind);
    else if (!dtype.is_floating_point) out[i] = random_int(rng, dtype, kind);
    else if (dtype.itemsize === 2 && (kind === "any" || kind === "bits") && rng.chance(0.1)) {
      const h = rng.int(0, 0xffff);
      out[i] = kind === "bits" || !is_nan16(dtype, h) ? h : h | (dtype.name === "float16" ? 0x200 : 0x40);
    }
    else if (kind === "bits" && dtype.itemsize > 2 && rng.chance(0.05)) {
      // float32/float64: any pattern, through an integer view
      if (dtype.itemsize === 4) new Uint32Array(out.buffer)[i] = rng.u32();
      else new BigInt64Array(out.buffer)[i] = rng.i64();
    } else {
      const v = random_float(rng, dtype, kind);
      out[i] = dtype.name === "float16" ? to_f16(v) : dtype.name === "bfloat16" ? to_bf16(v) : v;
    }
  }
  return out;
}
