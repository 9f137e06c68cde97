// torch's randn for contiguous float32 tensors of 16+ elements runs normal_fill_16_AVX2, whose
// log and sin/cos are the Cephes single-precision polynomials of avx_mathfun.h, built by GCC with
// multiply-adds contracted into FMAs. To give the same stream bit for bit, this file evaluates
// those polynomials one lane at a time in float32 arithmetic with a correctly rounded fma.
import { fmaf } from "./fma.js";
import { bits_f32 as from_bits, f32_bits as bits } from "./half.js";

const f = Math.fround;
const SQRTHF = f(0.707106781186547524);
const LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(f);
const LOG_Q1 = f(-2.12194440e-4), LOG_Q2 = f(0.693359375);

/** log256_ps, one lane (x > 0). */
export function log_ps(x0: number): number {
  if (!(x0 > 0)) return x0 === 0 ? -Infinity : NaN;
  let x = Math.max(x0, from_bits(0x00800000));
  const b = bits(x);
  let e = f((b >>> 23) - 0x7f + 1);
  x = from_bits((b & ~0x7f800000) | 0x3f000000);  // mantissa in [0.5, 1)
  const lt = x < SQRTHF;
  const tmp = lt ? x : 0;
  x = f(x - 1);
  if (lt) e = f(e - 1);
  x = f(x + tmp);
  const z = f(x * x);
  let y = LOG_P[0]!;
  for (let i = 1; i < LOG_P.length; i++) y = fmaf(y, x, LOG_P[i]!);
  y = f(y * x);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = fmaf(-z, 0.5, y);
  x = f(x + y);
  return fmaf(e, LOG_Q2, x);
}

const FOPI = f(1.27323954473516);
const DP1 = f(-0.78515625), DP2 = f(-2.4187564849853515625e-4), DP3 = f(-3.77489497744594108e-8);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);

/** sincos256_ps, one lane: [sin x, cos x]. */
export function sincos_ps(x0: number): [number, number] {
  let sin_neg = x0 < 0 || Object.is(x0, -0);
  let x = Math.abs(x0);
  const yq = f(x * FOPI);
  let j = Math.trunc(yq) | 0;
  j = (j + 1) & ~1;
  const y0 = f(j);
  const swap_sin = (j & 4) !== 0;
  const poly_sin = (j & 2) !== 0;  // avx_mathfun's poly_mask is set where (j & 2) == 0
  const cos_neg = ((~(j - 2)) & 4) !== 0;
  x = fmaf(y0, DP1, x);
  x = fmaf(y0, DP2, x);
  x = fmaf(y0, DP3, x);
  if (swap_sin) sin_neg = !sin_neg;
  const z = f(x * x);
  let y = COS_P[0]!;
  y = fmaf(y, z, COS_P[1]!);
  y = fmaf(y, z, COS_P[2]!);
  y = f(y * z);
  y = fmaf(y, z, f(-f(z * 0.5)));
  y = f(y + 1);
  let y2 = SIN_P[0]!;
  y2 = fmaf(y2, z, SIN_P[1]!);
  y2 = fmaf(y2, z, SIN_P[2]!);
  y2 = f(y2 * z);
  y2 = fmaf(y2, x, x);
  // where (j & 2) == 0, sin takes the sin polynomial and cos the cos polynomial; else swapped
  const s = poly_sin ? y : y2;
  const c = poly_sin ? y2 : y;
  return [sin_neg ? -s : s, cos_neg ? -c : c];
}

const TWO_PI = f(2 * Math.PI);

/** normal_fill_16_AVX2 on data[base .. base + 16): pairs (j, j + 8) become two normals. */
export function normal_fill_16_avx2(data: Float64Array, base: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[base + j]!);
    const u2 = data[base + j + 8]!;
    const radius = f(Math.sqrt(f(-2 * log_ps(u1))));
    const theta = f(TWO_PI * u2);
    const [s, c] = sincos_ps(theta);
    data[base + j] = fmaf(f(radius * c), std, mean);
    data[base + j + 8] = fmaf(f(radius * s), std, mean);
  }
}
