// optimum-quanto's weight quantization (tensor/optimizers, tensor/grouped.py, library/quantize.py):
// AbsmaxOptimizer (qint8, per output row), MaxOptimizer (qint4/qint2, min/max per group with a float
// shift, or an integer zero point), quantize_weight, and the quantized weights a frozen QLinear
// keeps: WeightQBytesTensor (`_data` int8, `_scale`) and WeightQBitsTensor (`_data` a PackedTensor,
// `_scale`, `_shift`). Those are Modules holding buffers so state dicts read `weight._data`, ...
import { K } from "../../tensor/backend/index.js";
import { allocate, DType, int16, TypedArray, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { PackedTensor } from "./pack.js";
import { as_qtype, qtype } from "./qtypes.js";

function check_weight(base: unknown, fn: string): asserts base is Tensor {
  if (!(base instanceof Tensor) || !base.dtype.is_floating_point) {
    throw new TypeError(`${fn}: expected a floating point weight tensor, got ${base instanceof Tensor ? base.dtype : typeof base}`);
  }
  if (base.ndim !== 2) throw new RangeError(`${fn}: expected a 2-D weight [out_features, in_features], got shape [${base.shape.join(", ")}]`);
}

function check_axis(axis: number | undefined, fn: string): void {
  if (axis !== undefined && axis !== 0) throw new RangeError(`${fn}: only axis=0 (one scale per output row or group) is supported, got axis=${axis}`);
}

/** quanto's group(base, axis=0, group_size): [out, in] → [out·in/g, g] */
export function group(base: Tensor, axis: number, group_size: number): Tensor {
  const fn = "quanto.group";
  check_axis(axis, fn);
  const axis_numel = base.numel() / base.shape[0];
  if (!Number.isInteger(group_size) || group_size <= 0 || group_size > axis_numel || axis_numel % group_size !== 0) {
    throw new RangeError(`${fn}: group_size ${group_size} must divide the ${axis_numel} values of each row`);
  }
  return base.reshape(-1, group_size);
}

/** quanto's ungroup for axis 0: back to the original shape */
export function ungroup(grouped: Tensor, axis: number, orig_shape: readonly number[]): Tensor {
  check_axis(axis, "quanto.ungroup");
  return grouped.reshape(...orig_shape);
}

export interface OptimizerOptions {
  qtype: qtype | string;
  axis?: number;
  group_size?: number | null;
  /** AffineOptimizer only: round the shift to an integer zero point (uint8), as quanto does on XPU */
  zeropoint?: boolean;
}

/** AbsmaxOptimizer: scale = amax(|W|, dim=1, keepdim) / qmax (symmetric, qint8). */
export class AbsmaxOptimizer {
  __call__(base: Tensor, o: OptimizerOptions): Tensor {
    const fn = "quanto.AbsmaxOptimizer";
    check_weight(base, fn);
    const qt = as_qtype(o.qtype, fn, "qtype");
    check_axis(o.axis, fn);
    return base.abs().amax(1, true).div(qt.qmax);
  }
}

/** MaxOptimizer (an AffineOptimizer): per row of the grouped weight, scale = (rmax − rmin) /
 *  (qmax − qmin), shift = −rmin; with zeropoint the shift becomes clamp(round(shift / scale), 0,
 *  2^bits − 1) in uint8. Returns [scale, shift], both [rows, 1]. */
export class MaxOptimizer {
  __call__(base: Tensor, o: OptimizerOptions): [Tensor, Tensor] {
    const fn = "quanto.MaxOptimizer";
    check_weight(base, fn);
    const qt = as_qtype(o.qtype, fn, "qtype");
    check_axis(o.axis, fn);
    const g = o.group_size ?? null;
    const b = g === null ? base : group(base, 0, g);
    const rmin = b.amin(1, true), rmax = b.amax(1, true);
    const scale = rmax.sub(rmin).div(qt.qmax - qt.qmin);
    let shift = rmin.neg();
    if (o.zeropoint) shift = shift.div(scale).round().clamp(0, 2 ** qt.bits - 1).to(uint8);
    return [scale, shift];
  }
}

/** WeightQBytesTensor: int8 codes and a float scale [out, 1]; dequantize() = scale * data. */
export class WeightQBytesTensor extends Module {
  declare _data: Tensor;
  declare _scale: Tensor;
  declare qtype: qtype;
  declare axis: number;

  constructor(qt: qtype, axis: number, data: Tensor, scale: Tensor) {
    super();
    Object.defineProperty(this, "qtype", { enumerable: false, writable: true, value: qt });
    Object.defineProperty(this, "axis", { enumerable: false, writable: true, value: axis });
    this.register_buffer("_data", data);
    this.register_buffer("_scale", scale);
  }

  get shape(): number[] { return this._data.shape as number[]; }
  /** the dtype of the tensor it stands for (the scale's float type), as a QTensor reports */
  get dtype(): DType { return this._scale.dtype; }

  dequantize(): Tensor {
    return this._scale.mul(this._data);
  }

  override toString(): string {
    return `WeightQBytesTensor(${this._data}, scale=${this._scale}, dtype=${this.dtype})`;
  }
}

/** WeightQBitsTensor: uint8 codes of the grouped weight packed into a PackedTensor, scale and shift
 *  [groups, 1]; dequantize() = scale * data − shift (float shift) or scale * (data − shift)
 *  (uint8 zero point), reshaped to the weight's shape. */
export class WeightQBitsTensor extends Module {
  declare _data: PackedTensor;
  declare _scale: Tensor;
  declare _shift: Tensor;
  declare qtype: qtype;
  declare axis: number;
  declare group_size: number | null;
  declare _size: number[];

  constructor(qt: qtype, axis: number, group_size: number | null, size: readonly number[], data: PackedTensor, scale: Tensor, shift: Tensor) {
    super();
    for (const [k, v] of [["qtype", qt], ["axis", axis], ["group_size", group_size], ["_size", [...size]]] as const) {
      Object.defineProperty(this, k, { enumerable: false, writable: true, value: v });
    }
    this._data = data;
    this.register_buffer("_scale", scale);
    this.register_buffer("_shift", shift);
  }

  get shape(): number[] { return [...this._size]; }
  get dtype(): DType { return this._scale.dtype; }

  dequantize(): Tensor {
    const data = this._data.unpack();
    const dq = this._shift.dtype.is_floating_point
      ? this._scale.mul(data).sub(this._shift)
      : this._scale.mul(data.to(int16).sub(this._shift.to(int16)));
    return ungroup(dq, this.axis, this._size);
  }

  override toString(): string {
    return `WeightQBitsTensor(${this._data.unpack()}, scale=${this._scale}, shift=${this._shift}, dtype=${this.dtype})`;
  }
}

export interface QuantizeWeightOptions {
  qtype: qtype | string;
  axis?: number;
  scale: Tensor;
  shift?: Tensor | null;
  group_size?: number | null;
}

/** quanto's quantize_weight(t, qtype, axis, scale, shift, group_size): qint8 →
 *  clamp(round(t / scale), -128, 127) as int8; qint4/qint2 → clamp(round((t + shift) / scale), 0,
 *  2^bits − 1) (float shift) or clamp(round(t / scale) + shift, ...) (uint8 shift) over the grouped
 *  weight, packed. */
export function quantize_weight(t: Tensor, o: QuantizeWeightOptions): WeightQBytesTensor | WeightQBitsTensor {
  const fn = "quanto.quantize_weight";
  check_weight(t, fn);
  const qt = as_qtype(o.qtype, fn, "qtype");
  const axis = o.axis ?? 0;
  check_axis(axis, fn);
  const g = o.group_size ?? null;
  const base = g === null ? t : group(t, axis, g);
  const rows = base.shape[0];
  const check_stat = (s: unknown, what: string) => {
    if (!(s instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a tensor of shape [${rows}, 1]`);
    if (s.ndim !== 2 || s.shape[0] !== rows || s.shape[1] !== 1) {
      throw new RangeError(`${fn}: ${what} must have shape [${rows}, 1] (one per ${g === null ? "output row" : `group of ${g}`}), got [${s.shape.join(", ")}]`);
    }
  };
  check_stat(o.scale, "scale");
  if (!["float32", "bfloat16", "float16"].includes(t.dtype.name)) {
    throw new TypeError(`${fn}: the weight must be float32, bfloat16 or float16, got ${t.dtype}; convert it with .float()`);
  }
  // as quanto's optimizers assert: the statistics have the weight's dtype (the codes are computed in it)
  if (o.scale.dtype !== t.dtype) throw new TypeError(`${fn}: scale must have the weight's dtype ${t.dtype}, got ${o.scale.dtype}`);
  if (qt.bits === 8) {
    if (g !== null) throw new RangeError(`${fn}: qint8 weights are quantized per output row; group_size must be null`);
    if (o.shift != null) throw new TypeError(`${fn}: qint8 weights are symmetric; shift must be null`);
  } else {
    if (o.shift == null) throw new TypeError(`${fn}: ${qt} weights need a shift (MaxOptimizer gives one)`);
    check_stat(o.shift, "shift");
    if (o.shift.dtype !== t.dtype && o.shift.dtype !== uint8) {
      throw new TypeError(`${fn}: shift must have the weight's dtype ${t.dtype} or be uint8 (a zero point), got ${o.shift.dtype}`);
    }
  }
  // the tensor ops of quanto's quantizers, fused: Kernels.quantoQuantize
  const x = base.contiguous(), scale = o.scale.contiguous(), shift = qt.bits === 8 ? null : o.shift!.contiguous();
  const C = x.numel() / rows;
  const packed_rows = qt.bits === 8 ? rows : Math.ceil(rows / (8 / qt.bits));
  const data = new Tensor(allocate(qt.bits === 8 ? qt.dtype : uint8, packed_rows * C), qt.bits === 8 ? qt.dtype : uint8, [packed_rows, C]);
  K.quantoQuantize(rows, C, qt.bits, x._data, x.dtype.code, x._offset, view(scale), shift && view(shift), shift ? shift.dtype.code : 0,
    data._data as Uint8Array | Int8Array);
  if (qt.bits === 8) return new WeightQBytesTensor(qt, axis, data, o.scale);
  return new WeightQBitsTensor(qt, axis, g, t.shape, new PackedTensor(data, qt.bits, [rows, C]), o.scale, shift!);
}

/** A contiguous tensor's elements as a typed array of their own. */
function view(t: Tensor): TypedArray {
  return t._data.subarray(t._offset, t._offset + t.numel()) as TypedArray;
}
