// optimum-quanto's QLayerNorm (nn/qlayernorm.py): an nn.LayerNorm whose output is quantized with
// output_scale; its weight and bias stay float (quanto never quantizes them) and its input is not
// quantized.
import { DType, float32 } from "../../tensor/dtype.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { Module } from "../../nn/module.js";
import { QModuleMixin } from "./qmodule.js";
import { qtype } from "./qtypes.js";

export class QLayerNorm extends QModuleMixin(LayerNorm) {
  /** QLayerNorm(normalized_shape, { eps, elementwise_affine, bias, dtype, activations }) */
  constructor(normalized_shape: number | readonly number[], o: { eps?: number; elementwise_affine?: boolean; bias?: boolean; dtype?: DType | string; activations?: qtype | DType | string | null }) {
    super(normalized_shape, o);
    // QModuleMixin's scales take the weight's dtype, float32 without one
    this._init_activations("quanto.QLayerNorm", o.activations, this.weight?.dtype ?? float32, false);
  }

  /** QLayerNorm.from_module(layer_norm, { activations }): shares the LayerNorm's weight and bias;
   *  null without activations (there is nothing else to quantize), as in quanto. */
  static from_module(module: LayerNorm, o: { activations?: qtype | DType | string | null } = {}): QLayerNorm | null {
    if (!((module as unknown) instanceof LayerNorm)) {
      const m = module as unknown;
      throw new TypeError(`quanto.QLayerNorm.from_module: expected an nn.LayerNorm, got ${m instanceof Module ? m._get_name() : m === null ? "null" : typeof m}`);
    }
    if (o.activations == null) return null;
    const q = new QLayerNorm(module.normalized_shape, {
      eps: module.eps, elementwise_affine: module.elementwise_affine, bias: module.bias !== null, activations: o.activations,
      dtype: module.weight?.dtype,
    });
    q.weight = module.weight;
    q.bias = module.bias;
    return q;
  }
}
