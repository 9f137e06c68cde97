// The kernel interface both backends implement: the native addon (native/src/addon.cc) and the
// TypeScript reference (./reference). Arguments are storages (typed arrays), element offsets and
// element strides; dtypes are codes (kernel/tensor/dtype.ts). Outputs are written in place.
import type { TypedArray } from "../dtype.js";

export type Dims = readonly number[];

export interface Kernels {
  readonly name: string;
  /** dst[i] = cast(src[i]) over `shape`. */
  cast(shape: Dims, dst: TypedArray, dst_dtype: number, dst_off: number, dst_strides: Dims,
       src: TypedArray, src_dtype: number, src_off: number, src_strides: Dims): void;
  /** out = op(a, b); a or b may be a number (a scalar in the compute type). out has out_dtype
   *  (bool for predicates), a and b have dtype. add may take alpha (in the compute type):
   *  a + alpha * b, rounded once. */
  binary(op: number, dtype: number, out_dtype: number, shape: Dims,
         out: TypedArray, out_off: number, out_strides: Dims,
         a: TypedArray | number, a_off: number, a_strides: Dims,
         b: TypedArray | number, b_off: number, b_strides: Dims, alpha?: number): void;
  /** out = op(x; params). */
  unary(op: number, dtype: number, out_dtype: number, shape: Dims,
        out: TypedArray, out_off: number, out_strides: Dims,
        x: TypedArray, x_off: number, x_strides: Dims, params?: readonly number[]): void;
  /** out = cond ? a : b (cond is bool). */
  where(dtype: number, shape: Dims, out: TypedArray, out_off: number, out_strides: Dims,
        cond: TypedArray, cond_off: number, cond_strides: Dims,
        a: TypedArray, a_off: number, a_strides: Dims,
        b: TypedArray, b_off: number, b_strides: Dims): void;
  /** For every position of `outer`, reduces the `inner` elements of x into out. */
  reduce(op: number, in_dtype: number, out_dtype: number, outer: Dims,
         out: TypedArray, out_off: number, out_strides: Dims,
         x: TypedArray, x_off: number, x_outer_strides: Dims,
         inner: Dims, inner_strides: Dims, correction: number): void;
  /** c[b] = a[b] @ b[b] (+ bias); a: [batch, M, K] strides, b: [batch, K, N] strides, c contiguous. */
  gemm(batch: number, M: number, N: number, K: number,
       a: TypedArray, a_dtype: number, a_off: number, a_strides: Dims,
       b: TypedArray, b_dtype: number, b_off: number, b_strides: Dims,
       c: TypedArray, c_dtype: number, c_off: number,
       bias: TypedArray | null, bias_dtype: number, bias_off: number): void;
  /** LLM.int8()'s product c[m, n] = Σ_k a[m, k]·b[n, k]: a [M, K] and b [N, K] contiguous int8,
   *  c [M, N] contiguous int32, exact modulo 2^32 (int32 accumulation wraps). */
  int8Gemm(M: number, N: number, K: number, a: Int8Array, a_off: number, b: Int8Array, b_off: number,
           c: Int32Array, c_off: number): void;
  /** Weight-only quantized product y [M, N] = x [M, K] @ Wᵀ (+ bias), W [N, K] dequantized on the fly
   *  from `format` (reference/wq.ts WQ_FORMAT; the layouts are in native/src/kernels/wq_gemm.cc):
   *  w the packed codes, scale / zero / code its statistics (read from their start), each dequantized
   *  weight rounded to w_dtype; x and y contiguous from their offsets, float32 accumulation. */
  wqGemm(M: number, N: number, K: number, format: number, group: number,
         x: TypedArray, x_dtype: number, x_off: number,
         w: Uint8Array | Int8Array, scale: Float32Array, zero: Float32Array | null, code: Float32Array | null,
         w_dtype: number, y: TypedArray, y_dtype: number, y_off: number,
         bias: TypedArray | null, bias_dtype: number, bias_off: number): void;
  // Quantizers. x is contiguous from x_off, float32/bfloat16/float16 (the exact values are
  // quantized); outputs are written from their start. Those that return a number return the flat
  // index of the first NaN/±Inf they refuse, or -1; after a refusal the outputs hold nothing useful.

  /** bitsandbytes' blockwise quantization of n values (reference/quantize_blockwise.ts): per block of
   *  `blocksize`, absmax = max|x| and each code from x · fp32(1/absmax). kind (BLOCKWISE_KIND) nf4 /
   *  fp4: CUDA's decision trees, q = ceil(n/2) bytes, first value in the high nibble; dynamic: the
   *  nearest of the 256 sorted `code` values by CUDA's binary search, q = n bytes. */
  quantizeBlockwise(n: number, blocksize: number, kind: number, x: TypedArray, x_dtype: number, x_off: number,
                    code: Float32Array | null, q: Uint8Array, absmax: Float32Array): number;
  /** out[i] = code[q_i] · absmax[i / blocksize] in float32, rounded once to out_dtype; q_i is byte i
   *  (bits 8) or nibble i, high first (bits 4). */
  dequantizeBlockwise(n: number, blocksize: number, bits: number, q: Uint8Array, code: Float32Array,
                      absmax: Float32Array, out: TypedArray, out_dtype: number): void;
  /** LLM.int8()'s vector-wise quantization of float16 A [rows, k] (reference/quantize_int8.ts):
   *  with threshold > 0 the |a| >= threshold are outliers (outlier_cols[j] = 1 for their columns),
   *  left out of SCA = the row absmax, and their columns of CA zeroed when rows > 1;
   *  CA = round(a · fp32(127 / SCA)), 0 for a row whose SCA is 0. */
  int8VectorwiseQuant(rows: number, k: number, a: Uint16Array, a_off: number, threshold: number,
                      CA: Int8Array, SCA: Float32Array, outlier_cols: Uint8Array): number;
  /** Round-to-nearest weights [N, K] in wq_gemm's layouts (reference/quantize_affine.ts): bits 8:
   *  q int8 [N, K] and scale [N]; 4 or 2: rows of ceil(K·bits/8) bytes, lowest bits first, scale and
   *  zero [N, ceil(K/group)]. */
  quantizeRtn(N: number, K: number, bits: number, group: number, x: TypedArray, x_dtype: number, x_off: number,
              q: Uint8Array | Int8Array, scale: Float32Array, zero: Float32Array | null): number;
  /** optimum-quanto's quantize_weight on the grouped weight x [R, C] with one scale (and shift) per
   *  row, every step rounded to x's dtype as its tensor ops are (reference/quantize_affine.ts): bits 8:
   *  int8 codes [R, C]; 4 or 2: uint8 codes packed along dim 0 (PackedTensor). scale has x's dtype,
   *  shift too (a float shift) or is uint8 (a zero point); both are read from their start. NaN/Inf
   *  are not refused (quanto quantizes them as its ops do). */
  quantoQuantize(R: number, C: number, bits: number, x: TypedArray, x_dtype: number, x_off: number,
                 scale: TypedArray, shift: TypedArray | null, shift_dtype: number, q: Uint8Array | Int8Array): void;
  /** hqq's proximal solver (reference/quantize_hqq.ts) on the float32 [R, C] view W, one group per
   *  row (axis 1) or column (axis 0), with the groups' inverse scales: moves `zero` in place for
   *  at most `iters` rounds, errors[i] = round i's mean |W − W_r|, then codes [R, C] =
   *  clamp(round(W·s + z), 0, max_v) with the final zeros (iters 0: plain rounding). Returns the
   *  rounds run. W must be finite. */
  hqqProximal(R: number, C: number, axis: number, W: Float32Array, scale: Float32Array, zero: Float32Array,
              max_v: number, lp_norm: number, beta: number, kappa: number, iters: number,
              codes: Uint8Array, errors: Float64Array): number;
  /** Row-wise (log_)softmax over contiguous rows of n. */
  softmax(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
          rows: number, n: number, log: boolean): void;
  /** Row-wise layer norm over contiguous rows of n. */
  layerNorm(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
            rows: number, n: number, weight: TypedArray | null, w_off: number,
            bias: TypedArray | null, b_off: number, param_dtype: number, eps: number): void;
}
