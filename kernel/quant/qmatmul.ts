// Weight-only quantized matmuls on Tensors: a QuantizedWeight describes a linear layer's weight
// [out_features, in_features] in one of the native kernel's layouts (native/src/kernels/wq_gemm.cc:
// int8 rows, uint4/uint2 rows with group scale and zero, bitsandbytes' code4), and
// quantized_linear(x, W, bias) is F.linear(x, dequantize_weight(W), bias) without ever building
// the float weight. GPTQ/AWQ/RTN/NF4 layers all run through here.
import { K } from "../tensor/backend/index.js";
import { WQ_FORMAT, WqFormatName, wq_weight } from "../tensor/backend/reference/wq.js";
import { allocate, DType, float32 } from "../tensor/dtype.js";
import { read } from "../tensor/elements.js";
import { Tensor } from "../tensor/tensor.js";

export type { WqFormatName };

export interface QuantizedWeight {
  format: WqFormatName;
  /** [N, K] = [out_features, in_features] */
  shape: [number, number];
  /** int8: Int8Array [N·K]; uint4/uint2: rows of ceil(K·bits/8) bytes; code4: ceil(N·K/2) bytes */
  data: Uint8Array | Int8Array;
  /** int8: [N]; uint4/uint2: [N, ceil(K/group)]; code4: absmax [ceil(N·K/group)] */
  scale: Float32Array;
  /** uint4/uint2: [N, ceil(K/group)], the code that dequantizes to 0 */
  zero: Float32Array | null;
  /** code4: the 16 values of the 4-bit codes */
  code: Float32Array | null;
  /** uint4/uint2: weights per group along a row; code4: the blocksize along the flattened weight */
  group: number;
  /** dequantized weights are rounded to this float type (float32: not rounded; int8: float32 only) */
  dtype: DType;
}

const FLOATS = ["float32", "bfloat16", "float16"];

// weights already checked: a layer checks its weight once, not on every forward (a scan of the
// statistics would cost as much as a small GEMV). A QuantizedWeight is a value: to change a field,
// make a new object, which is checked anew.
const checked = new WeakSet<QuantizedWeight>();

/** Checks sizes and finiteness: a NaN or Inf scale would make whole rows NaN without a word. */
export function check_quantized_weight(fn: string, w: QuantizedWeight): void {
  if (checked.has(w)) return;
  const [N, Kd] = w.shape;
  if (!(w.format in WQ_FORMAT)) throw new RangeError(`${fn}: unknown weight format "${String(w.format)}" (int8, uint4, uint2 or code4)`);
  if (![N, Kd].every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`${fn}: the weight shape must be two positive sizes, got [${w.shape.join(", ")}]`);
  if (!FLOATS.includes(w.dtype.name) || (w.format === "int8" && w.dtype !== float32)) {
    throw new TypeError(`${fn}: the weights' dtype must be float32${w.format === "int8" ? " for int8" : ", bfloat16 or float16"}, got ${w.dtype}`);
  }
  const group = w.format === "int8" ? Kd : w.group;
  if (!Number.isInteger(group) || group < 1) throw new RangeError(`${fn}: the group size must be a positive integer, got ${w.group}`);
  const per = w.format === "int8" ? 1 : w.format === "uint2" ? 4 : 2;
  const bytes = w.format === "code4" ? Math.ceil(N * Kd / 2) : N * Math.ceil(Kd / per);
  const stats = w.format === "int8" ? N : w.format === "code4" ? Math.ceil(N * Kd / group) : N * Math.ceil(Kd / group);
  const need = (what: string, a: ArrayLike<number> | null, n: number) => {
    if (!a || a.length !== n) throw new RangeError(`${fn}: ${w.format} weights [${N}, ${Kd}] need ${n} ${what}, got ${a ? a.length : "none"}`);
  };
  need("bytes", w.data, bytes);
  need(w.format === "code4" ? "absmax values" : "scales", w.scale, stats);
  if (w.format === "uint4" || w.format === "uint2") need("zero points", w.zero, stats);
  if (w.format === "code4") need("code values", w.code, 16);
  for (const [what, a] of [["scale", w.scale], ["zero", w.zero], ["code", w.code]] as const) {
    const bad = a ? a.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) {
      throw new RangeError(`${fn}: ${what}[${bad}] is ${a![bad]}; quantized weights need finite statistics ` +
        `(was the float weight NaN/Inf before quantization?)`);
    }
  }
  checked.add(w);
}

/** F.linear(input, W, bias) for a quantized W: input [..., in_features] in float32/bfloat16/float16,
 *  the output in out_dtype (input's dtype by default), accumulated in float32 and rounded once.
 *  NaN/Inf in the input propagate as in F.linear. */
export function quantized_linear(input: Tensor, weight: QuantizedWeight, bias: Tensor | null = null,
                                 out_dtype: DType = input.dtype): Tensor {
  const fn = "quantized_linear";
  check_quantized_weight(fn, weight);
  const [N, Kd] = weight.shape;
  if (!(input instanceof Tensor) || !FLOATS.includes(input.dtype.name)) {
    throw new TypeError(`${fn}: the input must be a float32, bfloat16 or float16 Tensor, got ${input instanceof Tensor ? input.dtype : typeof input}`);
  }
  if (input.ndim < 1 || input.shape[input.ndim - 1] !== Kd) {
    throw new RangeError(`${fn}: the input's last dimension must be in_features = ${Kd}, got shape [${input.shape.join(", ")}]`);
  }
  if (!FLOATS.includes(out_dtype.name)) throw new TypeError(`${fn}: the output dtype must be float32, bfloat16 or float16, got ${out_dtype}`);
  if (bias && (bias.numel() !== N || !bias.dtype.is_floating_point)) {
    throw new RangeError(`${fn}: bias must be a float tensor of out_features = ${N} values, got ${bias.dtype} [${bias.shape.join(", ")}]`);
  }
  const x = input.contiguous();
  const M = x.numel() / Kd;
  const out = new Tensor(allocate(out_dtype, M * N), out_dtype, [...input.shape.slice(0, -1), N]);
  const b = bias ? bias.contiguous() : null;
  K.wqGemm(M, N, Kd, WQ_FORMAT[weight.format], weight.group, x._data, x.dtype.code, x._offset,
    weight.data, weight.scale, weight.zero, weight.code, weight.dtype.code,
    out._data, out_dtype.code, out._offset, b ? b._data : null, b ? b.dtype.code : 0, b ? b._offset : 0);
  return out;
}

/** The float32 weight [N, K] a QuantizedWeight stands for (rounded to its dtype, stored as float32). */
export function dequantize_weight(weight: QuantizedWeight): Tensor {
  check_quantized_weight("dequantize_weight", weight);
  const [N, Kd] = weight.shape;
  const at = wq_weight(WQ_FORMAT[weight.format], N, Kd, weight.group, weight.data, weight.scale, weight.zero, weight.code, weight.dtype.code);
  const out = new Float32Array(N * Kd);
  for (let n = 0; n < N; n++) for (let k = 0; k < Kd; k++) out[n * Kd + k] = at(n, k);
  return new Tensor(out, float32, [N, Kd]);
}

export interface QuantizeRtnOptions {
  /** 8 (int8, symmetric per output row), 4 or 2 (unsigned codes, min/max per group) */
  bits: 8 | 4 | 2;
  /** weights per group along each row for 4 and 2 bits (the last group of a row may be shorter) */
  group_size?: number;
}

/** Round-to-nearest quantization of a float weight [N, K] into the kernel's layouts.
 *  8 bits: scale = absmax/127 per row, q = round(w/scale). 4/2 bits, per group (GPTQ's RTN
 *  grid): lo = min(min w, 0), hi = max(max w, 0), scale = (hi - lo)/(2^bits - 1),
 *  zero = round(-lo/scale), q = clamp(round(w/scale) + zero, 0, 2^bits - 1). All in float32; an
 *  all-zero row or group gets scale 1 and zero 0, so it dequantizes to exact zeros. The loops are
 *  Kernels.quantizeRtn (native, or reference/quantize_affine.ts). */
export function quantize_rtn(weight: Tensor, o: QuantizeRtnOptions): QuantizedWeight {
  const fn = "quantize_rtn";
  if (!(weight instanceof Tensor) || !weight.dtype.is_floating_point || weight.ndim !== 2) {
    throw new TypeError(`${fn}: expected a 2-D float weight [out_features, in_features], got ${weight instanceof Tensor ? `${weight.dtype} [${weight.shape.join(", ")}]` : typeof weight}`);
  }
  const bits = o.bits;
  if (bits !== 8 && bits !== 4 && bits !== 2) throw new RangeError(`${fn}: bits must be 8, 4 or 2, got ${String(bits)}`);
  const group = bits === 8 ? weight.shape[1]! : o.group_size ?? 128;
  if (!Number.isInteger(group) || group < 1) throw new RangeError(`${fn}: group_size must be a positive integer, got ${group}`);
  const [N, Kd] = [weight.shape[0]!, weight.shape[1]!];
  const w = (FLOATS.includes(weight.dtype.name) ? weight : weight.to(float32)).contiguous();
  const G = Math.ceil(Kd / group), per = 8 / bits;
  const data = bits === 8 ? new Int8Array(N * Kd) : new Uint8Array(N * Math.ceil(Kd / per));
  const scale = new Float32Array(bits === 8 ? N : N * G), zero = bits === 8 ? null : new Float32Array(N * G);
  const bad = K.quantizeRtn(N, Kd, bits, group, w._data, w.dtype.code, w._offset, data, scale, zero);
  if (bad >= 0) {
    throw new RangeError(`${fn}: the weight holds ${read(w._data, w.dtype, w._offset + bad)} at [${Math.floor(bad / Kd)}, ${bad % Kd}]; quantization needs finite weights`);
  }
  const format = bits === 8 ? "int8" : bits === 4 ? "uint4" : "uint2";
  return { format, shape: [N, Kd], data, scale, zero, code: null, group, dtype: float32 };
}
