// bitsandbytes' LLM.int8() building blocks (bitsandbytes.functional), with the arithmetic of its
// pure-PyTorch "default" backend (backends/default/ops.py @ 95f9af3), bit for bit:
//   int8_vectorwise_quant   row-wise absmax int8 with outlier columns (|A| >= threshold)
//   int8_vectorwise_dequant CA · SCA / 127 in float32
//   int8_linear_matmul      int8 A [m,k] × int8 B [n,k]ᵀ -> exact int32 [m,n]
//   int8_mm_dequant         int32 · (row_stats ⊗ col_stats) · (1/127²) + bias -> fp16
// The loops work on the raw typed arrays so every fp32 rounding is the one torch does.
import { DType, float16, float32, int32, int64, int8 } from "../../tensor/dtype.js";
import { from_f16, to_f16 } from "../../tensor/half.js";
import { K } from "../../tensor/backend/index.js";
import { read } from "../../tensor/elements.js";
import { Tensor } from "../../tensor/tensor.js";

const f32 = Math.fround;
/** 127/127² constants as bitsandbytes writes them, rounded to float32 as torch does for a
 *  Python float multiplying a float32 tensor. */
export const INV_127 = f32(7.874015718698502e-3);
export const INV_127_SQ = f32(6.200124e-05);

function need_tensor(fn: string, what: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

function need_dtype(fn: string, what: string, x: Tensor, dt: DType, hint = ""): void {
  if (x.dtype !== dt) throw new TypeError(`${fn}: ${what} must be ${dt}, got ${x.dtype}${hint}`);
}

/** The values of x as float32 numbers in row-major order (a copy when x is a view). */
function values_f32(x: Tensor): Float32Array {
  const c = x.to(float32).contiguous();
  return (c._data as Float32Array).subarray(c._offset, c._offset + c.numel());
}

function raw<T extends ArrayLike<number>>(x: Tensor): T {
  const c = x.contiguous();
  return (c._data as unknown as { subarray(a: number, b: number): T }).subarray(c._offset, c._offset + c.numel());
}

/** bnb.functional.int8_vectorwise_quant(A, threshold=0.0) -> [CA, SCA, outlier_cols].
 *  A is float16 [..., k] (bitsandbytes' kernels take fp16; cast with .half()); rows are all
 *  leading dims. With threshold > 0 the elements with |A| >= threshold (compared in fp16) are
 *  outliers: they are left out of the row absmax, and (when there is more than one row) their
 *  whole columns of CA are zeroed; outlier_cols is the sorted int64 list of those columns (empty
 *  when there are none). With threshold 0, outlier_cols is null (Python's None).
 *  SCA = max_k |A[t,k]| (float32, [rows]); CA = round(A · (127 / SCA)) with 127/SCA in float32.
 *  A row whose absmax is 0 gets CA = 0 and SCA = 0 (bitsandbytes' CUDA kernel does the same; its
 *  CPU fallback computes 0·inf = NaN there and casts it to int8, which C++ leaves undefined).
 *  NaN or ±Inf outside the outliers cannot be quantized and raise an error. The loops are
 *  Kernels.int8VectorwiseQuant (native, or reference/quantize_int8.ts). */
export function int8_vectorwise_quant(A: Tensor, threshold = 0): [Tensor, Tensor, Tensor | null] {
  const fn = "int8_vectorwise_quant";
  need_tensor(fn, "A", A);
  need_dtype(fn, "A", A, float16, " (bitsandbytes quantizes float16 activations/weights; cast with .half())");
  if (A.ndim < 1 || A.numel() === 0) throw new RangeError(`${fn}: A must be a non-empty tensor [..., k], got shape [${A.shape.join(", ")}]`);
  if (typeof threshold !== "number" || !(threshold >= 0) || !Number.isFinite(threshold)) {
    throw new RangeError(`${fn}: threshold must be a finite number >= 0, got ${threshold}`);
  }
  const k = A.shape[A.ndim - 1]!;
  const rows = A.numel() / k;
  const a = A.contiguous();
  // torch compares the fp16 tensor with the scalar in fp16
  const thr = threshold > 0 ? from_f16(to_f16(threshold)) : 0;
  const CA = new Int8Array(rows * k), SCA = new Float32Array(rows), col_has = new Uint8Array(k);
  const bad = K.int8VectorwiseQuant(rows, k, a._data as Uint16Array, a._offset, thr, CA, SCA, col_has);
  if (bad >= 0) {
    throw new RangeError(`${fn}: A[${Math.floor(bad / k)}, ${bad % k}] (rows flattened) is ${read(a._data, float16, a._offset + bad)}; ` +
      "NaN/Inf cannot be int8-quantized" + (thr > 0 ? "" : " (with threshold > 0, ±Inf would be treated as an outlier)"));
  }
  let outlier_cols: Tensor | null = null;
  if (thr > 0) {
    const cols: bigint[] = [];
    for (let j = 0; j < k; j++) if (col_has[j]) cols.push(BigInt(j));
    outlier_cols = new Tensor(BigInt64Array.from(cols), int64, [cols.length]);
  }
  return [new Tensor(CA, int8, [rows, k]), new Tensor(SCA, float32, [rows]), outlier_cols];
}

/** bnb.functional.int8_vectorwise_dequant(A, stats): A · stats[:, None] · (1/127), float32. */
export function int8_vectorwise_dequant(A: Tensor, stats: Tensor): Tensor {
  const fn = "int8_vectorwise_dequant";
  need_tensor(fn, "A", A);
  need_tensor(fn, "stats", stats);
  need_dtype(fn, "A", A, int8);
  if (A.ndim !== 2) throw new RangeError(`${fn}: A must be 2-D [rows, k], got shape [${A.shape.join(", ")}]`);
  const [rows, k] = A.shape as unknown as [number, number];
  if (stats.numel() !== rows) throw new RangeError(`${fn}: stats must hold one value per row of A (${rows}), got shape [${stats.shape.join(", ")}]`);
  const q = raw<Int8Array>(A);
  const s = values_f32(stats);
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * k + j] = f32(f32(q[r * k + j]! * s[r]!) * INV_127);
  return new Tensor(out, float32, [rows, k]);
}

/** The TypeScript int8 GEMM, kept importable from here (it lives beside the other reference kernels). */
export { int8_gemm_reference } from "../../tensor/backend/reference/int8.js";

/** bnb.functional.int8_linear_matmul(A, B): int8 A [..., k] times int8 B [n, k] transposed,
 *  exact int32 [..., n]. */
export function int8_linear_matmul(A: Tensor, B: Tensor): Tensor {
  const fn = "int8_linear_matmul";
  need_tensor(fn, "A", A);
  need_tensor(fn, "B", B);
  need_dtype(fn, "A", A, int8);
  need_dtype(fn, "B", B, int8);
  if (A.ndim < 1 || B.ndim !== 2) {
    throw new RangeError(`${fn}: expected A [..., k] and B [n, k], got [${A.shape.join(", ")}] and [${B.shape.join(", ")}]`);
  }
  const k = A.shape[A.ndim - 1]!;
  const [n, kb] = B.shape as unknown as [number, number];
  if (k !== kb) {
    throw new RangeError(`${fn}: A's last dim (${k}) must equal B's second dim (${kb}); B is [out_features, in_features] (A @ B.T), got A [${A.shape.join(", ")}], B [${B.shape.join(", ")}]`);
  }
  const m = k === 0 ? A.numel() : A.numel() / k;
  // the active kernels: native int8Gemm when the addon loaded, else the TypeScript reference
  const out = new Int32Array(m * n);
  K.int8Gemm(m, n, k, raw<Int8Array>(A), 0, raw<Int8Array>(B), 0, out, 0);
  return new Tensor(out, int32, [...A.shape.slice(0, -1), n]);
}

interface MmDequantOptions {
  bias?: Tensor | null;
  /** the output dtype; bitsandbytes' default is float16 */
  dtype?: DType;
}

/** bnb.functional.int8_mm_dequant(A, row_stats, col_stats, bias) (or { bias, dtype }):
 *  fp16( A · (row_stats[:, None] · col_stats[None, :]) · 6.200124e-05 + bias ), every step in
 *  float32 (A converted to float32, the constant rounded to float32, the bias added in float32),
 *  one rounding to the output dtype at the end. A is int32 [..., n], flattened to [rows, n]. */
export function int8_mm_dequant(A: Tensor, row_stats: Tensor, col_stats: Tensor,
  bias: Tensor | null | MmDequantOptions = null): Tensor {
  const fn = "int8_mm_dequant";
  const o: MmDequantOptions = bias instanceof Tensor || bias === null || bias === undefined ? { bias } : bias;
  need_tensor(fn, "A", A);
  need_tensor(fn, "row_stats", row_stats);
  need_tensor(fn, "col_stats", col_stats);
  need_dtype(fn, "A", A, int32);
  need_dtype(fn, "row_stats", row_stats, float32);
  need_dtype(fn, "col_stats", col_stats, float32);
  if (A.ndim < 1) throw new RangeError(`${fn}: A must be at least 1-D, got a scalar`);
  const n = A.shape[A.ndim - 1]!;
  const rows = n === 0 ? 0 : A.numel() / n;
  if (row_stats.numel() !== rows) throw new RangeError(`${fn}: row_stats must hold one value per row of A (${rows}), got ${row_stats.numel()}`);
  if (col_stats.numel() !== n) throw new RangeError(`${fn}: col_stats must hold one value per column of A (${n}), got ${col_stats.numel()}`);
  let b: Float32Array | null = null;
  if (o.bias) {
    need_tensor(fn, "bias", o.bias);
    if (o.bias.numel() !== n) throw new RangeError(`${fn}: bias must hold ${n} values (one per output column), got shape [${o.bias.shape.join(", ")}]`);
    b = values_f32(o.bias);
  }
  const dtype = o.dtype ?? float16;
  const acc = raw<Int32Array>(A);
  const rs = values_f32(row_stats);
  const cs = values_f32(col_stats);
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) {
      let v = f32(f32(acc[r * n + c]!) * f32(rs[r]! * cs[c]!));
      v = f32(v * INV_127_SQ);
      if (b) v = f32(v + b[c]!);
      out[r * n + c] = v;
    }
  }
  return new Tensor(out, float32, [rows, n]).to(dtype);
}
