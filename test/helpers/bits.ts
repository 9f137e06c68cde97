// Bit-exact comparison of tensors: same dtype, shape and bytes (so -0/+0 and NaN payloads count),
// with the first differing element named in the failure.
import { expect } from "vitest";
import type { Tensor } from "../../kernel/tensor/tensor.js";

export function tensor_bytes(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const size = t.dtype.itemsize;
  return new Uint8Array(c._data.buffer, c._data.byteOffset + c._offset * size, c.numel() * size);
}

export function expect_bits(got: Tensor, want: Tensor, what: string): void {
  expect(String(got.dtype), `${what}: dtype`).toBe(String(want.dtype));
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const g = tensor_bytes(got), w = tensor_bytes(want);
  const size = want.dtype.itemsize;
  let bad = 0, first = -1;
  for (let i = 0; i < w.length; i++) {
    if (g[i] !== w[i]) {
      bad++;
      if (first < 0) first = Math.floor(i / size);
    }
  }
  const gl = got.reshape(-1).tolist() as number[], wl = want.reshape(-1).tolist() as number[];
  expect(bad, `${what}: ${bad} bytes differ, first at element ${first}: got ${gl[first]}, want ${wl[first]}`).toBe(0);
}
