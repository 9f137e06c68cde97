// nn.Parameter: a Tensor that a Module registers as a parameter (and prints as one).
import { inspect } from "node:util";
import { float32 } from "../tensor/dtype.js";
import { format_tensor } from "../tensor/print.js";
import { Tensor } from "../tensor/tensor.js";

export class Parameter extends Tensor {
  /** Wraps `data` without copying (as torch.nn.Parameter does). */
  constructor(data?: Tensor, requires_grad = true) {
    const d = data ?? new Tensor(new Float32Array(0), float32, [0]);
    super(d._data, d._dtype, d._shape, d._strides, d._offset);
    this.requires_grad = requires_grad;
  }
  override toString(): string {
    return "Parameter containing:\n" + format_tensor(this);
  }
  override [inspect.custom](): string {
    return this.toString();
  }
}
