// hqq's HQQLinear (hqq/core/quantize.py): an nn.Linear replaced by its packed HQQ weight plus the
// per-group scale and zero, dequantized in compute_dtype on every forward (hqq's PyTorch backend):
// y = x @ dequantize()ᵀ + bias.
import { as_dtype, DType, float16 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { linear } from "../../nn/functional.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { QuantConfig } from "./config.js";
import { HqqMeta, Quantizer } from "./quantizer.js";

export interface HQQLinearOptions {
  /** the dtype scale, zero, bias and the dequantized weight are kept in (hqq's default float16) */
  compute_dtype?: DType | string;
}

type StaticMeta = Omit<HqqMeta, "scale" | "zero" | "compute_dtype">;

const hidden = (o: object, k: string, v: unknown) =>
  Object.defineProperty(o, k, { enumerable: false, writable: true, configurable: true, value: v });

export class HQQLinear extends Module {
  in_features!: number;
  out_features!: number;
  declare W_q: Tensor;
  declare scale: Tensor;
  declare zero: Tensor;
  declare bias: Tensor | null;
  declare compute_dtype: DType;
  declare quant_config: QuantConfig;
  declare _meta: StaticMeta;

  /** HQQLinear(linear_layer, quant_config, { compute_dtype: torch.float16 }): quantizes the layer's
   *  weight with quant_config.weight_quant_params (see BaseQuantizeConfig); the float weight is
   *  not kept (hqq's del_orig). */
  constructor(linear_layer: Linear, quant_config: QuantConfig, o: HQQLinearOptions = {}) {
    super();
    const fn = "hqq.HQQLinear";
    if (!((linear_layer as unknown) instanceof Linear)) {
      const m = linear_layer as unknown;
      throw new TypeError(`${fn}: expected an nn.Linear to quantize, got ${m instanceof Module ? m._get_name() : m === null ? "null" : typeof m}`);
    }
    const params = quant_config?.weight_quant_params;
    if (!params || typeof params !== "object") {
      throw new TypeError(`${fn}: quant_config must be hqq's BaseQuantizeConfig(...) (an object with weight_quant_params), e.g. hqq.BaseQuantizeConfig({ nbits: 4, group_size: 64 })`);
    }
    const compute_dtype = as_dtype(o.compute_dtype ?? float16);
    if (!compute_dtype.is_floating_point) throw new TypeError(`${fn}: compute_dtype must be a floating point type, got ${compute_dtype}`);
    hidden(this, "compute_dtype", compute_dtype);
    hidden(this, "quant_config", structuredClone(quant_config));
    this.quantize(linear_layer.weight, params);
    this.register_buffer("bias", linear_layer.bias ? linear_layer.bias.detach().to(compute_dtype) : null);
  }

  /** HQQLinear.from_weights(weight, bias, quant_config, { compute_dtype }) */
  static from_weights(weight: Tensor, bias: Tensor | null, quant_config: QuantConfig, o: HQQLinearOptions = {}): HQQLinear {
    if (!(weight instanceof Tensor) || weight.ndim !== 2) throw new TypeError(`hqq.HQQLinear.from_weights: weight must be a 2-D tensor (out_features, in_features)`);
    const lin = new Linear(weight.shape[1]!, weight.shape[0]!, bias !== null, { dtype: weight.dtype });
    lin.weight.copy_(weight);
    if (bias) lin.bias!.copy_(bias);
    return new HQQLinear(lin, quant_config, o);
  }

  /** Quantizes W into W_q, scale and zero (scale and zero cast to compute_dtype, as hqq's cuda()). */
  quantize(W: Tensor, weight_quant_params: QuantConfig["weight_quant_params"]): void {
    const { nbits, channel_wise, group_size, optimize, round_zero, axis, view_as_float } = weight_quant_params;
    this.out_features = W.shape[0]!;
    this.in_features = W.shape[1]!;
    const [W_q, meta] = Quantizer.quantize(W, {
      nbits, channel_wise, group_size, optimize, round_zero, axis, view_as_float, compute_dtype: this.compute_dtype,
    });
    const { scale, zero, compute_dtype: _, ...rest } = meta;
    hidden(this, "_meta", rest);
    this.register_buffer("W_q", W_q);
    this.register_buffer("scale", scale.to(this.compute_dtype));
    this.register_buffer("zero", zero.to(this.compute_dtype));
  }

  /** hqq's meta dict: nbits, group_size, shape, scale, zero, axis, packing, compute_dtype, ... */
  get meta(): HqqMeta {
    return { ...this._meta, scale: this.scale, zero: this.zero, compute_dtype: this.compute_dtype };
  }

  /** The codes as `dtype` (default compute_dtype): the 2-D quantization view, or the weight's
   *  shape with reshape: true. */
  unpack(o: { reshape?: boolean; dtype?: DType | string } = {}): Tensor {
    const codes = Quantizer.unpack(this.W_q, this.meta, as_dtype(o.dtype ?? this.compute_dtype));
    return o.reshape ? codes.reshape(this._meta.shape) : codes;
  }

  /** The weight hqq reconstructs: ((W_q − zero) · scale).reshape(out_features, in_features), in
   *  compute_dtype. */
  dequantize(): Tensor {
    return Quantizer.dequantize(this.W_q, this.meta);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.dequantize(), this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }
}
