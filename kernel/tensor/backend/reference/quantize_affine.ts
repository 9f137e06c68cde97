// Reference affine quantizers: round-to-nearest into the GEMV's layouts (quant.quantize_rtn) and
// optimum-quanto's quantize_weight (its tensor ops, fused): the definitions
// native/src/kernels/quantize_affine.cc is tested against.
import { bfloat16, float16, uint8, type TypedArray } from "../../dtype.js";
import { from_bf16, from_f16, to_bf16, to_f16 } from "../../half.js";
import { first_nonfinite, float_values, round_half_even } from "./floats.js";

const f32 = Math.fround;
const F16 = float16.code, BF16 = bfloat16.code, UINT8 = uint8.code;

/** 8 bits: scale = absmax/127 per row, q = round(w/scale). 4/2 bits, per group (GPTQ's RTN grid):
 *  lo = min(min w, 0), hi = max(max w, 0), scale = (hi - lo)/(2^bits - 1), zero = round(-lo/scale),
 *  q = clamp(round(w/scale) + zero, 0, 2^bits - 1). All in float32; an all-zero row or group gets
 *  scale 1 and zero 0, so it dequantizes to exact zeros. Codes go through the typed arrays' own
 *  conversion, so the out-of-range quotients of subnormal rows wrap as they always have. */
export function quantizeRtn(N: number, K: number, bits: number, group: number, x: TypedArray, x_dtype: number, x_off: number,
                            q: Uint8Array | Int8Array, scale: Float32Array, zero: Float32Array | null): number {
  const v = float_values(x, x_dtype, x_off, N * K);
  const bad = first_nonfinite(v);
  if (bad >= 0) return bad;
  if (bits === 8) {
    for (let n = 0; n < N; n++) {
      let m = 0;
      for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(v[n * K + k]!));
      const s = m === 0 ? 1 : f32(m / 127);
      scale[n] = s;
      for (let k = 0; k < K; k++) q[n * K + k] = round_half_even(f32(v[n * K + k]! / s));
    }
    return -1;
  }
  const per = 8 / bits, top = 2 ** bits - 1, G = Math.ceil(K / group), row_bytes = Math.ceil(K / per);
  q.fill(0, 0, N * row_bytes);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const k0 = g * group, k1 = Math.min(K, k0 + group);
      let lo = 0, hi = 0;
      for (let k = k0; k < k1; k++) {
        lo = Math.min(lo, v[n * K + k]!);
        hi = Math.max(hi, v[n * K + k]!);
      }
      const s = hi === lo ? 1 : f32(f32(hi - lo) / top);
      const z = Math.min(top, round_half_even(f32(-lo / s)));
      scale[n * G + g] = s;
      zero![n * G + g] = z;
      for (let k = k0; k < k1; k++) {
        const c = Math.max(0, Math.min(top, round_half_even(f32(v[n * K + k]! / s)) + z));
        q[n * row_bytes + Math.floor(k / per)]! |= c << (bits * (k % per));
      }
    }
  }
  return -1;
}

/** A float32 value rounded to a float dtype, as a 16-bit tensor op rounds its float result. */
function rounder(dtype: number): (v: number) => number {
  if (dtype === F16) return (v) => from_f16(to_f16(v));
  if (dtype === BF16) return (v) => from_bf16(to_bf16(v));
  return (v) => v;
}

/** quanto's quantize_weight on the grouped weight [R, C], one op at a time as its tensor ops round:
 *  bits 8: data = clamp(round(x / scale), -128, 127).to(int8); 4/2 with a float shift: clamp(round((x +
 *  shift) / scale), 0, 2^bits - 1).to(uint8), with a uint8 zero point: clamp(round(x / scale) + shift,
 *  ...). NaN codes (0 / 0 in a constant group) become 0, as .to(uint8) casts NaN. 4/2-bit codes are
 *  packed along dim 0: row r goes to bits [bits·i, bits·(i+1)) of packed row r - i·ceil(R / (8/bits)). */
export function quantoQuantize(R: number, C: number, bits: number, x: TypedArray, x_dtype: number, x_off: number,
                               scale: TypedArray, shift: TypedArray | null, shift_dtype: number, q: Uint8Array | Int8Array): void {
  const v = float_values(x, x_dtype, x_off, R * C), s = float_values(scale, x_dtype, 0, R);
  const rd = rounder(x_dtype);
  const zeropoint = shift_dtype === UINT8;
  const sh = bits === 8 ? null : zeropoint ? shift as Uint8Array : float_values(shift!, x_dtype, 0, R);
  const lo = bits === 8 ? -128 : 0, hi = bits === 8 ? 127 : 2 ** bits - 1;
  const clamp = (c: number) => (Number.isNaN(c) ? 0 : c < lo ? lo : c > hi ? hi : c);
  const code = (r: number, w: number): number => {
    if (sh === null) return clamp(round_half_even(rd(f32(w / s[r]!))));
    if (zeropoint) return clamp(rd(f32(round_half_even(rd(f32(w / s[r]!))) + sh[r]!)));
    return clamp(round_half_even(rd(f32(rd(f32(w + sh[r]!)) / s[r]!))));
  };
  if (bits === 8) {
    for (let i = 0; i < R * C; i++) q[i] = code(Math.floor(i / C), v[i]!);
    return;
  }
  const row_dim = Math.ceil(R / (8 / bits));
  q.fill(0, 0, row_dim * C);
  for (let r = 0; r < R; r++) {
    const i = Math.floor(r / row_dim), shl = bits * i, pr = r - i * row_dim;
    for (let c = 0; c < C; c++) q[pr * C + c]! |= code(r, v[r * C + c]!) << shl;
  }
}
