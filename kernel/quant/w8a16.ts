// The course's W8A16LinearLayer: int8 weights with one scale per output row, activations kept in
// the layer's float dtype; and replace_linear_with_target_and_quantize, which swaps it in for the
// nn.Linear layers of a model.
import { as_dtype, DType, float32, int8 } from "../tensor/dtype.js";
import * as rnd from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { linear } from "../nn/functional.js";
import { Module } from "../nn/module.js";
import { Linear } from "../nn/modules/linear.js";
import { Parameter } from "../nn/parameter.js";
import { check_features } from "./layer_args.js";

interface W8A16Options {
  bias?: boolean;
  dtype?: DType | string;
}

/** F.linear(input, weight.to(input.dtype)) * scales (+ bias): the int8 matmul's per-row scale is
 *  applied to the output, which is the same as scaling each weight row. */
export function w8_a16_forward(weight: Tensor, input: Tensor, scales: Tensor, bias: Tensor | null = null): Tensor {
  const output = linear(input, weight.to(input.dtype)).mul(scales);
  return bias ? output.add(bias) : output;
}

export class W8A16LinearLayer extends Module {
  in_features: number;
  out_features: number;
  declare int8_weights: Tensor;
  declare scales: Tensor;
  declare bias: Tensor | null;

  /** W8A16LinearLayer(in_features, out_features, bias = true, dtype = torch.float32), or
   *  (in_features, out_features, { bias, dtype }). The buffers start random, as in the course,
   *  until quantize(weights) fills them. */
  constructor(in_features: number, out_features: number, bias: boolean | W8A16Options = true, dtype?: DType | string) {
    super();
    const o: W8A16Options = typeof bias === "object" ? bias : { bias, dtype };
    const dt = o.dtype === undefined ? float32 : as_dtype(o.dtype);
    if (!dt.is_floating_point) throw new TypeError(`W8A16LinearLayer: dtype must be a floating point type (the activations' type), got ${dt}`);
    check_features("W8A16LinearLayer", { in_features, out_features });
    this.in_features = in_features;
    this.out_features = out_features;
    this.register_buffer("int8_weights", rnd.randint(-128, 127, [out_features, in_features], { dtype: int8 }));
    this.register_buffer("scales", rnd.randn([out_features], { dtype: dt }));
    if (o.bias ?? true) this.register_buffer("bias", rnd.randn([1, out_features], { dtype: dt }));
    else this.bias = null;
  }

  /** Per-row absmax: scales = max|w_row| / 127 (computed in float32, stored in w's dtype),
   *  int8_weights = round(w / scales). */
  quantize(weights: Tensor): void {
    if (!(weights instanceof Tensor) || !weights.dtype.is_floating_point) {
      throw new TypeError(`W8A16LinearLayer.quantize: expected a floating point weight tensor, got ${weights instanceof Tensor ? weights.dtype : typeof weights}`);
    }
    const want = [this.out_features, this.in_features];
    if (weights.ndim !== 2 || weights.shape[0] !== want[0] || weights.shape[1] !== want[1]) {
      throw new RangeError(`W8A16LinearLayer.quantize: expected weights of shape [${want.join(", ")}] (out_features, in_features), got [${weights.shape.join(", ")}]`);
    }
    const w_fp32 = weights.clone().to(float32);
    const scales = w_fp32.abs().max(-1).values.div(127).to(weights.dtype);
    this.int8_weights = weights.div(scales.unsqueeze(1)).round().to(int8);
    this.scales = scales;
  }

  override forward(input: Tensor): Tensor {
    return w8_a16_forward(this.int8_weights, input, this.scales, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** What replace_linear_with_target_and_quantize builds: the course's W8A16LinearLayer or any
 *  class with its constructor and quantize(weights). */
export interface QuantizedLinearClass {
  new (in_features: number, out_features: number, bias: boolean, dtype: DType): Module & { quantize(weights: Tensor): void };
}

/** Replaces every nn.Linear child (recursively) whose attribute name is not in
 *  module_name_to_exclude by target_class, quantizes the old weight into it and keeps the old bias,
 *  as the course's function does. Changes `module` in place. */
export function replace_linear_with_target_and_quantize(module: Module, target_class: QuantizedLinearClass,
  module_name_to_exclude: readonly string[] = []): void {
  if (!(module instanceof Module)) throw new TypeError(`replace_linear_with_target_and_quantize: expected an nn.Module, got ${typeof module}`);
  if (typeof target_class !== "function") throw new TypeError(`replace_linear_with_target_and_quantize: target_class must be a class such as quant.W8A16LinearLayer`);
  if (!Array.isArray(module_name_to_exclude)) {
    throw new TypeError(`replace_linear_with_target_and_quantize: module_name_to_exclude must be a list of child names, e.g. ["lm_head"]`);
  }
  const attrs = module as unknown as Record<string, unknown>;
  for (const [name, child] of [...module.named_children()]) {
    if (child instanceof Linear && !module_name_to_exclude.includes(name)) {
      const old_bias = child.bias;
      const old_weight = child.weight;
      const fresh = new target_class(child.in_features, child.out_features, old_bias !== null, old_weight.dtype);
      attrs[name] = fresh;
      fresh.quantize(old_weight);
      if (old_bias !== null) {
        // torch's __setattr__ turns a Parameter assigned over a buffer into a parameter
        fresh._buffer_names.delete("bias");
        fresh._non_persistent.delete("bias");
        (fresh as unknown as { bias: Parameter }).bias = old_bias;
      }
    } else {
      replace_linear_with_target_and_quantize(child, target_class, module_name_to_exclude);
    }
  }
}

