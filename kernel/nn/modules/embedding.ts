// nn.Embedding: a lookup table of num_embeddings rows, initialised N(0, 1).
import { as_dtype } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { empty } from "../../tensor/ops/util.js";
import { Tensor } from "../../tensor/tensor.js";
import { embedding } from "../functional.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import type { FactoryOptions } from "./linear.js";

export class Embedding extends Module {
  num_embeddings: number;
  embedding_dim: number;
  padding_idx: number | null;
  weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, o: FactoryOptions & { padding_idx?: number | null; _weight?: Tensor } = {}) {
    super();
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    let pad = o.padding_idx ?? null;
    if (pad !== null) {
      if (pad >= num_embeddings || pad < -num_embeddings) throw new RangeError("Padding_idx must be within num_embeddings");
      if (pad < 0) pad += num_embeddings;
    }
    this.padding_idx = pad;
    if (o._weight) {
      this.weight = new Parameter(o._weight);
    } else {
      this.weight = new Parameter(empty([num_embeddings, embedding_dim], o.dtype ? as_dtype(o.dtype) : get_default_dtype()));
      this.reset_parameters();
    }
  }

  reset_parameters(): void {
    this.weight.normal_(0, 1);
    if (this.padding_idx !== null) this.weight.get(this.padding_idx).fill_(0);
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight);
  }

  override extra_repr(): string {
    return `${this.num_embeddings}, ${this.embedding_dim}${this.padding_idx !== null ? `, padding_idx=${this.padding_idx}` : ""}`;
  }
}
