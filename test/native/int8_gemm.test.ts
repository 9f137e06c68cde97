// Native int8Gemm (LLM.int8()'s int8 x int8 -> int32 product, B as [N, K] rows) against the
// TypeScript reference on every instruction set x 1/2 threads: odd K around the vector widths
// (16 AVX2, 32 AVX-512BW, 64 VNNI), M = 1 / N = 1, row blocks of B (256 KiB), the thread split over
// rows of A, offsets, and the extremes -128 / 127 with sums up to the int32 limit (and past it,
// where both wrap modulo 2^32).
import { expect, it } from "vitest";
import type { Kernels } from "../../kernel/tensor/backend/types.js";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";

function random_i8(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(-128, 127);
  return out;
}

function same(got: Int32Array, want: Int32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) expect(got[i], `${what}: element ${i}`).toBe(want[i]);
  }
}

// runs one product on every configuration, output storage pre-filled so stray writes show
function check(rng: Rng, M: number, N: number, K: number, a: Int8Array, b: Int8Array, name: string,
               offs = { a: 0, b: 0, c: 0 }): void {
  const out = new Int32Array(offs.c + M * N + 3);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(-1000, 1000);
  against_reference(
    [out],
    (k: Kernels, [c]) => k.int8Gemm(M, N, K, a, offs.a, b, offs.b, c as Int32Array, offs.c),
    ([got], [want], where) => same(got as Int32Array, want as Int32Array, `${where}, ${name}: ${M}x${K} @ (${N}x${K})^T`),
  );
}

describe_native("native int8Gemm", () => {
  it("odd shapes around the vector widths, M = 1, N = 1, K = 0", () => {
    const rng = new Rng(8101);
    const shapes: [number, number, number][] = [
      [1, 1, 1], [1, 1, 0], [3, 4, 0], [1, 7, 15], [1, 5, 16], [1, 9, 17], [2, 3, 31], [1, 4, 32], [3, 1, 33],
      [1, 6, 63], [2, 5, 64], [1, 11, 65], [4, 4, 127], [1, 13, 129], [5, 1, 300], [7, 9, 1000], [1, 257, 96],
      [0, 5, 7], [4, 0, 7],
    ];
    for (const [M, N, K] of shapes) check(rng, M, N, K, random_i8(rng, M * K), random_i8(rng, N * K), "fixed");
  });

  it("random shapes and offsets", () => {
    const rng = new Rng(8102);
    for (let t = 0; t < 16; t++) {
      const M = rng.pick([1, 1, 2, 3, 5, 8, 17]), N = rng.pick([1, 2, 3, 4, 5, 7, 31, 64, 100]), K = rng.int(1, 400);
      const offs = { a: rng.int(0, 5), b: rng.int(0, 5), c: rng.int(0, 5) };
      const a = random_i8(rng, offs.a + M * K + rng.int(0, 3)), b = random_i8(rng, offs.b + N * K + rng.int(0, 3));
      check(rng, M, N, K, a, b, `random ${t}`, offs);
    }
  });

  it("B beyond one row block, and threads over rows of A (N small, M large)", () => {
    const rng = new Rng(8103);
    check(rng, 3, 61, 5003, random_i8(rng, 3 * 5003), random_i8(rng, 61 * 5003), "row blocks");
    check(rng, 37, 3, 77, random_i8(rng, 37 * 77), random_i8(rng, 3 * 77), "split over M");
    check(rng, 40, 1, 129, random_i8(rng, 40 * 129), random_i8(rng, 129), "N = 1, split over M");
  });

  it("-128 and 127 everywhere: sums past 2^24 up to the int32 limit, and wrapping past it", () => {
    const rng = new Rng(8104);
    // rows of A: all -128, all 127, alternating; rows of B the same: |sum| <= 16384 K
    const rows = (K: number) => {
      const out = new Int8Array(3 * K);
      for (let k = 0; k < K; k++) {
        out[k] = -128;
        out[K + k] = 127;
        out[2 * K + k] = k % 2 ? 127 : -128;
      }
      return out;
    };
    // 16384 * 131071 = 2^31 - 16384: the largest all -128 sum that fits
    for (const K of [1025, 131071]) {
      const r = rows(K);
      check(rng, 3, 3, K, r, r, `extremes, K = ${K}`);
    }
    const K = 131071, r = rows(K);
    const c = new Int32Array(9);
    native().int8Gemm(3, 3, K, r, 0, r, 0, c, 0);
    expect(c[0]).toBe(16384 * K);
    expect(c[1]).toBe(-128 * 127 * K);
    expect(c[4]).toBe(127 * 127 * K);
    expect(Math.abs(c[0]!)).toBeGreaterThan(2 ** 24);
    // one more element and the int32 sum wraps; both backends wrap the same way
    const w = rows(131073);
    check(rng, 3, 3, 131073, w, w, "extremes past 2^31 (wrapping)");
    const cw = new Int32Array(9);
    native().int8Gemm(3, 3, 131073, w, 0, w, 0, cw, 0);
    expect(cw[0]).toBe((16384 * 131073) | 0);
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const a = new Int8Array(12), b = new Int8Array(8), c = new Int32Array(6);
    expect(() => k.int8Gemm(3, 2, 4, a, 0, b, 0, c, 0)).not.toThrow();
    expect(() => k.int8Gemm(3, 2, 4, a, 1, b, 0, c, 0)).toThrow(/int8_gemm: A \[M, K\]: view reaches/);
    expect(() => k.int8Gemm(3, 2, 5, a, 0, b, 0, c, 0)).toThrow(RangeError);
    expect(() => k.int8Gemm(3, 3, 4, a, 0, b, 0, c, 0)).toThrow(/B \[N, K\]/);
    expect(() => k.int8Gemm(3, 2, 4, a, 0, b, 0, c, 1)).toThrow(/output \[M, N\]/);
    expect(() => k.int8Gemm(3, 2, 4, new Uint8Array(12) as unknown as Int8Array, 0, b, 0, c, 0)).toThrow(/A must be an Int8Array/);
    expect(() => k.int8Gemm(3, 2, 4, a, 0, b, 0, new Float32Array(6) as unknown as Int32Array, 0)).toThrow(/output must be an Int32Array/);
    expect(() => k.int8Gemm(-1, 2, 4, a, 0, b, 0, c, 0)).toThrow(/negative size/);
    expect(() => k.int8Gemm(1.5, 2, 4, a, 0, b, 0, c, 0)).toThrow(/M must be an integer/);
  });
});
