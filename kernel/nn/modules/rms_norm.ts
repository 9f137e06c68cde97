// nn.RMSNorm: x / sqrt(mean(x²) + eps) * weight, computed in float32 and cast back to the input
// dtype before the weight multiplies, as transformers' LlamaRMSNorm (and T5's layer norm) do.
import { as_dtype, float32 } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { ones } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import type { FactoryOptions } from "./linear.js";
import { format_float } from "./normalization.js";

export class RMSNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  weight: Parameter | null;

  constructor(normalized_shape: number | readonly number[], o: FactoryOptions & { eps?: number; elementwise_affine?: boolean } = {}) {
    super();
    this.normalized_shape = typeof normalized_shape === "number" ? [normalized_shape] : normalized_shape.slice();
    this.eps = o.eps ?? 1e-6;
    this.elementwise_affine = o.elementwise_affine ?? true;
    const dtype = o.dtype ? as_dtype(o.dtype) : get_default_dtype();
    this.weight = this.elementwise_affine ? new Parameter(ones(this.normalized_shape, { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    const dims = this.normalized_shape.map((_, i) => i - this.normalized_shape.length);
    const h = x.dtype === float32 ? x : x.to(float32);
    const variance = h.square().mean(dims, true);
    let y = h.mul(variance.add(this.eps).rsqrt());
    if (y.dtype !== x.dtype) y = y.to(x.dtype);
    return this.weight ? this.weight.mul(y) : y;
  }

  override extra_repr(): string {
    const shape = `(${this.normalized_shape.join(", ")}${this.normalized_shape.length === 1 ? "," : ""})`;
    return `${shape}, eps=${format_float(this.eps)}, elementwise_affine=${this.elementwise_affine ? "True" : "False"}`;
  }
}
