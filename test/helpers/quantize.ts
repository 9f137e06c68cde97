// Inputs and bit-exact checks for the native quantizer tests (test/native/quantize_*.test.ts).
import { expect } from "vitest";
import type { TypedArray } from "../../kernel/tensor/dtype.js";
import { to_bf16, to_f16 } from "../../kernel/tensor/half.js";
import type { Rng } from "./prng.js";

export const F16 = 6, BF16 = 7, F32 = 8;
export const FLOAT_DTYPES = [F32, BF16, F16] as const;
export const DTYPE_NAME: Record<number, string> = { [F16]: "float16", [BF16]: "bfloat16", [F32]: "float32" };

/** values rounded to a float dtype, in its storage, after `pad` elements that are not part of it */
export function encode(dtype: number, values: readonly number[], pad = 0): TypedArray {
  const all = [...Array.from({ length: pad }, (_, i) => i + 0.5), ...values];
  if (dtype === F32) return Float32Array.from(all);
  return Uint16Array.from(all, dtype === BF16 ? (v) => to_bf16(v) : to_f16);
}

/** Magnitudes each float dtype holds: its largest finite value and its smallest subnormal. */
export const LIMITS: Record<number, { max: number; sub: number }> = {
  [F32]: { max: 3.4028234663852886e38, sub: 2 ** -149 },
  [BF16]: { max: 3.3895313892515355e38, sub: 2 ** -133 },
  [F16]: { max: 65504, sub: 2 ** -24 },
};

/** n finite values for a quantizer: normal values at a random scale, with runs (of `run` values)
 *  that are all zero, constant, huge (up to the dtype's max), tiny (subnormal) or of mixed magnitudes. */
export function weights(rng: Rng, dtype: number, n: number, run: number): number[] {
  const out: number[] = [];
  const { max, sub } = LIMITS[dtype]!;
  while (out.length < n) {
    const len = Math.min(n - out.length, run);
    const kind = rng.int(0, 9);
    const scale = rng.pick([1e-3, 0.02, 1, 300]);
    for (let i = 0; i < len; i++) {
      switch (kind) {
        case 0: out.push(0); break;
        case 1: out.push(i % 3 === 0 ? -0 : 0.25); break;
        case 2: out.push(rng.normal() * max / 8); break;
        case 3: out.push(rng.int(-40, 40) * sub); break;
        case 4: out.push(rng.normal() * 10 ** rng.int(-6, 6)); break;
        default: out.push(rng.normal() * scale);
      }
    }
  }
  return out.map((v) => Math.max(-max, Math.min(max, v)));
}

/** got and want byte for byte (float storages by their bits: -0, NaN payloads), naming the first
 *  difference. */
export function same_bytes(got: TypedArray, want: TypedArray, what: string): void {
  const g = new Uint8Array(got.buffer, got.byteOffset, got.byteLength);
  const w = new Uint8Array(want.buffer, want.byteOffset, want.byteLength);
  expect(g.length, what).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    if (g[i] !== w[i]) {
      const e = Math.floor(i / got.BYTES_PER_ELEMENT);
      expect.fail(`${what}: element ${e} differs: got ${String(got[e])}, want ${String(want[e])}`);
    }
  }
}
