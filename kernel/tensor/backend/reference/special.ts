// Special functions JavaScript lacks, for the reference kernels: correctly rounded (exact
// BigInt fixed-point arithmetic, slow but simple), so float64 results are as good as libm's.

// pi to 256 bits after the point (its hexadecimal expansion)
const PI_HEX = "3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89452821e638d01377be5466cf34e90c6cc0ac29b7c97c50dd3f84d5b5b5470917";
const PI_BITS = BigInt(4 * (PI_HEX.length - 1));
const PI = BigInt(`0x${PI_HEX}`);  // pi * 2^PI_BITS

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const SCALED = new Map<number, bigint>();

/** 2/sqrt(pi) * 2^p = 2 * sqrt(2^(2p) / pi) */
function two_over_sqrt_pi(p: number): bigint {
  let v = SCALED.get(p);
  if (v === undefined) {
    v = 2n * isqrt((1n << (2n * BigInt(p) + PI_BITS)) / PI);
    SCALED.set(p, v);
  }
  return v;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** x = m * 2^e exactly, m a positive integer (x finite, nonzero). */
function decompose(x: number): [bigint, number] {
  f64[0] = Math.abs(x);
  const b = u64[0]!;
  const exp = Number(b >> 52n), frac = b & 0xfffffffffffffn;
  return exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
}

/** v * 2^-p rounded to the nearest double (v >= 0). */
function to_double(v: bigint, p: number): number {
  const len = v.toString(2).length;
  if (len > 64) {
    // keep 64 bits and a sticky bit, so Number() still rounds as the full value would
    const s = len - 64;
    const sticky = v & ((1n << BigInt(s)) - 1n) ? 1n : 0n;
    v = (v >> BigInt(s)) | sticky;
    p -= s;
  }
  const half = Math.trunc(p / 2);
  return Number(v) * 2 ** -half * 2 ** -(p - half);
}

/**
 * erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)), summed in fixed point with enough
 * bits below the point to absorb the series' cancellation (its terms reach e^(x^2) for |x| < 6),
 * then rounded once. Beyond |x| = 6, erf rounds to +-1.
 */
export function erf(x: number): number {
  if (Number.isNaN(x) || x === 0) return x;
  if (Math.abs(x) >= 6) return Math.sign(x);
  const [m, e] = decompose(x);
  const p = 200 + Math.max(0, -e - 52);  // fixed-point fraction bits
  const P = BigInt(p);
  const m2 = m * m, e2 = BigInt(-2 * e);  // x^2 = m2 * 2^(2e); e < 0 as |x| < 6
  let term = (m << P) >> BigInt(-e);  // |x| * 2^p
  let sum = term;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * m2 >> e2) / n;
    sum += (n & 1n ? -term : term) / (2n * n + 1n);
  }
  const v = to_double((sum * two_over_sqrt_pi(p)) >> P, p);
  return x < 0 ? -v : v;
}
