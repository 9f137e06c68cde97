// The course's 2- and 4-bit packing: first value in the lowest bits.
import { describe, expect, it } from "vitest";
import { quant, torch } from "../../kernel/index.js";

describe("pack_weights / unpack_weights", () => {
  it("packs the course's [1, 0, 3, 2] at 2 bits into the byte 177 and back", () => {
    const unpacked = torch.tensor([1, 0, 3, 2], { dtype: torch.uint8 });
    const packed = quant.pack_weights(unpacked, 2);
    expect(packed.dtype).toBe(torch.uint8);
    // 1 | 0 << 2 | 3 << 4 | 2 << 6
    expect(packed.tolist()).toEqual([0b10_11_00_01]);
    expect(packed.tolist()).toEqual([177]);
    const back = quant.unpack_weights(packed, 2);
    expect(back.dtype).toBe(torch.uint8);
    expect(back.tolist()).toEqual([1, 0, 3, 2]);
  });

  it("packs 4-bit values two to a byte, low nibble first", () => {
    const packed = quant.pack_weights(torch.tensor([1, 15, 0, 9, 7, 8], { dtype: torch.uint8 }), 4);
    expect(packed.tolist()).toEqual([1 + 15 * 16, 0 + 9 * 16, 7 + 8 * 16]);
  });

  for (const bits of [2, 4]) {
    it(`round-trips every ${bits}-bit value`, () => {
      const n = 8 * 2 ** bits;
      // every value, in an order that puts each one in every position of a byte
      const values = Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % 2 ** bits);
      const t = torch.tensor(values, { dtype: torch.uint8 });
      const packed = quant.pack_weights(t, bits);
      expect(packed.shape).toEqual([(n * bits) / 8]);
      expect(quant.unpack_weights(packed, bits).tolist()).toEqual(values);
      // independent unpacking of each byte
      const bytes = packed.tolist() as number[];
      const mine = bytes.flatMap((b) => Array.from({ length: 8 / bits }, (_, j) => Math.floor(b / 2 ** (bits * j)) % 2 ** bits));
      expect(mine).toEqual(values);
    });
  }

  it("rejects unsupported bits, lengths that do not fill bytes and values that do not fit", () => {
    const t = torch.tensor([1, 0, 3, 2], { dtype: torch.uint8 });
    expect(() => quant.pack_weights(t, 3)).toThrow(/bits must be 2 or 4.*got 3/);
    expect(() => quant.unpack_weights(t, 8)).toThrow(/bits must be 2 or 4.*got 8/);
    expect(() => quant.pack_weights(torch.tensor([1, 2, 3], { dtype: torch.uint8 }), 2)).toThrow(/multiple of 4 .*got 3/);
    expect(() => quant.pack_weights(torch.tensor([1, 4, 0, 0], { dtype: torch.uint8 }), 2)).toThrow(/value 4 at index 1 does not fit in 2 bits/);
    expect(() => quant.pack_weights(torch.tensor([0.5, 1]), 4)).toThrow(/integer \(uint8\) tensor.*torch\.float32/);
    expect(() => quant.pack_weights(torch.zeros(2, 2, { dtype: torch.uint8 }), 4)).toThrow(/1-D tensor.*\[2, 2\].*reshape\(-1\)/);
  });
});
