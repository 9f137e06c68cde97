// Activation and dropout modules.
import { Tensor } from "../../tensor/tensor.js";
import { dropout, gelu, relu, silu, sigmoid, tanh } from "../functional.js";
import { Module } from "../module.js";
import { format_float } from "./normalization.js";

export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class GELU extends Module {
  approximate: "none" | "tanh";
  constructor(o: { approximate?: "none" | "tanh" } = {}) {
    super();
    this.approximate = o.approximate ?? "none";
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extra_repr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

export class Dropout extends Module {
  p: number;
  inplace: boolean;
  constructor(p: number | { p?: number; inplace?: boolean } = 0.5) {
    super();
    const o = typeof p === "number" ? { p } : p;
    this.p = o.p ?? 0.5;
    this.inplace = o.inplace ?? false;
    if (this.p < 0 || this.p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${this.p}`);
  }
  override forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }
  override extra_repr(): string {
    return `p=${format_float(this.p)}, inplace=${this.inplace ? "True" : "False"}`;
  }
}
