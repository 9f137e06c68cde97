// Reference matrix product and row ops: every float sum in float64, rounded once to the output
// type (the native kernels accumulate in float32 for 16-bit and float32 inputs; tests allow for
// that); integer products in BigInt, wrapping like torch's.
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

export function softmax(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
                        rows: number, n: number, log: boolean): void {
  const D = ALL_DTYPES[dtype]!;
  for (let r = 0; r < rows; r++) {
    const v = Array.from({ length: n }, (_, i) => read(x, D, x_off + r * n + i));
    const mx = v.reduce((m, t) => (t > m || Number.isNaN(t) ? t : m), -Infinity);
    const e = v.map((t) => Math.exp(t - mx));
    const sum = e.reduce((s, t) => s + t, 0);
    v.forEach((t, i) => store(y, D, y_off + r * n + i, log ? t - mx - Math.log(sum) : e[i]! / sum, "float"));
  }
}

export function layerNorm(x: TypedArray, x_off: number, y: TypedArray, y_off: number, dtype: number,
                          rows: number, n: number, weight: TypedArray | null, w_off: number,
                          bias: TypedArray | null, b_off: number, param_dtype: number, eps: number): void {
  const D = ALL_DTYPES[dtype]!, P = ALL_DTYPES[param_dtype]!;
  for (let r = 0; r < rows; r++) {
    const v = Array.from({ length: n }, (_, i) => read(x, D, x_off + r * n + i));
    const mean = v.reduce((s, t) => s + t, 0) / n;
    const variance = v.reduce((s, t) => s + (t - mean) * (t - mean), 0) / n;
    const rstd = 1 / Math.sqrt(variance + eps);
    v.forEach((t, i) => {
      let o = (t - mean) * rstd;
      if (weight) o *= read(weight, P, w_off + i);
      if (bias) o += read(bias, P, b_off + i);
      store(y, D, y_off + r * n + i, o, "float");
    });
  }
}
