// Special functions JavaScript lacks, accurate to about an ulp of float64 (libm's are within one).

// 2/sqrt(pi) as a double-double: hi + lo
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const TWO_OVER_SQRT_PI_LO = 1.533545961316588e-17;

// ---- double-double arithmetic (Dekker): a value is hi + lo with |lo| <= ulp(hi) / 2
type DD = [number, number];
const SPLIT = 134217729;  // 2^27 + 1

function two_prod(a: number, b: number): DD {
  const p = a * b;
  const ca = SPLIT * a, ah = ca - (ca - a), al = a - ah;
  const cb = SPLIT * b, bh = cb - (cb - b), bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
function fast_two_sum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}
function dd_mul(a: DD, b: DD): DD {
  const [p, e] = two_prod(a[0], b[0]);
  return fast_two_sum(p, e + (a[0] * b[1] + a[1] * b[0]));
}
function dd_div(a: DD, d: number): DD {
  const q = a[0] / d;
  const [p, e] = two_prod(q, d);
  return fast_two_sum(q, (a[0] - p - e + a[1]) / d);
}
function dd_add(a: DD, b: DD): DD {
  const s = a[0] + b[0], bb = s - a[0];
  const e = a[0] - (s - bb) + (b[0] - bb);
  return fast_two_sum(s, e + a[1] + b[1]);
}

/**
 * erf(x): for |x| < 4 the series 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1)), whose
 * terms are all positive, summed in double-double with x^2 kept exact (rounding x^2 first would
 * cost |x|^2 ulps through the exponential); beyond, 1 - erfc(x) from erfc's continued fraction.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  if (ax < 4) {
    if (ax === 0) return x;  // keeps -0
    const x2 = two_prod(ax, ax);
    const step: DD = [2 * x2[0], 2 * x2[1]];
    let term: DD = [ax, 0], sum: DD = [ax, 0];
    for (let n = 1; n < 200; n++) {
      term = dd_div(dd_mul(term, step), 2 * n + 1);
      sum = dd_add(sum, term);
      if (term[0] < sum[0] * 1e-34) break;
    }
    // e^{-(h + l)} = e^{-h} (1 - l) to double precision, since |l| <= ulp(h) / 2
    const e = Math.exp(-x2[0]);
    const scale = dd_mul([TWO_OVER_SQRT_PI, TWO_OVER_SQRT_PI_LO], [e, -e * x2[1]]);
    const r = dd_mul(scale, sum);
    return Math.sign(x) * (r[0] + r[1]);
  }
  // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}
