// Reference blockwise quantization as bitsandbytes' CUDA kernels compute it (kQuantizeBlockwise
// with dQuantizeNF4 / dQuantizeFP4 / dQuantize<0>, and kDequantizeBlockwise): the definition
// native/src/kernels/quantize_blockwise.cc is tested against. The fixtures come from the CUDA
// kernels (which made the real checkpoints), so these follow them comparison for comparison, in
// float32 (../shared/fixtures/quant/nf4/README.md).
import { ALL_DTYPES, TypedArray } from "../../dtype.js";
import { store } from "../../elements.js";
import { first_nonfinite, float_values } from "./floats.js";

/** The code each quantizeBlockwise kind picks (BlockwiseKind in native/src/kernels/kernels.h). */
export const BLOCKWISE_KIND = { nf4: 0, fp4: 1, dynamic: 2 } as const;

// the kernel's float literals, as float32
const F = Math.fround;

// CUDA dQuantizeNF4's thresholds, the midpoints of consecutive NF4 codes, are float literals: the
// compiler rounds each decimal once, to the nearest float32, which is what these are. (Math.fround
// of the decimal rounds twice, through float64, and lands on the other neighbour for four of them:
// the midpoints of float32 codes sit on float32 ties.) As in the kernel, y is compared in float32.
const N_78 = 0.03979014977812767, N_1112 = 0.3893125355243683, N_1314 = 0.6427869200706482;
const N_1415 = 0.8614783883094788, N_1213 = 0.5016633868217468, N_910 = 0.2035212516784668;
const N_1011 = 0.2920137643814087, N_89 = 0.1202552542090416, N_34 = -0.33967941999435425;
const N_56 = -0.13791173696517944, N_67 = -0.045525018125772476, N_45 = -0.23460739850997925;
const N_12 = -0.6106328964233398, N_23 = -0.4599952697753906, N_01 = -0.8480964303016663;

/** CUDA dQuantizeNF4: the nearest NF4 nibble by a decision tree of float32 midpoints; a value on a
 *  midpoint takes the lower code, and NaN (0 · 1/0 in an all-zero block) falls through to 0. */
export function nf4_nibble(x: number): number {
  if (x > N_78) {
    if (x > N_1112) {
      if (x > N_1314) return x > N_1415 ? 0b1111 : 0b1110;
      return x > N_1213 ? 0b1101 : 0b1100;
    }
    if (x > N_910) return x > N_1011 ? 0b1011 : 0b1010;
    return x > N_89 ? 0b1001 : 0b1000;
  }
  if (x > N_34) {
    if (x > N_56) return x > N_67 ? 0b0111 : 0b0110;
    return x > N_45 ? 0b0101 : 0b0100;
  }
  if (x > N_12) return x > N_23 ? 0b0011 : 0b0010;
  return x > N_01 ? 0b0001 : 0b0000;
}

const T_0291 = F(0.29166667), T_0583 = F(0.583333), T_0833 = F(0.8333333), T_0417 = F(0.4166667);
const T_0086 = F(0.0859375), T_0208 = F(0.20833333), T_0003 = F(0.00260417);

/** CUDA dQuantizeFP4: sign bit for y < 0, then a decision tree on |y| (note 0.583333 sits just
 *  below the true midpoint 0.58333337, as in the kernel). */
export function fp4_nibble(x: number): number {
  const sign = x < 0 ? 0b1000 : 0;
  const a = Math.abs(x);
  let p: number;
  if (a > T_0291) p = a > T_0583 ? (a > T_0833 ? 0b011 : 0b010) : (a > T_0417 ? 0b101 : 0b100);
  else p = a > T_0086 ? (a > T_0208 ? 0b111 : 0b110) : (a > T_0003 ? 0b001 : 0b000);
  return sign + p;
}

/** CUDA dQuantize<0> (no stochastic rounding): a binary search of the sorted 256-entry code for
 *  the nearest value, the midpoints computed in float32. */
export function dynamic_code(code: Float32Array, x: number): number {
  let pivot = 127, upper_pivot = 255, lower_pivot = 0;
  let lower = -1.0, upper = 1.0;
  let val = code[pivot]!;
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lower_pivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upper_pivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot]!;
  }
  if (upper_pivot === 255) upper = code[upper_pivot]!;
  if (lower_pivot === 0) lower = code[lower_pivot]!;
  if (x > val) {
    const midpoint = F(F(upper + val) * 0.5);
    return x > midpoint ? upper_pivot : pivot;
  }
  const midpoint = F(F(lower + val) * 0.5);
  return x < midpoint ? lower_pivot : pivot;
}

/** Per block of `blocksize` consecutive values (the last may be partial): absmax = max|x| (float32),
 *  and each value's code from y = x · fp32(1/absmax) -- the kernels' reciprocal then multiply, no
 *  clamp. An all-zero block gives 0 · Inf = NaN, which every code search sends to code 0 (NF4 -1.0,
 *  FP4 0.0, the dynamic map's -1.0), and decodes to ±0 with its absmax 0: no NaN comes out. */
export function quantizeBlockwise(n: number, blocksize: number, kind: number, x: TypedArray, x_dtype: number, x_off: number,
                                  code: Float32Array | null, q: Uint8Array, absmax: Float32Array): number {
  const v = float_values(x, x_dtype, x_off, n);
  const bad = first_nonfinite(v);
  if (bad >= 0) return bad;
  const encode = kind === BLOCKWISE_KIND.nf4 ? nf4_nibble : kind === BLOCKWISE_KIND.fp4 ? fp4_nibble
    : (y: number) => dynamic_code(code!, y);
  const nibbles = kind !== BLOCKWISE_KIND.dynamic;
  if (nibbles) q.fill(0, 0, Math.ceil(n / 2));
  for (let b = 0; b * blocksize < n; b++) {
    const end = Math.min(n, (b + 1) * blocksize);
    let m = 0;
    for (let i = b * blocksize; i < end; i++) m = Math.max(m, Math.abs(v[i]!));
    absmax[b] = m;
    const r = F(1 / m);
    for (let i = b * blocksize; i < end; i++) {
      const c = encode(F(v[i]! * r));
      // two nibbles per byte, the first in the high nibble; an odd count leaves a 0 nibble
      if (nibbles) q[i >> 1] |= i % 2 === 0 ? c << 4 : c;
      else q[i] = c;
    }
  }
  return -1;
}

/** out[i] = code[q_i] · absmax[block] in float32, rounded once to out_dtype. */
export function dequantizeBlockwise(n: number, blocksize: number, bits: number, q: Uint8Array, code: Float32Array,
                                    absmax: Float32Array, out: TypedArray, out_dtype: number): void {
  const O = ALL_DTYPES[out_dtype]!;
  for (let i = 0; i < n; i++) {
    const c = bits === 8 ? q[i]! : i % 2 === 0 ? q[i >> 1]! >> 4 : q[i >> 1]! & 15;
    store(out, O, i, F(code[c]! * absmax[Math.floor(i / blocksize)]!), "float");
  }
}
