// Native hqqProximal (hqq's proximal solver of the zero points, and the codes) against the
// TypeScript reference on every instruction set x 1/2 threads, bit for bit: zeros, codes, each
// round's error and the number of rounds, for row groups (axis 1) and column groups (axis 0),
// 1xN and Nx1 views, 1 to 8 bits, hqq's solver parameters and others, plain rounding (0 rounds),
// all-zero and constant groups, tiny weights (the inverse scale at its 2e4 cap) and large ones, enough
// groups to split across threads, and the checks at the boundary. Output storages are prefilled,
// so stray writes show.
import { expect, it } from "vitest";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { same_bytes } from "../helpers/quantize.js";

interface Case { R: number; C: number; axis: 0 | 1; max_v: number; iters: number; lp_norm?: number; beta?: number; kappa?: number; round_zero?: boolean }

// hqq's starting point: inverse scale max_v / (max − min) per group (1 for a flat group, at most
// 2e4) and zero −min·s
function initial(W: Float32Array, c: Case): [Float32Array, Float32Array] {
  const n = c.axis === 1 ? c.R : c.C;
  const scale = new Float32Array(n), zero = new Float32Array(n);
  for (let g = 0; g < n; g++) {
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < (c.axis === 1 ? c.C : c.R); j++) {
      const v = W[c.axis === 1 ? g * c.C + j : j * c.C + g]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const d = Math.fround(hi - lo);
    scale[g] = Math.min(2e4, Math.abs(d) <= 1e-4 ? 1 : Math.fround(c.max_v / d));
    zero[g] = c.round_zero ? Math.round(Math.fround(-lo * scale[g]!)) : Math.fround(-lo * scale[g]!);
  }
  return [scale, zero];
}

function check(c: Case, W: Float32Array, name: string): void {
  const [scale, zero0] = initial(W, c);
  const zero = new Float32Array(zero0.length + 2).fill(7);
  zero.set(zero0);
  const codes = new Uint8Array(c.R * c.C + 3).fill(0xa5), errors = new Float64Array(c.iters + 2).fill(-1);
  const what = `[${c.R}, ${c.C}] axis ${c.axis} max_v ${c.max_v} iters ${c.iters} (${name})`;
  against_reference([zero, codes, errors, new Float64Array(1)], (k, [z, q, e, ret]) => {
    ret![0] = k.hqqProximal(c.R, c.C, c.axis, W, scale, z as Float32Array, c.max_v, c.lp_norm ?? 0.7, c.beta ?? 10, c.kappa ?? 1.01,
      c.iters, q as Uint8Array, e as Float64Array);
  }, ([gz, gq, ge, gr], [wz, wq, we, wr], where) => {
    expect(gr![0], `${where}, ${what}: rounds`).toBe(wr![0]);
    same_bytes(gz!, wz!, `${where}, ${what}: zeros`);
    same_bytes(gq!, wq!, `${where}, ${what}: codes`);
    same_bytes(ge!, we!, `${where}, ${what}: errors`);
  });
}

function normal(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

describe_native("native hqqProximal", () => {
  it("row and column groups, 1 to 8 bits, 1xN and Nx1, hqq's parameters and others", () => {
    const rng = new Rng(9601);
    for (const axis of [0, 1] as const) {
      for (const max_v of [255, 15, 7, 3, 2, 1]) {
        for (const [R, C] of [[96, 64], [64, 96], [1, 256], [256, 1], [3, 5]]) {
          check({ R, C, axis, max_v, iters: 20, round_zero: max_v === 15 }, normal(rng, R * C, 0.05), "hqq");
        }
      }
      check({ R: 32, C: 48, axis, max_v: 15, iters: 50, lp_norm: 0.5, beta: 3, kappa: 1.05 }, normal(rng, 32 * 48), "other parameters");
      check({ R: 32, C: 48, axis, max_v: 15, iters: 0 }, normal(rng, 32 * 48), "plain rounding");
    }
  });

  it("all-zero and constant groups, tiny and large weights, many groups over threads", () => {
    const rng = new Rng(9602);
    for (const axis of [0, 1] as const) {
      const W = normal(rng, 40 * 64, 0.02);
      // group 3 all zeros, group 7 constant: row 3 / 7 (axis 1) or column 3 / 7 (axis 0)
      for (let j = 0; j < (axis === 1 ? 64 : 40); j++) {
        W[axis === 1 ? 3 * 64 + j : j * 64 + 3] = 0;
        W[axis === 1 ? 7 * 64 + j : j * 64 + 7] = 0.25;
      }
      check({ R: 40, C: 64, axis, max_v: 15, iters: 20 }, W, "zero and constant groups");
      check({ R: 16, C: 64, axis, max_v: 15, iters: 20 }, normal(rng, 16 * 64, 1e-6), "tiny: scale capped");
      check({ R: 16, C: 64, axis, max_v: 7, iters: 20 }, normal(rng, 16 * 64, 3e4), "large");
      check({ R: 1024, C: 64, axis, max_v: 15, iters: 20, round_zero: true }, normal(rng, 1024 * 64, 0.05), "1024 rows");
      check({ R: 64, C: 1024, axis, max_v: 3, iters: 20 }, normal(rng, 64 * 1024, 0.05), "1024 columns");
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const W = new Float32Array(6), s = new Float32Array(2).fill(1), z = new Float32Array(2), q = new Uint8Array(6), e = new Float64Array(3);
    type Args = Partial<{ axis: number; W: Float32Array; s: Float32Array; z: Float32Array; max_v: number; iters: number; q: Uint8Array; e: Float64Array }>;
    const run = (o: Args) => () => k.hqqProximal(2, 3, o.axis ?? 1, o.W ?? W, o.s ?? s, o.z ?? z, o.max_v ?? 15, 0.7, 10, 1.01, o.iters ?? 3,
      o.q ?? q, o.e ?? e);
    expect(run({})).not.toThrow();
    expect(run({ axis: 2 })).toThrow(/axis must be 0 or 1, got 2/);
    expect(run({ W: new Float32Array(5) })).toThrow(/W holds 5 values; 6 are needed/);
    expect(run({ axis: 0, s: new Float32Array(2) })).toThrow(/scale holds 2 values; 3 are needed/);
    expect(run({ z: new Float64Array(2) as unknown as Float32Array })).toThrow(/zero must be a Float32Array/);
    expect(run({ max_v: 256 })).toThrow(/max_v must be in \[0, 255\]/);
    expect(run({ iters: -1 })).toThrow(/iters must be >= 0, got -1/);
    expect(run({ q: new Uint8Array(5) })).toThrow(/codes holds 5 values; 6 are needed/);
    expect(run({ e: new Float64Array(2) })).toThrow(/errors holds 2 values; 3 are needed/);
    expect(run({ e: new Float32Array(3) as unknown as Float64Array })).toThrow(/errors must be a Float64Array/);
  });
});
