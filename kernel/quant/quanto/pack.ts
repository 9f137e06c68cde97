// optimum-quanto's PackedTensor (tensor/packed.py, library/unpack.py): b-bit codes packed along
// dim 0. With vpi = 8 / b values per byte and row_dim = ceil(R / vpi), rows [i·row_dim,
// (i+1)·row_dim) of the [R, C] codes go to bits [b·i, b·(i+1)) of packed rows 0.. — for 4 bits
// packed[r] = data[r] | data[r + row_dim] << 4, not adjacent nibbles.
import { uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";

function check_bits(bits: number, fn: string): void {
  if (bits !== 2 && bits !== 4) throw new RangeError(`${fn}: bits must be 2 or 4, got ${bits}`);
}

function rows_cols(shape: readonly number[]): [number, number] {
  const R = shape[0];
  const C = shape.slice(1).reduce((a, b) => a * b, 1);
  return [R, C];
}

/** quanto's pack_weights(intweights, bits): uint8 codes in [0, 2^bits) → packed uint8
 *  [ceil(R / (8/bits)), ...rest]. */
export function pack_weights(intweights: Tensor, bits: number): Tensor {
  const fn = "quanto.pack_weights";
  check_bits(bits, fn);
  if (!(intweights instanceof Tensor) || intweights.dtype !== uint8) {
    throw new TypeError(`${fn}: expected a uint8 tensor of codes, got ${intweights instanceof Tensor ? intweights.dtype : typeof intweights}`);
  }
  if (intweights.ndim < 1) throw new RangeError(`${fn}: expected at least one dimension`);
  const shape = intweights.shape as number[];
  const [R, C] = rows_cols(shape);
  const vpi = 8 / bits;
  const row_dim = Math.ceil(R / vpi);
  const src = intweights.contiguous();
  const s = src._data as Uint8Array, so = src._offset;
  const out = new Uint8Array(row_dim * C);
  const max = (1 << bits) - 1;
  for (let r = 0; r < R; r++) {
    const i = Math.floor(r / row_dim), pr = r - i * row_dim, sh = bits * i;
    for (let c = 0; c < C; c++) {
      const v = s[so + r * C + c];
      if (v > max) throw new RangeError(`${fn}: code ${v} at [${r}, ${c}] does not fit in ${bits} bits`);
      out[pr * C + c] |= v << sh;
    }
  }
  return new Tensor(out, uint8, [row_dim, ...shape.slice(1)]);
}

/** quanto's unpack_weights(packed, bits) cut to the original row count: `cat_i((packed >> b·i) &
 *  (2^b − 1))[:rows]`. */
export function unpack_weights(packed: Tensor, bits: number, rows?: number): Tensor {
  const fn = "quanto.unpack_weights";
  check_bits(bits, fn);
  if (!(packed instanceof Tensor) || packed.dtype !== uint8) {
    throw new TypeError(`${fn}: expected a packed uint8 tensor, got ${packed instanceof Tensor ? packed.dtype : typeof packed}`);
  }
  const shape = packed.shape as number[];
  const [PR, C] = rows_cols(shape);
  const vpi = 8 / bits;
  const R = rows ?? PR * vpi;
  if (!Number.isInteger(R) || R < 0 || R > PR * vpi) throw new RangeError(`${fn}: rows must be an integer in [0, ${PR * vpi}], got ${rows}`);
  const src = packed.contiguous();
  const s = src._data as Uint8Array, so = src._offset;
  const out = new Uint8Array(R * C);
  const mask = (1 << bits) - 1;
  for (let r = 0; r < R; r++) {
    const i = Math.floor(r / PR), pr = r - i * PR, sh = bits * i;
    for (let c = 0; c < C; c++) out[r * C + c] = (s[so + pr * C + c] >> sh) & mask;
  }
  return new Tensor(out, uint8, [R, ...shape.slice(1)]);
}

/** PackedTensor: what a frozen qint4/qint2 weight's `_data` is. Its one buffer `_data` holds the
 *  packed bytes, so a state dict names them `weight._data._data` as quanto's does. */
export class PackedTensor extends Module {
  declare _data: Tensor;
  declare _bits: number;
  declare _shape: number[];

  constructor(packed: Tensor, bits: number, shape: readonly number[]) {
    super();
    check_bits(bits, "quanto.PackedTensor");
    Object.defineProperty(this, "_bits", { enumerable: false, writable: true, value: bits });
    Object.defineProperty(this, "_shape", { enumerable: false, writable: true, value: [...shape] });
    this.register_buffer("_data", packed);
  }

  /** PackedTensor.pack(t, bits): t holds uint8 codes < 2^bits */
  static pack(t: Tensor, bits = 4): PackedTensor {
    return new PackedTensor(pack_weights(t, bits), bits, t.shape);
  }

  unpack(): Tensor {
    return unpack_weights(this._data, this._bits, this._shape[0]);
  }

  get bits(): number { return this._bits; }
  get shape(): number[] { return [...this._shape]; }
  get dtype() { return uint8; }

  override toString(): string {
    return `PackedTensor(${this.unpack()})`;
  }
}
