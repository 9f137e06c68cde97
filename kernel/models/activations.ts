// transformers' ACT2FN: the activation a config names (hidden_act, dense_act_fn), as a function.
import { gelu, relu, sigmoid, silu, tanh } from "../nn/functional.js";
import { Tensor } from "../tensor/tensor.js";

const ACT2FN: Record<string, (x: Tensor) => Tensor> = {
  gelu: (x) => gelu(x),
  gelu_new: (x) => gelu(x, { approximate: "tanh" }),
  gelu_pytorch_tanh: (x) => gelu(x, { approximate: "tanh" }),
  relu,
  silu,
  swish: silu,
  sigmoid,
  tanh,
};

export function act_fn(name: string): (x: Tensor) => Tensor {
  const f = ACT2FN[name];
  if (!f) throw new Error(`activation '${name}' is not supported (supported: ${Object.keys(ACT2FN).join(", ")})`);
  return f;
}
