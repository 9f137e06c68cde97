// Element bits, for kernels that move elements without converting them (same-dtype casts,
// where): torch copies the bits, and a trip through a JS number would quiet a signalling NaN.
import type { TypedArray } from "../../dtype.js";

export type RawArray = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** The storage's elements as unsigned integers of the same width (same buffer, same indices). */
export function raw(data: TypedArray): RawArray {
  const { buffer, byteOffset, length } = data;
  switch (data.BYTES_PER_ELEMENT) {
    case 1: return new Uint8Array(buffer, byteOffset, length);
    case 2: return new Uint16Array(buffer, byteOffset, length);
    case 4: return new Uint32Array(buffer, byteOffset, length);
    default: return new BigUint64Array(buffer, byteOffset, length);
  }
}
