// optimum-quanto's quantized activations (tensor/activations/qbytes.py, quantization.py,
// library/quantize.py quantize_symmetric): one scalar scale per tensor, int8 codes
// clamp(round(x / scale), -128, 127), values scale * codes. An ActivationQBytesTensor is a Tensor
// of those values, so every op reads it as quanto's fallback does (dequantized, giving a plain
// float tensor); a QLinear that receives one uses its codes and scale directly.
import { inspect } from "node:util";
import { int8 } from "../../tensor/dtype.js";
import { fmt_shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { as_qtype, qtype } from "./qtypes.js";

export class ActivationQBytesTensor extends Tensor {
  declare readonly qtype: qtype;
  declare readonly _scale: Tensor;
  declare private readonly codes: Tensor;

  /** ActivationQBytesTensor(qtype, data, scale): int8 codes and their 0-d float scale. */
  constructor(qt: qtype, data: Tensor, scale: Tensor) {
    const fn = "quanto.ActivationQBytesTensor";
    if (!(data instanceof Tensor) || data.dtype !== int8) throw new TypeError(`${fn}: data must be an int8 tensor of codes`);
    check_scale(scale, fn);
    const values = scale.mul(data);
    super(values._data, values._dtype, values._shape, values._strides, values._offset);
    const hidden = { enumerable: false, writable: false, configurable: true } as const;
    Object.defineProperty(this, "qtype", { ...hidden, value: as_qtype(qt, fn, "qtype") });
    Object.defineProperty(this, "_scale", { ...hidden, value: scale });
    Object.defineProperty(this, "codes", { ...hidden, value: data });
  }

  /** quanto's `_data`: the int8 codes (lowbit's Tensor keeps its storage under that name) */
  int_repr(): Tensor {
    return this.codes;
  }

  /** per-tensor quantization: no axis */
  get axis(): null {
    return null;
  }

  /** scale * codes, as a plain float tensor */
  dequantize(): Tensor {
    return this.data.clone();
  }

  override toString(): string {
    return `ActivationQBytesTensor(${this.codes}, scale=${this._scale}, dtype=${this.dtype})`;
  }

  override [inspect.custom](): string {
    return this.toString();
  }
}

function check_scale(scale: unknown, fn: string): asserts scale is Tensor {
  if (!(scale instanceof Tensor) || !scale.dtype.is_floating_point) throw new TypeError(`${fn}: scale must be a floating point tensor`);
  if (scale.numel() !== 1) {
    throw new RangeError(`${fn}: scale must be a scalar because activations can only be quantized per-tensor, got shape ${fmt_shape(scale._shape)}`);
  }
  if (scale.ndim !== 0) throw new RangeError(`${fn}: scale must be a 0-d tensor (a scalar) to quantize per-tensor, got shape ${fmt_shape(scale._shape)}; use scale.reshape([])`);
}

/** quanto's quantize_activation(t, qtype, scale): codes clamp(round(t / scale), -128, 127) (round
 *  half to even). ±Inf saturate and a zero scale gives codes 0 (0 / 0 casts to 0), as in quanto;
 *  NaN is refused, where quanto would silently turn it into a code 0. */
export function quantize_activation(t: Tensor, o: { qtype: qtype | string; scale: Tensor }): ActivationQBytesTensor {
  const fn = "quanto.quantize_activation";
  if (!(t instanceof Tensor) || !t.dtype.is_floating_point) throw new TypeError(`${fn}: expected a floating point tensor, got ${t instanceof Tensor ? t.dtype : typeof t}`);
  const qt = as_qtype(o.qtype, fn, "qtype");
  if (qt.bits !== 8) throw new TypeError(`${fn}: an ActivationQBytesTensor is 8-bit only, got ${qt}`);
  check_scale(o.scale, fn);
  if (t.isnan().any().item()) {
    throw new RangeError(`${fn}: the activation holds NaN, which int8 cannot represent (quanto would silently store it as 0); find where the NaN comes from before quantizing`);
  }
  const data = t.div(o.scale).round().clamp(-128, 127).to(int8);
  return new ActivationQBytesTensor(qt, data, o.scale);
}
