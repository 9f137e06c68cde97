// Reference matrix product (every float sum in float64, rounded once to the output type; the native
// kernels accumulate in float32 for 16-bit and float32 inputs, and tests allow for that; integer
// products in BigInt, wrapping like torch's) and row ops.
import { ALL_DTYPES, int64, TypedArray } from "../../dtype.js";
import { convert, read, read_bigint, store, store_bigint } from "../../elements.js";
import type { Dims } from "../types.js";

export function gemm(batch: number, M: number, N: number, K: number,
                     a: TypedArray, a_dtype: number, a_off: number, as: Dims,
                     b: TypedArray, b_dtype: number, b_off: number, bs: Dims,
                     c: TypedArray, c_dtype: number, c_off: number,
                     bias: TypedArray | null, bias_dtype: number, bias_off: number): void {
  const A = ALL_DTYPES[a_dtype]!, B = ALL_DTYPES[b_dtype]!, C = ALL_DTYPES[c_dtype]!;
  const BI = ALL_DTYPES[bias_dtype]!;
  if (!C.is_floating_point) {
    // a float bias is truncated to an integer first, as the native kernel does
    const bias_at = (n: number) =>
      BI.is_floating_point ? BigInt(convert(read(bias!, BI, bias_off + n), int64, "scalar")) : read_bigint(bias!, BI, bias_off + n);
    for (let p = 0; p < batch; p++)
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          let s = 0n;
          for (let k = 0; k < K; k++) {
            s += read_bigint(a, A, a_off + p * as[0]! + m * as[1]! + k * as[2]!) *
                 read_bigint(b, B, b_off + p * bs[0]! + k * bs[1]! + n * bs[2]!);
          }
          if (bias) s += bias_at(n);
          store_bigint(c, C, c_off + (p * M + m) * N + n, s);
        }
    return;
  }
  for (let p = 0; p < batch; p++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          s += read(a, A, a_off + p * as[0]! + m * as[1]! + k * as[2]!) *
               read(b, B, b_off + p * bs[0]! + k * bs[1]! + n * bs[2]!);
        }
        if (bias) s += read(bias, BI, bias_off + n);
        store(c, C, c_off + (p * M + m) * N + n, s, C.is_floating_point ? "float" : "int");
      }
}

// Row ops compute as the native kernels (native/src/kernels/rows.cc) and torch's do: in float32
// for float32 and 16-bit rows (each step rounded), in float64 for float64 rows.
const row_math = (dtype: number) => (dtype === 9 ? (x: number) => x : Math.fround);

export function softmax(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
                        rows: number, n: number, log: boolean): void {
  const D = ALL_DTYPES[dtype]!, r = row_math(dtype);
  for (let row = 0; row < rows; row++) {
    const v = Array.from({ length: n }, (_, i) => read(x, D, x_off + row * n + i));
    const mx = v.reduce((m, t) => (t > m || Number.isNaN(t) ? t : m), -Infinity);
    const e = v.map((t) => r(Math.exp(r(t - mx))));
    const sum = e.reduce((s, t) => r(s + t), 0);
    const lse = r(Math.log(sum)), inv = r(1 / sum);
    v.forEach((t, i) => store(y, D, y_off + row * n + i, log ? r(r(t - mx) - lse) : r(e[i]! * inv), "float"));
  }
}

/** Statistics in float64, then (x - mean) * rstd * weight + bias in the row type. */
export function layerNorm(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
                          rows: number, n: number, weight: TypedArray | null, w_off: number,
                          bias: TypedArray | null, b_off: number, param_dtype: number, eps: number): void {
  const D = ALL_DTYPES[dtype]!, P = ALL_DTYPES[param_dtype]!, r = row_math(dtype);
  for (let row = 0; row < rows; row++) {
    const v = Array.from({ length: n }, (_, i) => read(x, D, x_off + row * n + i));
    const mean = v.reduce((s, t) => s + t, 0) / n;
    const variance = v.reduce((s, t) => s + (t - mean) * (t - mean), 0) / n;
    const rstd = r(1 / Math.sqrt(variance + eps)), rmean = r(mean);
    v.forEach((t, i) => {
      let o = r(r(t - rmean) * rstd);
      if (weight) o = r(o * r(read(weight, P, w_off + i)));
      if (bias) o = r(o + r(read(bias, P, b_off + i)));
      store(y, D, y_off + row * n + i, o, "float");
    });
  }
}
