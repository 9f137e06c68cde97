// hqq's Quantizer (hqq/core/quantize.py): min/max affine quantization per group with codes in
// [0, 2^nbits − 1], the zero point refined by the proximal solver, codes bit-packed.
// The weight is viewed as 2-D first: with a group size, axis 1 reshapes it to [-1, group_size]
// (consecutive elements in row-major order form a group, one per row), axis 0 to
// [group_size, -1] (one group per column: elements numel/group_size apart); without one the
// weight's own [rows, cols] is the view, grouped per column (axis 0) or per row (axis 1).
// While quantizing hqq keeps the *inverse* scale s = max_v / (max − min) (so W_q = W·s + z), and
// stores 1/s for dequantization: W ≈ (W_q − z) · scale.
import { as_dtype, DType, float16, float32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { round_half_even } from "../linear.js";
import { pack, Packing, unpack, unpack_view_dtype } from "./bitpack.js";
import { OptParams, proximal_legacy, quantize_codes } from "./optimize.js";

const f = Math.fround;

export const SUPPORTED_BITS = [8, 6, 5, 4, 3, 2, 1.58, 1] as const;

// 6, 5 and 1.58 bits have no packing of their own in hqq (its "todo: bitpacking")
const BIT_TO_PACKING: Record<number, Packing> = {
  8: "8bit_u8", 6: "8bit_u8", 5: "8bit_u8", 4: "4bit_u8", 3: "3bit_32", 2: "2bit_u8", 1.58: "2bit_u8", 1: "1bit_u8",
};

export interface QuantizeOptions {
  nbits?: number;
  /** false: one min/max for the whole tensor, no optimisation */
  channel_wise?: boolean;
  /** elements per group, or null: one group per column (axis 0) / row (axis 1) */
  group_size?: number | null;
  /** run the proximal solver on the zero points (hqq's default) */
  optimize?: boolean;
  /** start the solver from round(zero), as BaseQuantizeConfig does for 4 bits */
  round_zero?: boolean;
  axis?: 0 | 1;
  bitpack?: boolean;
  /** the dtype the packed W_q is viewed as when view_as_float (default float32) */
  compute_dtype?: DType | string | null;
  view_as_float?: boolean;
  opt_params?: OptParams;
}

/** What Quantizer.quantize returns beside W_q; the keys are hqq's meta dict's. */
export interface HqqMeta {
  nbits: number;
  group_size: number | null;
  /** the original weight's shape */
  shape: number[];
  /** 1 / (inverse scale): [R, 1] (axis 1), [1, C] (axis 0), or 0-d when not channel-wise */
  scale: Tensor;
  zero: Tensor;
  axis: 0 | 1;
  packing: Packing | null;
  unpack_view_dtype: DType;
  view_as_float: boolean;
  /** the dtype dequantize computes in (float16 when absent, as in hqq) */
  compute_dtype?: DType;
  /** rounds the proximal solver ran (0 without optimisation); lowbit's addition */
  iterations?: number;
}

function check_bits(nbits: unknown, fn: string): number {
  if (!SUPPORTED_BITS.includes(nbits as (typeof SUPPORTED_BITS)[number])) {
    throw new RangeError(`${fn}: nbits=${String(nbits)} not supported; use one of ${SUPPORTED_BITS.join(", ")}`);
  }
  return nbits as number;
}

/** [R, C] of the 2-D view hqq quantizes (see the file comment). */
export function view_dims(shape: readonly number[], group_size: number | null, axis: 0 | 1, channel_wise = true): [number, number] {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (group_size !== null && channel_wise) return axis === 1 ? [numel / group_size, group_size] : [group_size, numel / group_size];
  return [shape[0]!, shape[1]!];
}

function check_input(tensor: unknown, group_size: number | null, channel_wise: boolean, fn: string): asserts tensor is Tensor {
  if (!(tensor instanceof Tensor) || !tensor.dtype.is_floating_point) {
    throw new TypeError(`${fn}: expected a floating point weight tensor, got ${tensor instanceof Tensor ? tensor.dtype : typeof tensor}`);
  }
  const shape = `[${tensor.shape.join(", ")}]`;
  if (tensor.numel() === 0) throw new RangeError(`${fn}: the weight ${shape} is empty; there is nothing to quantize`);
  if (group_size !== null) {
    if (!Number.isInteger(group_size) || group_size <= 0) throw new RangeError(`${fn}: group_size must be a positive integer or null, got ${group_size}`);
    if (tensor.numel() % group_size !== 0) {
      throw new RangeError(`${fn}: group_size ${group_size} does not divide the ${tensor.numel()} elements of the ${shape} weight; ` +
        `pick a group size that divides the number of elements (usually one that divides in_features), or group_size: null`);
    }
  }
  if ((group_size === null || !channel_wise) && tensor.ndim !== 2) {
    throw new RangeError(`${fn}: without a group size the weight must be 2-D (out_features, in_features), got ${shape}`);
  }
}

function check_finite(W: Float32Array, shape: readonly number[], fn: string): void {
  for (let i = 0; i < W.length; i++) {
    if (!Number.isFinite(W[i]!)) {
      const at: number[] = [];
      let r = i;
      for (let d = shape.length - 1; d >= 0; d--) { at.unshift(r % shape[d]!); r = Math.floor(r / shape[d]!); }
      throw new RangeError(`${fn}: the weight holds ${W[i]} at [${at.join(", ")}]; min/max quantization of NaN/Inf gives ` +
        `meaningless codes (hqq would silently produce garbage). Fix or clamp the weight (e.g. torch.nan_to_num) first`);
    }
  }
}

/** min/max → inverse scale and zero, per group, in torch's float32 arithmetic: scale =
 *  max_v · (1 / (max − min)) (Python's `max_v / t` is t.reciprocal() * max_v), 1 where
 *  |max − min| ≤ 1e-4 (a constant or all-zero group), at most 2e4; zero = −min · scale. */
function initial_params(W: Float32Array, R: number, C: number, axis: 0 | 1, per_tensor: boolean, max_v: number,
  round_zero: boolean): [Float32Array, Float32Array] {
  const n = per_tensor ? 1 : axis === 1 ? R : C;
  const lo = new Float32Array(n).fill(Infinity), hi = new Float32Array(n).fill(-Infinity);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const k = per_tensor ? 0 : axis === 1 ? r : c, v = W[r * C + c]!;
      if (v < lo[k]!) lo[k] = v;
      if (v > hi[k]!) hi[k] = v;
    }
  }
  const scale = new Float32Array(n), zero = new Float32Array(n);
  const small = f(1e-4);
  for (let k = 0; k < n; k++) {
    const denom = f(hi[k]! - lo[k]!);
    let s = Math.abs(denom) <= small ? 1 : f(f(1 / denom) * max_v);
    if (s > 2e4) s = 2e4;
    scale[k] = s;
    const z = f(-lo[k]! * s);
    zero[k] = round_zero ? round_half_even(z) : z;
  }
  return [scale, zero];
}

function float32_view(t: Tensor): Float32Array {
  const c = t.to(float32).contiguous();
  return Float32Array.from((c._data as Float32Array).subarray(c._offset, c._offset + c.numel()));
}

/** t.view(dtype) for dtypes of another size (torch allows it when the last dimension's bytes
 *  divide evenly): the same bytes, the last dimension rescaled. */
function reinterpret(t: Tensor, dtype: DType): Tensor {
  const c = t.contiguous();
  const last = c.shape[c.ndim - 1]! * c.dtype.itemsize;
  if (last % dtype.itemsize !== 0) {
    throw new RangeError(`hqq view_as_float: the packed rows hold ${last} bytes, which is no whole number of ${dtype} values; ` +
      `use view_as_float: false (or a weight whose packed rows have an even byte count)`);
  }
  const bytes = c._data.byteOffset + c._offset * c.dtype.itemsize;
  const src = c._data.buffer.slice(bytes, bytes + c.numel() * c.dtype.itemsize);
  return new Tensor(new dtype.array(src, 0, src.byteLength / dtype.itemsize), dtype, [...c.shape.slice(0, -1), last / dtype.itemsize]);
}

export class Quantizer {
  static SUPPORTED_BITS = SUPPORTED_BITS;
  static bit_to_packing = BIT_TO_PACKING;

  /** Quantizer.quantize(tensor, { nbits: 4, channel_wise: true, group_size: 64, optimize: true,
   *  round_zero: false, axis: 0, bitpack: true, compute_dtype, view_as_float: false }) →
   *  [W_q, meta], hqq's defaults. W_q is the packed uint8 (int32 for 3 bits) tensor of the 2-D
   *  view, or with bitpack: false the codes in the weight's dtype. */
  static quantize(tensor: Tensor, o: QuantizeOptions = {}): [Tensor, HqqMeta] {
    const fn = "hqq.Quantizer.quantize";
    const nbits = check_bits(o.nbits ?? 4, fn);
    const axis = o.axis ?? 0;
    if (axis !== 0 && axis !== 1) throw new RangeError(`${fn}: axis should be either 0 or 1, got ${String(axis)}`);
    const group_size = o.group_size === undefined ? 64 : o.group_size;
    const channel_wise = o.channel_wise ?? true;
    check_input(tensor, group_size, channel_wise, fn);
    const shape = [...tensor.shape];
    const W = float32_view(tensor);
    check_finite(W, shape, fn);
    const [R, C] = view_dims(shape, group_size, axis, channel_wise);
    const max_v = Math.round(2 ** nbits - 1);
    const [scale, zero0] = initial_params(W, R, C, axis, !channel_wise, max_v, o.round_zero ?? false);

    let codes: Uint8Array, zero = zero0, iterations = 0;
    if (!channel_wise) {
      // one group holding every element: the flat data as a single row
      codes = quantize_codes(W, 1, R * C, scale, zero, 1, max_v);
    } else if (o.optimize ?? true) {
      const r = proximal_legacy(W, R, C, scale, zero0, max_v, axis, o.opt_params);
      codes = r.W_q;
      zero = r.zero;
      iterations = r.iterations;
    } else {
      codes = quantize_codes(W, R, C, scale, zero, axis, max_v);
    }

    const param_shape = !channel_wise ? [] : axis === 1 ? [R, 1] : [1, C];
    const inv = scale.map((s) => f(1 / s));
    const packing = BIT_TO_PACKING[nbits]!;
    const meta: HqqMeta = {
      nbits, group_size, shape,
      scale: new Tensor(inv, float32, param_shape),
      zero: new Tensor(zero, float32, param_shape),
      axis, packing, unpack_view_dtype: unpack_view_dtype(packing),
      view_as_float: o.view_as_float ?? false,
      iterations,
    };
    if (!(o.bitpack ?? true)) {
      meta.packing = null;
      return [new Tensor(Float32Array.from(codes), float32, [R, C]).to(tensor.dtype), meta];
    }
    let W_q = pack(codes, R, C, packing);
    if (meta.view_as_float) W_q = reinterpret(W_q, o.compute_dtype ? as_dtype(o.compute_dtype) : float32);
    return [W_q, meta];
  }

  /** The [R, C] codes of the 2-D view as `dtype` (hqq's unpack, with 3-bit's padding rows cut). */
  static unpack(W_q: Tensor, meta: HqqMeta, dtype: DType = uint8): Tensor {
    const [R, C] = view_dims(meta.shape, meta.group_size, meta.axis, meta.scale.ndim !== 0);
    if (!meta.packing) return W_q.to(dtype);
    const stored = meta.view_as_float ? reinterpret(W_q, meta.unpack_view_dtype) : W_q;
    const codes = unpack(stored, meta.packing);
    return new Tensor(codes.subarray(0, R * C), uint8, [R, C]).to(dtype);
  }

  /** ((W_q − zero) · scale).reshape(shape), computed in meta.compute_dtype (default float16) with
   *  torch's type promotion against meta's scale and zero, as hqq's dequantize. */
  static dequantize(W_q: Tensor, meta: HqqMeta): Tensor {
    const compute_dtype = meta.compute_dtype ?? float16;
    const W_r = Quantizer.unpack(W_q, meta, compute_dtype);
    return W_r.sub(meta.zero).mul(meta.scale).reshape(meta.shape);
  }
}
