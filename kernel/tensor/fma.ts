// Correctly rounded fused multiply-add, which JavaScript lacks: torch's CPU kernels are built with
// FMA contraction, so reproducing their streams needs a*b+c rounded once.
const f = Math.fround;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function next_f32_toward(x: number, toward: number): number {
  if (x === toward) return x;
  f32[0] = x;
  if (x === 0) u32[0] = toward > 0 ? 1 : 0x80000001;
  else u32[0] = (toward > x) === (x > 0) ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0]!;
}

/** fmaf(a, b, c) for float32 values: a*b is exact in float64, so only the sum needs care. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);  // TwoSum: s + e == p + c exactly
  const r = f(s);
  if (r === s || e === 0) return r;
  const n = next_f32_toward(r, s);
  if (s - r !== n - s) return r;  // not a midpoint: s already rounds the true value correctly
  return e > 0 ? Math.max(r, n) : Math.min(r, n);
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

// x = m * 2^e exactly, m a BigInt (x finite)
function decompose(x: number): [bigint, number] {
  f64[0] = x;
  const b = u64[0]!;
  const sign = b >> 63n ? -1n : 1n;
  const exp = Number((b >> 52n) & 0x7ffn);
  const frac = b & 0xfffffffffffffn;
  if (exp === 0) return [sign * frac, -1074];
  return [sign * (frac | 0x10000000000000n), exp - 1075];
}

// round m * 2^e (exact) to the nearest double, ties to even
function compose(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const neg = m < 0n;
  let a = neg ? -m : m;
  const len = a.toString(2).length;
  // keep 53 significant bits, but never go below the subnormal exponent -1074
  let shift = Math.max(len - 53, -1074 - e);
  if (shift > 0) {
    const sh = BigInt(shift);
    const rem = a & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    a >>= sh;
    if (rem > half || (rem === half && (a & 1n) === 1n)) a += 1n;
    e += shift;
    shift = 0;
  }
  const v = Number(a) * 2 ** e;  // a has <= 54 bits here; the product is exact or overflows to inf
  return neg ? -v : v;
}

/** fma(a, b, c) for float64 values, exactly rounded (BigInt arithmetic; for rare paths). */
export function fma(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  const mp = ma * mb, ep = ea + eb;
  if (mp === 0n) return a * b + c;
  const e = Math.min(ep, ec);
  const sum = (mp << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return a * b + c;  // signed zero as IEEE gives it
  return compose(sum, e);
}
