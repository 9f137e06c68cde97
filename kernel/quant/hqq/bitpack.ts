// hqq's BitPack (hqq/core/bitpack.py): codes of the 2-D quantization view [R, C] packed along the
// rows. The rows are cut into `per` equal slices; slice i of every column goes to the bits at
// shift (per − 1 − i)·bits of one packed row, so the first slice sits in the highest bits:
// 4 bits packed[r] = q[r] << 4 | q[r + R/2]; 2 bits four slices at 6, 4, 2, 0; 1 bit eight at
// 7..0; 3 bits ten slices in an int32 at 27, 24, ..., 0 (hqq pads R to a multiple of 10 there).
// hqq's 4/2/1-bit packers need R to be a multiple of 2/4/8 (otherwise they drop or mix rows);
// here those row counts are zero-padded the way its 3-bit packer pads, and unpack returns the
// padded rows for the caller to cut, so the layout is hqq's wherever hqq's works.
import { DType, int32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";

export type Packing = "8bit_u8" | "4bit_u8" | "3bit_32" | "2bit_u8" | "1bit_u8";

interface Layout {
  bits: number;
  /** values per packed element */
  per: number;
}

const LAYOUT: Record<Packing, Layout> = {
  "8bit_u8": { bits: 8, per: 1 },
  "4bit_u8": { bits: 4, per: 2 },
  "3bit_32": { bits: 3, per: 10 },
  "2bit_u8": { bits: 2, per: 4 },
  "1bit_u8": { bits: 1, per: 8 },
};

/** the packed storage's dtype (hqq's Quantizer.unpack_view_dtype) */
export function unpack_view_dtype(packing: Packing) {
  return packing === "3bit_32" ? int32 : uint8;
}

function layout(packing: string, fn: string): Layout {
  const l = LAYOUT[packing as Packing];
  if (!l) throw new RangeError(`${fn}: unknown packing "${packing}"; expected one of ${Object.keys(LAYOUT).join(", ")}`);
  return l;
}

/** Packs uint8 codes [R, C] (each < 2^bits) into [ceil(R / per), C] uint8, or int32 for 3 bits. */
export function pack(codes: Uint8Array, R: number, C: number, packing: Packing): Tensor {
  const { bits, per } = layout(packing, "hqq.pack");
  const step = Math.ceil(R / per);
  const out = packing === "3bit_32" ? new Int32Array(step * C) : new Uint8Array(step * C);
  const max = (1 << bits) - 1;
  for (let r = 0; r < R; r++) {
    const slice = Math.floor(r / step), pr = r - slice * step;
    const shift = (per - 1 - slice) * bits;
    for (let c = 0; c < C; c++) {
      const v = codes[r * C + c]!;
      if (v > max) throw new RangeError(`hqq.pack: code ${v} at [${r}, ${c}] does not fit in ${bits} bits`);
      out[pr * C + c] |= v << shift;
    }
  }
  return new Tensor(out, packing === "3bit_32" ? int32 : uint8, [step, C]);
}

/** The inverse of pack: [per · rows, C] uint8 codes, padding rows included. */
export function unpack(packed: Tensor, packing: Packing): Uint8Array {
  const fn = "hqq.unpack";
  const { bits, per } = layout(packing, fn);
  const want = unpack_view_dtype(packing);
  if (!(packed instanceof Tensor) || packed.dtype !== want || packed.ndim !== 2) {
    const got = packed instanceof Tensor ? `${packed.dtype} [${packed.shape.join(", ")}]` : typeof packed;
    throw new TypeError(`${fn}: ${packing} expects a 2-D ${want} tensor of packed codes, got ${got}`);
  }
  const step = packed.shape[0]!, C = packed.shape[1]!;
  const src = packed.contiguous();
  const s = src._data as Uint8Array | Int32Array, so = src._offset;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(per * step * C);
  for (let slice = 0; slice < per; slice++) {
    const shift = (per - 1 - slice) * bits;
    for (let i = 0; i < step * C; i++) out[slice * step * C + i] = (s[so + i]! >>> shift) & mask;
  }
  return out;
}

function codes_of(W_q: Tensor, fn: string): [Uint8Array, number, number] {
  if (!(W_q instanceof Tensor) || W_q.ndim !== 2) throw new TypeError(`${fn}: expected a 2-D tensor of codes`);
  const R = W_q.shape[0]!, C = W_q.shape[1]!;
  const values = W_q.reshape(-1).tolist() as number[];
  const bad = values.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v <= 255));
  if (bad >= 0) throw new RangeError(`${fn}: codes must be integers in [0, 255], got ${values[bad]} at flat index ${bad}`);
  return [Uint8Array.from(values), R, C];
}

function packer(packing: Packing) {
  const name = `BitPack.pack_${packing}`;
  return (W_q: Tensor): Tensor => pack(...codes_of(W_q, name), packing);
}

function unpacker(packing: Packing) {
  return (W_q: Tensor, dtype: DType = uint8): Tensor => {
    const codes = unpack(W_q, packing);
    return new Tensor(codes, uint8, [codes.length / W_q.shape[1]!, W_q.shape[1]!]).to(dtype);
  };
}

/** hqq's BitPack: pack_<n>bit_<storage>(W_q) and unpack_<n>bit_<storage>(W_q, dtype = uint8). */
export const BitPack = {
  pack_8bit_u8: packer("8bit_u8"), unpack_8bit_u8: unpacker("8bit_u8"),
  pack_4bit_u8: packer("4bit_u8"), unpack_4bit_u8: unpacker("4bit_u8"),
  pack_3bit_32: packer("3bit_32"), unpack_3bit_32: unpacker("3bit_32"),
  pack_2bit_u8: packer("2bit_u8"), unpack_2bit_u8: unpacker("2bit_u8"),
  pack_1bit_u8: packer("1bit_u8"), unpack_1bit_u8: unpacker("1bit_u8"),
};
