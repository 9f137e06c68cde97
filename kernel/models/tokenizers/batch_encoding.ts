// transformers' BatchEncoding: a dict of model inputs. Its own enumerable properties are exactly
// the encodings, so `{ ...inputs }` passes them on (`model.generate({ ...inputs, max_new_tokens })`).
import { inspect } from "node:util";
import { Device, Tensor } from "../../tensor/tensor.js";

export type Encoded = Tensor | number[] | number[][];

export class BatchEncoding<T extends Encoded = Encoded> {
  declare input_ids: T;
  declare attention_mask?: T;
  declare token_type_ids?: T;

  constructor(data: Record<string, T>) {
    Object.assign(this, data);
  }

  keys(): string[] {
    return Object.keys(this);
  }
  values(): T[] {
    return Object.values(this) as T[];
  }
  items(): [string, T][] {
    return Object.entries(this) as [string, T][];
  }

  /** Moves the tensors to a device, in place, and returns this (as Python's BatchEncoding.to). */
  to(device: Device): this {
    for (const [k, v] of this.items()) if (v instanceof Tensor) (this as Record<string, unknown>)[k] = v.to(device);
    return this;
  }

  /** Python's dict repr: {'input_ids': tensor([[...]]), 'attention_mask': ...}. */
  toString(): string {
    const fmt = (v: T): string => v instanceof Tensor ? v.toString() : JSON.stringify(v).replaceAll(",", ", ");
    return `{${this.items().map(([k, v]) => `'${k}': ${fmt(v)}`).join(", ")}}`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}
