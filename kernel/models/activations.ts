// transformers' ACT2FN: the activation a config names (hidden_act / activation_function).
import { gelu, relu, sigmoid, silu, tanh } from "../nn/functional.js";
import { Tensor } from "../tensor/tensor.js";

const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  gelu: (x) => gelu(x),
  gelu_new: (x) => gelu(x, { approximate: "tanh" }),
  gelu_fast: (x) => gelu(x, { approximate: "tanh" }),
  gelu_pytorch_tanh: (x) => gelu(x, { approximate: "tanh" }),
  relu,
  silu,
  swish: silu,
  sigmoid,
  tanh,
};

/** The activation function named `name`; the error lists the names known. */
export function get_activation(name: string, source = "config.json"): (x: Tensor) => Tensor {
  const f = ACTIVATIONS[name];
  if (!f) throw new Error(`${source}: activation "${name}" is not supported (supported: ${Object.keys(ACTIVATIONS).join(", ")})`);
  return f;
}
