// Reference weight-only quantized product: the definition native/src/kernels/wq_gemm.cc is tested
// against. W [N, K] is dequantized element by element exactly as the layouts there say (float32
// arithmetic, then one rounding to w_dtype), and y = Σ_k x·W (+ bias) is summed in float64 and
// rounded once to the output type; the native kernel sums in float32, in another order.
import { ALL_DTYPES, TypedArray } from "../../dtype.js";
import { read, store } from "../../elements.js";
import { from_bf16, from_f16, to_bf16, to_f16 } from "../../half.js";

/** Weight layouts (WqFormat in native/src/kernels/kernels.h). */
export const WQ_FORMAT = { int8: 0, uint4: 1, uint2: 2, code4: 3 } as const;
export type WqFormatName = keyof typeof WQ_FORMAT;

const f32 = Math.fround;

/** W[n, k] of one layout, as a float32 value rounded to w_dtype. */
export function wq_weight(format: number, N: number, K: number, group: number, w: Uint8Array | Int8Array,
                          scale: Float32Array, zero: Float32Array | null, code: Float32Array | null,
                          w_dtype: number): (n: number, k: number) => number {
  const round = w_dtype === 6 ? (v: number) => from_f16(to_f16(v)) : w_dtype === 7 ? (v: number) => from_bf16(to_bf16(v)) : (v: number) => v;
  const u8 = new Uint8Array(w.buffer, w.byteOffset, w.length);
  switch (format) {
    case WQ_FORMAT.int8: {
      const q = new Int8Array(w.buffer, w.byteOffset, w.length);
      return (n, k) => f32(q[n * K + k]! * scale[n]!);
    }
    case WQ_FORMAT.uint4:
    case WQ_FORMAT.uint2: {
      const bits = format === WQ_FORMAT.uint4 ? 4 : 2, per = 8 / bits, mask = (1 << bits) - 1;
      const row_bytes = Math.ceil(K / per), groups = Math.ceil(K / group);
      return (n, k) => {
        const q = (u8[n * row_bytes + Math.floor(k / per)]! >> (bits * (k % per))) & mask;
        const g = n * groups + Math.floor(k / group);
        return round(f32(f32(q - zero![g]!) * scale[g]!));
      };
    }
    case WQ_FORMAT.code4:
      return (n, k) => {
        const i = n * K + k;
        const q = (u8[i >> 1]! >> (i % 2 ? 0 : 4)) & 15;
        return round(f32(code![q]! * scale[Math.floor(i / group)]!));
      };
    default:
      throw new RangeError(`wq_gemm: unknown weight format ${format}`);
  }
}

/** y [M, N] (from y_off) = x [M, K] (from x_off) @ Wᵀ (+ bias), W in `format` (see wq_gemm.cc). */
export function wqGemm(M: number, N: number, K: number, format: number, group: number,
                       x: TypedArray, x_dtype: number, x_off: number,
                       w: Uint8Array | Int8Array, scale: Float32Array, zero: Float32Array | null, code: Float32Array | null,
                       w_dtype: number, y: TypedArray, y_dtype: number, y_off: number,
                       bias: TypedArray | null, bias_dtype: number, bias_off: number): void {
  const X = ALL_DTYPES[x_dtype]!, Y = ALL_DTYPES[y_dtype]!, B = ALL_DTYPES[bias_dtype]!;
  const W = wq_weight(format, N, K, group, w, scale, zero, code, w_dtype);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += read(x, X, x_off + m * K + k) * W(n, k);
      if (bias) s += read(bias, B, bias_off + n);
      // fp32 first: the native kernel rounds its fp32 sum once to the output type
      store(y, Y, y_off + m * N + n, f32(s), "float");
    }
  }
}
