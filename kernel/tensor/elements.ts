// Reading and writing single elements of a storage as JS numbers, with torch's cast rules.
// Used by the reference kernels, item()/tolist() and tensor creation -- never on hot paths.
import { DType, TypedArray } from "./dtype.js";
import { BF16_NAN_SCALAR, BF16_NAN_VECTOR, from_bf16, from_f16, to_bf16, to_f16 } from "./half.js";

/** The element at index i as a number (int64 beyond 2^53 loses precision, as Number() does). */
export function read(data: TypedArray, dtype: DType, i: number): number {
  switch (dtype.code) {
    case 5: return Number((data as BigInt64Array)[i]!);
    case 6: return from_f16((data as Uint16Array)[i]!);
    case 7: return from_bf16((data as Uint16Array)[i]!);
    default: return (data as Float64Array)[i]!;
  }
}

/** The element at index i as a bigint (int64 only keeps all 64 bits). */
export function read_bigint(data: TypedArray, dtype: DType, i: number): bigint {
  if (dtype.code === 5) return (data as BigInt64Array)[i]!;
  return BigInt(Math.trunc(read(data, dtype, i)));
}

/** An int64 as the nearest float32, rounded once (through float64 would round twice beyond 2^53). */
export function int64_to_float32(v: bigint): number {
  const a = v < 0n ? -v : v;
  const len = a.toString(2).length;
  if (len <= 53) return Math.fround(Number(v));
  const shift = BigInt(len - 24);
  let q = a >> shift;
  const rem = a & ((1n << shift) - 1n), half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q) * 2 ** Number(shift);  // exact: q has at most 25 bits
  return Math.fround(v < 0n ? -r : r);
}

/** Stores an integer given as a bigint (int64 sources, integer sums) exactly, with torch's casts. */
export function store_bigint(data: TypedArray, dtype: DType, i: number, v: bigint): void {
  if (dtype.code === 5) (data as BigInt64Array)[i] = BigInt.asIntN(64, v);
  else if (dtype.code === 9) data[i] = Number(v);
  else if (dtype.is_floating_point) store(data, dtype, i, int64_to_float32(BigInt.asIntN(64, v)), "float");
  else if (dtype.code === 0) data[i] = v !== 0n ? 1 : 0;
  else data[i] = Number(BigInt.asIntN(dtype.itemsize * 8, v));  // the typed array wraps uint8
}

const INT_BITS: Record<number, [number, boolean]> = { 1: [8, false], 2: [8, true], 3: [16, true], 4: [32, true] };

/** Wraps an integer value into a `bits`-wide two's-complement (or unsigned) range. */
export function wrap_int(v: number, bits: number, signed: boolean): number {
  const m = 2 ** bits;
  let r = v % m;
  if (r < 0) r += m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

/**
 * Where a value comes from, which decides how torch converts it:
 * - "int": an integer type: narrower integers keep its low bits;
 * - "float": a float32 (or 16-bit float) element, as elementwise kernels produce: float -> integer
 *   truncates toward zero into int32 (NaN, inf and values outside int32 give INT32_MIN) and keeps the
 *   low bits, as torch does on x86-64; NaN -> bfloat16 is 0xffff (torch's vectorized conversion);
 * - "scalar": a value converted one at a time (creation, fills, reductions, casts from float64
 *   and float16): as "float", but NaN -> bfloat16 is 0x7fc0 (c10::BFloat16).
 */
export type Source = "int" | "float" | "scalar";

/** Converts a value to what an element of `to` holds (see Source). */
export function convert(v: number, to: DType, src: Source): number {
  const from_float = src !== "int";
  switch (to.code) {
    case 0: return v !== 0 ? 1 : 0;  // NaN -> true
    case 5: {
      if (!from_float) return v;
      if (!(v >= -9223372036854775808 && v < 9223372036854775808)) return -9223372036854775808;
      return Math.trunc(v);
    }
    case 6: return from_f16(to_f16(v));
    case 7: return from_bf16(to_bf16(v));
    case 8: return Math.fround(v);
    case 9: return v;
    default: {
      const [bits, signed] = INT_BITS[to.code]!;
      let t = v;
      if (from_float) t = v > -2147483649 && v < 2147483648 ? Math.trunc(v) : -2147483648;
      return wrap_int(t, bits, signed);
    }
  }
}

/** Stores a value that is already representable in `dtype` (see convert). */
export function write(data: TypedArray, dtype: DType, i: number, v: number, src: Source = "float"): void {
  switch (dtype.code) {
    case 5: (data as BigInt64Array)[i] = BigInt(v); break;
    case 6: (data as Uint16Array)[i] = to_f16(v); break;
    case 7: (data as Uint16Array)[i] = to_bf16(v, src === "scalar" ? BF16_NAN_SCALAR : BF16_NAN_VECTOR); break;
    default: (data as Float64Array)[i] = v;
  }
}

/** convert + write. */
export function store(data: TypedArray, dtype: DType, i: number, v: number, src: Source): void {
  write(data, dtype, i, convert(v, dtype, src), src);
}
