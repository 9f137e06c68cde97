// Reference LLM.int8() vector-wise quantization with the arithmetic of bitsandbytes' pure-PyTorch
// backend (backends/default/ops.py), bit for bit: the definition native/src/kernels/quantize_int8.cc
// is tested against.
import { float_values } from "./floats.js";
import { round_half_even } from "./scalar_ops.js";

const f32 = Math.fround;

/** CA, SCA and the outlier columns of float16 A [rows, k] (see Kernels.int8VectorwiseQuant);
 *  returns the flat index of the first NaN/±Inf that is not an outlier, or -1. */
export function int8VectorwiseQuant(rows: number, k: number, a: Uint16Array, a_off: number, threshold: number,
                                    CA: Int8Array, SCA: Float32Array, outlier_cols: Uint8Array): number {
  const is_outlier = (v: number): boolean => threshold > 0 && Math.abs(v) >= threshold;
  const v = float_values(a, 6, a_off, rows * k);
  outlier_cols.fill(0, 0, k);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < k; j++) {
      const x = v[r * k + j]!;
      if (is_outlier(x)) outlier_cols[j] = 1;
      else if (!Number.isFinite(x)) return r * k + j;
      else if (Math.abs(x) > m) m = Math.abs(x);
    }
    SCA[r] = m;
    // an all-zero row (after removing outliers) has codes 0, where 0 · 127/0 would be NaN
    const scale = f32(127 / m);
    for (let j = 0; j < k; j++) {
      const x = v[r * k + j]!;
      CA[r * k + j] = m === 0 || is_outlier(x) ? 0 : round_half_even(f32(x * scale));
    }
  }
  // bitsandbytes zeroes the outlier columns of CA when there is more than one row
  if (rows > 1) for (let j = 0; j < k; j++) if (outlier_cols[j]) for (let r = 0; r < rows; r++) CA[r * k + j] = 0;
  return -1;
}
