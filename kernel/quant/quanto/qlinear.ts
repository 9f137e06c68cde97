// optimum-quanto's QLinear (nn/qlinear.py + nn/qmodule.py): an nn.Linear whose weight is quantized
// on the fly (quantize → dequantize in every forward) until freeze() stores the quantized weight in
// its place: int8 codes + scale for qint8, packed uint8 codes + scale + shift for qint4/qint2. The
// forward is quanto's CPU path: y = x @ dequantize(W)ᵀ + bias, except for a quantized input with
// qint8 weights, which takes quanto's int8 product (qbytes_mm).
import { as_dtype, DType } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { Tensor } from "../../tensor/tensor.js";
import { linear } from "../../nn/functional.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { Parameter } from "../../nn/parameter.js";
import { ActivationQBytesTensor } from "./activations.js";
import { qbytes_mm } from "./qbytes_mm.js";
import { QModuleMixin } from "./qmodule.js";
import { as_qtype, qtype } from "./qtypes.js";
import { AbsmaxOptimizer, MaxOptimizer, quantize_weight, WeightQBitsTensor, WeightQBytesTensor } from "./weights.js";
import { check_bias_flag, check_features } from "../layer_args.js";

export interface QModuleOptions {
  /** quanto.qint8 / qint4 / qint2, their names, or torch.int8 */
  weights?: qtype | DType | string | null;
  /** quanto.qint8 (or "qint8", torch.int8), or null for weight-only quantization */
  activations?: qtype | DType | string | null;
  optimizer?: AbsmaxOptimizer | MaxOptimizer | null;
  dtype?: DType | string;
  /** quantize the input with input_scale (quanto's default is false for the constructor;
   *  from_module and quantize() set it) */
  quantize_input?: boolean;
}

/** QModuleMixin's group size: 128 if in_features > 128 and it divides, else the largest of 96, 64
 *  that divides (down to 32 exclusive of smaller steps), else null (one group per output row). */
export function weight_group_size(in_features: number, bits: number): number | null {
  if (bits === 8 || in_features <= 128) return null;
  let g = 128;
  while (in_features % g !== 0 && g > 32) g -= 32;
  return in_features % g === 0 ? g : null;
}

/** @internal set while from_module builds a QLinear, so no random initialisation is drawn */
let building_from_module = false;

export class QLinear extends QModuleMixin(Module) {
  in_features: number;
  out_features: number;
  weight: Parameter | WeightQBytesTensor | WeightQBitsTensor;
  bias: Parameter | null;
  declare weight_qtype: qtype | null;
  declare weight_group_size: number | null;
  declare optimizer: AbsmaxOptimizer | MaxOptimizer | null;

  /** QLinear(in_features, out_features, bias = true, { dtype, weights, activations, optimizer,
   *  quantize_input }): initialised as nn.Linear is. */
  constructor(in_features: number, out_features: number, bias = true, o: QModuleOptions = {}) {
    super();
    const fn = "quanto.QLinear";
    check_features(fn, { in_features, out_features });
    check_bias_flag(fn, bias);
    const wq = o.weights == null ? null : as_qtype(o.weights, fn);
    const dtype = o.dtype === undefined ? get_default_dtype() : as_dtype(o.dtype);
    this.in_features = in_features;
    this.out_features = out_features;
    if (building_from_module) {
      this.weight = new Parameter();  // replaced by the source module's weight
      this.bias = null;
    } else {
      const init = new Linear(in_features, out_features, bias, { dtype });
      this.weight = init.weight;
      this.bias = init.bias;
    }
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { enumerable: false, writable: true, configurable: true, value: v });
    hidden("weight_qtype", wq);
    hidden("weight_group_size", wq === null ? null : weight_group_size(in_features, wq.bits));
    hidden("optimizer", o.optimizer ?? (wq === null ? null : wq.bits === 8 ? new AbsmaxOptimizer() : new MaxOptimizer()));
    this._init_activations(fn, o.activations, dtype, o.quantize_input ?? false);
  }

  /** QLinear.from_module(linear, { weights, activations, optimizer }): shares the Linear's weight and
   *  bias (no copy, no random initialisation). */
  static from_module(module: Linear, o: QModuleOptions = {}): QLinear {
    if (!((module as unknown) instanceof Linear)) {
      const m = module as unknown;
      const what = m instanceof Module ? m._get_name() : m === null ? "null" : typeof m;
      throw new TypeError(`quanto.QLinear.from_module: expected an nn.Linear, got ${what}`);
    }
    building_from_module = true;
    let q: QLinear;
    try {
      q = new QLinear(module.in_features, module.out_features, module.bias !== null, { ...o, dtype: module.weight.dtype, quantize_input: true });
    } finally {
      building_from_module = false;
    }
    q.weight = module.weight;
    q.bias = module.bias;
    return q;
  }

  /** true once freeze() replaced the float weight by its quantized form */
  get frozen(): boolean {
    return !(this.weight instanceof Parameter);
  }

  /** the quantized weight: the stored one when frozen, else quantized now from the float weight */
  get qweight(): WeightQBytesTensor | WeightQBitsTensor | Parameter {
    const w = this.weight;
    if (!(w instanceof Parameter) || this.weight_qtype === null) return w;
    const qt = this.weight_qtype;
    if (this.optimizer instanceof MaxOptimizer) {
      const [scale, shift] = this.optimizer.__call__(w, { qtype: qt, axis: 0, group_size: this.weight_group_size });
      return quantize_weight(w, { qtype: qt, axis: 0, scale, shift, group_size: this.weight_group_size });
    }
    const scale = (this.optimizer ?? new AbsmaxOptimizer()).__call__(w, { qtype: qt, axis: 0 });
    return quantize_weight(w, { qtype: qt, axis: 0, scale, group_size: this.weight_group_size });
  }

  /** Stores the quantized weight in place of the float one (which is dropped). */
  freeze(): void {
    const q = this.qweight;
    if (!(q instanceof Parameter)) this.weight = q;
  }

  override forward(input: Tensor): Tensor {
    const q = this.qweight;
    if (input instanceof ActivationQBytesTensor && q instanceof WeightQBytesTensor) {
      const out = qbytes_mm(input.int_repr(), q._data, input._scale.mul(q._scale));
      return this.bias ? out.add(this.bias) : out;
    }
    // a quantized input anywhere else is read as its dequantized values, as quanto's fallback does
    const w = q instanceof Parameter ? q : q.dequantize();
    return linear(input, w, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }

  /** QLinear(in_features=…, out_features=…, bias=…), as torch prints it (the quantized weight's
   *  buffers are not child modules there) */
  override toString(): string {
    return `${this._get_name()}(${this.extra_repr()})`;
  }
}
