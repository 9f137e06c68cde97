// torch.Size: an array of dimensions that prints as `torch.Size([2, 3])`.
import { inspect } from "node:util";

export class Size extends Array<number> {
  static from_dims(dims: readonly number[]): Size {
    const s = new Size();
    s.push(...dims);
    return Object.freeze(s) as Size;
  }
  numel(): number {
    return this.reduce((p, d) => p * d, 1);
  }
  override toString(): string {
    return `torch.Size([${this.join(", ")}])`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
  // map/filter/slice on a Size give plain arrays, not frozen Sizes
  static override get [Symbol.species]() {
    return Array;
  }
}
