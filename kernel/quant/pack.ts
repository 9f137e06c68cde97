// The course's 2- and 4-bit weight packing: 8/bits consecutive values per byte, the first value in
// the lowest bits, so [1, 0, 3, 2] at 2 bits is 0b10_11_00_01 = 177.
import { uint8 } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

function check(fn: string, t: unknown, bits: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${fn}: expected a uint8 Tensor, got ${t === null ? "null" : typeof t}`);
  if (bits !== 2 && bits !== 4) throw new RangeError(`${fn}: bits must be 2 or 4 (the course packs 2- and 4-bit values into uint8), got ${String(bits)}`);
  if (t.dtype.is_floating_point || t.dtype.name === "bool") {
    throw new TypeError(`${fn}: expected an integer (uint8) tensor, got ${t.dtype}; quantize first, then .to(torch.uint8)`);
  }
  if (t.ndim !== 1) throw new RangeError(`${fn}: expected a 1-D tensor, got shape [${t.shape.join(", ")}]; flatten it with .reshape(-1) first`);
}

/** pack_weights(uint8tensor, bits): a uint8 tensor of length n·bits/8. */
export function pack_weights(uint8tensor: Tensor, bits: number): Tensor {
  const fn = "pack_weights";
  check(fn, uint8tensor, bits);
  const n = uint8tensor.shape[0]!;
  if ((n * bits) % 8 !== 0) {
    throw new RangeError(`${fn}: the input length must be a multiple of ${8 / bits} for ${bits}-bit packing, got ${n}; pad it with zeros`);
  }
  const values = uint8tensor.tolist() as number[];
  const top = 2 ** bits - 1;
  const bad = values.findIndex((v) => !(v >= 0 && v <= top));
  // an out-of-range value would spill into its neighbours' bits
  if (bad >= 0) throw new RangeError(`${fn}: value ${values[bad]} at index ${bad} does not fit in ${bits} bits (0..${top})`);
  const steps = 8 / bits;
  const out = new Uint8Array((n * bits) / 8);
  for (let i = 0; i < out.length; i++) {
    let byte = 0;
    for (let j = 0; j < steps; j++) byte |= values[i * steps + j]! << (bits * j);
    out[i] = byte;
  }
  return new Tensor(out, uint8, [out.length]);
}

/** unpack_weights(uint8tensor, bits): the n·8/bits values pack_weights packed, as uint8. */
export function unpack_weights(uint8tensor: Tensor, bits: number): Tensor {
  check("unpack_weights", uint8tensor, bits);
  const packed = uint8tensor.tolist() as number[];
  const steps = 8 / bits;
  const mask = 2 ** bits - 1;
  const out = new Uint8Array(packed.length * steps);
  for (let i = 0; i < packed.length; i++) {
    for (let j = 0; j < steps; j++) out[i * steps + j] = (packed[i]! >> (bits * j)) & mask;
  }
  return new Tensor(out, uint8, [out.length]);
}
