// nn.functional: the stateless forms of the layers.
import { as_dtype, DType } from "../tensor/dtype.js";
import * as act from "../tensor/ops/activation.js";
import { binary, unary } from "../tensor/ops/elementwise.js";
import { index_select } from "../tensor/ops/indexing.js";
import { linear as linear_ } from "../tensor/ops/linalg.js";
import { empty } from "../tensor/ops/util.js";
import { Tensor } from "../tensor/tensor.js";

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linear_(input, weight, bias);
}

export function relu(x: Tensor): Tensor {
  return unary("relu", x);
}

/** GELU, exact (erf) by default or with approximate: "tanh". */
export function gelu(x: Tensor, o: { approximate?: "none" | "tanh" } = {}): Tensor {
  const a = o.approximate ?? "none";
  if (a !== "none" && a !== "tanh") throw new TypeError(`approximate argument must be either none or tanh, got '${a}'`);
  return unary(a === "tanh" ? "gelu_tanh" : "gelu", x);
}

export function silu(x: Tensor): Tensor {
  return unary("silu", x);
}
export function sigmoid(x: Tensor): Tensor {
  return unary("sigmoid", x);
}
export function tanh(x: Tensor): Tensor {
  return unary("tanh", x);
}

type DimArg = number | { dim?: number; dtype?: DType | string };
function dim_of(d: DimArg | undefined, x: Tensor): [number, DType | undefined] {
  if (typeof d === "number") return [d, undefined];
  // torch's legacy implicit dim: 0 for 0-, 1- and 3-d inputs, else 1
  const implicit = x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1;
  return [d?.dim ?? implicit, d?.dtype === undefined ? undefined : as_dtype(d.dtype)];
}

/** F.softmax(x, dim) or F.softmax(x, { dim, dtype }) */
export function softmax(x: Tensor, dim?: DimArg): Tensor {
  const [d, dtype] = dim_of(dim, x);
  return act.softmax(x, d, { dtype });
}
export function log_softmax(x: Tensor, dim?: DimArg): Tensor {
  const [d, dtype] = dim_of(dim, x);
  return act.log_softmax(x, d, { dtype });
}

export function layer_norm(x: Tensor, normalized_shape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return act.layer_norm(x, typeof normalized_shape === "number" ? [normalized_shape] : normalized_shape, weight, bias, eps);
}

export function embedding(input: Tensor, weight: Tensor): Tensor {
  if (input.dtype.is_floating_point) throw new TypeError(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${input.dtype} instead`);
  const flat = input.reshape(-1);
  let picked: Tensor;
  try {
    picked = index_select(weight, 0, flat);
  } catch (e) {
    throw new RangeError(`index out of range in self (${(e as Error).message})`);
  }
  return picked.view([...input._shape, weight._shape[1]!]);
}

/** F.dropout: zeroes elements with probability p and scales the rest by 1/(1-p) while training. */
export function dropout(x: Tensor, o: { p?: number; training?: boolean } = {}): Tensor {
  const p = o.p ?? 0.5;
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!(o.training ?? true) || p === 0) return x;
  if (p === 1) return binary("mul", x, 0);
  const noise = empty(x._shape, x.dtype).bernoulli_(1 - p);
  noise.div_(1 - p);
  return binary("mul", x, noise);
}

export { scaled_dot_product_attention } from "./attention.js";
