// nn.Linear: y = x @ W^T + b, initialised as torch does (kaiming_uniform_(a=sqrt(5)), then the bias).
import { as_dtype, DType } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { empty } from "../../tensor/ops/util.js";
import { Tensor } from "../../tensor/tensor.js";
import { linear } from "../functional.js";
import { _calculate_fan_in_and_fan_out, kaiming_uniform_ } from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";

export interface FactoryOptions {
  dtype?: DType | string;
  device?: "cpu";
}

export class Linear extends Module {
  in_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in_features: number, out_features: number, bias: boolean | { bias?: boolean } & FactoryOptions = true, o: FactoryOptions = {}) {
    super();
    const opts = typeof bias === "object" ? bias : o;
    const has_bias = typeof bias === "object" ? bias.bias ?? true : bias;
    const dtype = opts.dtype ? as_dtype(opts.dtype) : get_default_dtype();
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = new Parameter(empty([out_features, in_features], dtype));
    this.bias = has_bias ? new Parameter(empty([out_features], dtype)) : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fan_in] = _calculate_fan_in_and_fan_out(this.weight);
      const bound = fan_in > 0 ? 1 / Math.sqrt(fan_in) : 0;
      this.bias.uniform_(-bound, bound);
    }
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }
}
