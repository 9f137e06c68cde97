// nn.LayerNorm over the trailing normalized_shape dims, with affine weight (ones) and bias (zeros).
import { as_dtype } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { ones, zeros } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { layer_norm } from "../functional.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import type { FactoryOptions } from "./linear.js";

export class LayerNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalized_shape: number | readonly number[], o: FactoryOptions & { eps?: number; elementwise_affine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalized_shape = typeof normalized_shape === "number" ? [normalized_shape] : normalized_shape.slice();
    this.eps = o.eps ?? 1e-5;
    this.elementwise_affine = o.elementwise_affine ?? true;
    const dtype = o.dtype ? as_dtype(o.dtype) : get_default_dtype();
    this.weight = this.elementwise_affine ? new Parameter(ones(this.normalized_shape, { dtype })) : null;
    this.bias = this.elementwise_affine && (o.bias ?? true) ? new Parameter(zeros(this.normalized_shape, { dtype })) : null;
  }

  override forward(x: Tensor): Tensor {
    return layer_norm(x, this.normalized_shape, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    const shape = `(${this.normalized_shape.join(", ")}${this.normalized_shape.length === 1 ? "," : ""})`;
    return `${shape}, eps=${format_float(this.eps)}, elementwise_affine=${this.elementwise_affine ? "True" : "False"}`;
  }
}

/** Python's repr of a float (1e-05, 1e-06, 0.001). */
export function format_float(x: number): string {
  const s = String(x);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${m[3]!.padStart(2, "0")}`;
  if (x !== 0 && Math.abs(x) < 1e-4) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return Number.isInteger(x) ? `${x}.0` : s;
}
