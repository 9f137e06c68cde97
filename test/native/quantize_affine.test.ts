// Native quantizeRtn (round to nearest into the GEMV's int8 / uint4 / uint2 layouts) and
// quantoQuantize (optimum-quanto's quantize_weight, packed along dim 0) against the TypeScript
// reference on every instruction set x 1/2 threads, bit for bit: groups that do and do not divide
// the row, odd row lengths (a part-filled last byte), 1xN and Nx1, fp32/bf16/fp16 inputs from an
// offset, all-zero and constant groups, huge and subnormal rows (scales that underflow: NaN and
// wrapped codes as the TypeScript stores them), row counts that do not fill the packed rows, enough
// rows to split across threads, the first NaN/Inf refused, and the checks at the boundary. Output
// storages are prefilled, so stray writes show.
import { expect, it } from "vitest";
import type { TypedArray } from "../../kernel/tensor/dtype.js";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { DTYPE_NAME, encode, F16, F32, FLOAT_DTYPES, LIMITS, same_bytes, weights } from "../helpers/quantize.js";

const PAD = 2;
const UINT8 = 1;

function check_rtn(N: number, K: number, bits: number, group: number, dtype: number, values: number[], name: string): void {
  const x = encode(dtype, values, PAD);
  const G = Math.ceil(K / group), bytes = bits === 8 ? N * K : N * Math.ceil(K / (8 / bits));
  const q = bits === 8 ? new Int8Array(bytes + 3).fill(99) : new Uint8Array(bytes + 3).fill(0xa5);
  const scale = new Float32Array((bits === 8 ? N : N * G) + 2).fill(7), zero = new Float32Array(N * G + 2).fill(7);
  const what = `${bits}-bit [${N}, ${K}] group ${group} ${DTYPE_NAME[dtype]} (${name})`;
  against_reference([q, scale, zero, new Float64Array(1)], (k, [qo, so, zo, ret]) => {
    ret![0] = k.quantizeRtn(N, K, bits, group, x, dtype, PAD, qo as Uint8Array, so as Float32Array, bits === 8 ? null : zo as Float32Array);
  }, ([gq, gs, gz, gr], [wq, ws, wz, wr], where) => {
    expect(gr![0], `${where}, ${what}: refused index`).toBe(wr![0]);
    if (wr![0]! >= 0) return;  // the outputs of a refusal are unspecified
    same_bytes(gq!, wq!, `${where}, ${what}: codes`);
    same_bytes(gs!, ws!, `${where}, ${what}: scale`);
    same_bytes(gz!, wz!, `${where}, ${what}: zero`);
  });
}

// per row of the grouped weight: MaxOptimizer's scale (rmax - rmin) / range and shift -rmin, or
// AbsmaxOptimizer's absmax / 127, in the weight's dtype; some rows get 0 or subnormal scales
function stats(rng: Rng, dtype: number, R: number, C: number, v: number[], bits: number, zeropoint: boolean): [TypedArray, TypedArray | null] {
  const scale: number[] = [], shift: number[] = [];
  for (let r = 0; r < R; r++) {
    const row = v.slice(r * C, (r + 1) * C);
    const lo = Math.min(...row), hi = Math.max(...row);
    let s = bits === 8 ? Math.max(-lo, hi) / 127 : (hi - lo) / (2 ** bits - 1);
    if (rng.chance(0.05)) s = rng.pick([0, LIMITS[dtype]!.sub, -s]);
    scale.push(s);
    shift.push(zeropoint ? Math.min(255, Math.max(0, Math.round(-lo / (s || 1)))) : -lo);
  }
  return [encode(dtype, scale), bits === 8 ? null : zeropoint ? Uint8Array.from(shift) : encode(dtype, shift)];
}

function check_quanto(R: number, C: number, bits: number, dtype: number, zeropoint: boolean, rng: Rng, name: string,
                      values = weights(rng, dtype, R * C, C)): void {
  const x = encode(dtype, values, PAD);
  const [scale, shift] = stats(rng, dtype, R, C, values, bits, zeropoint);
  const rows = bits === 8 ? R : Math.ceil(R / (8 / bits));
  const q = bits === 8 ? new Int8Array(R * C + 3).fill(99) : new Uint8Array(rows * C + 3).fill(0xa5);
  const what = `${bits}-bit [${R}, ${C}] ${DTYPE_NAME[dtype]}${zeropoint ? " zero point" : ""} (${name})`;
  against_reference([q], (k, [qo]) => k.quantoQuantize(R, C, bits, x.subarray(PAD), dtype, 0, scale, shift, zeropoint ? UINT8 : dtype, qo as Uint8Array),
    ([g], [w], where) => same_bytes(g!, w!, `${where}, ${what}`));
}

describe_native("native quantizeRtn", () => {
  it("8, 4 and 2 bits: groups on and off the row, odd lengths, 1xN, Nx1, fp32/bf16/fp16", () => {
    const rng = new Rng(9501);
    for (const bits of [8, 4, 2]) {
      for (const dtype of FLOAT_DTYPES) {
        for (const [N, K, group] of [[4, 256, 128], [5, 100, 32], [3, 77, 16], [2, 130, 128], [1, 300, 128], [17, 1, 128], [3, 33, 5],
          [6, 16, 16], [2, 17, 1], [1, 1, 1]]) {
          check_rtn(N, K, bits, group, dtype, weights(rng, dtype, N * K, rng.pick([group, K, 9])), "random");
        }
      }
    }
  });

  it("all-zero and constant rows, huge and subnormal rows, many rows over threads", () => {
    const rng = new Rng(9502);
    for (const bits of [8, 4, 2]) {
      for (const dtype of FLOAT_DTYPES) {
        check_rtn(300, 96, bits, 32, dtype, weights(rng, dtype, 300 * 96, 96), "300 rows");
        check_rtn(3, 40, bits, 8, dtype, [...new Array(40).fill(0), ...new Array(40).fill(-0), ...new Array(40).fill(0.5)], "zero and constant");
      }
      // rows whose absmax / 127 or range / 15 is subnormal or 0 in float32: NaN zeros, wrapped codes
      const sub = Array.from({ length: 8 * 64 }, (_, i) => rng.int(-300, 300) * 2 ** -149 * (1 + Math.floor(i / 64)));
      check_rtn(8, 64, bits, 16, F32, sub, "subnormal");
    }
  });

  it("refuses the first NaN/Inf", () => {
    const rng = new Rng(9503);
    for (const bits of [8, 4]) {
      for (const at of [[0], [300 * 64 - 1], [250 * 64 + 1, 10 * 64], [151 * 64, 150 * 64 + 63]]) {
        const v = weights(rng, F16, 300 * 64, 64);
        at.forEach((i, j) => { v[i] = [Infinity, NaN, -Infinity][j % 3]!; });
        check_rtn(300, 64, bits, 32, F16, v, `bad at ${at.join(", ")}`);
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const x = new Float32Array(8), q = new Uint8Array(4), s = new Float32Array(4), z = new Float32Array(4);
    type Args = Partial<{ bits: number; group: number; dt: number; q: Uint8Array | Int8Array; s: Float32Array; z: Float32Array | null }>;
    const run = (o: Args) => () => k.quantizeRtn(2, 4, o.bits ?? 4, o.group ?? 2, x, o.dt ?? F32, 0, o.q ?? q, o.s ?? s, o.z === undefined ? z : o.z);
    expect(run({})).not.toThrow();
    expect(run({ bits: 3 })).toThrow(/bits must be 8, 4 or 2, got 3/);
    expect(run({ group: 0 })).toThrow(/group must be at least 1, got 0/);
    expect(run({ bits: 8, group: 0, q: new Int8Array(8), z: null })).not.toThrow();
    expect(run({ dt: 9 })).toThrow(/input must be float32, bfloat16 or float16, not float64/);
    expect(run({ q: new Uint8Array(3) })).toThrow(/codes hold 3 bytes; 4 are needed/);
    expect(run({ s: new Float32Array(3) })).toThrow(/scale holds 3 values; 4 are needed/);
    expect(run({ z: null })).toThrow(/zero must be a Float32Array/);
    expect(run({ bits: 8, q: new Int8Array(7) })).toThrow(/codes hold 7 bytes; 8 are needed/);
  });
});

describe_native("native quantoQuantize", () => {
  it("qint8, qint4 and qint2 with float shifts and zero points: fp32/bf16/fp16, row counts off the packing", () => {
    const rng = new Rng(9511);
    for (const bits of [8, 4, 2]) {
      for (const dtype of FLOAT_DTYPES) {
        for (const zeropoint of bits === 8 ? [false] : [false, true]) {
          for (const [R, C] of [[64, 128], [25, 96], [33, 64], [1, 200], [7, 1], [2, 3], [1, 1], [3, 33]]) {
            check_quanto(R, C, bits, dtype, zeropoint, rng, "random");
          }
        }
      }
    }
  });

  it("all-zero and constant rows (0 / 0 codes), huge and subnormal rows, many rows over threads", () => {
    const rng = new Rng(9512);
    for (const bits of [8, 4, 2]) {
      for (const dtype of FLOAT_DTYPES) {
        check_quanto(1001, 64, bits, dtype, false, rng, "1001 rows");
        check_quanto(3, 16, bits, dtype, false, rng, "zero and constant",
          [...new Array(16).fill(0), ...new Array(16).fill(-0.75), ...new Array(16).fill(3)]);
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const x = new Float32Array(8), s = new Float32Array(4), sh = new Float32Array(4), q = new Uint8Array(4);
    type Args = Partial<{ bits: number; dt: number; s: TypedArray; sh: TypedArray | null; shdt: number; q: Uint8Array }>;
    const run = (o: Args) => () => k.quantoQuantize(4, 2, o.bits ?? 4, x, o.dt ?? F32, 0, o.s ?? s, o.sh === undefined ? sh : o.sh,
      o.shdt ?? F32, o.q ?? q);
    expect(run({})).not.toThrow();
    expect(run({ bits: 1 })).toThrow(/bits must be 8, 4 or 2, got 1/);
    expect(run({ dt: F16, s: new Uint16Array(4) })).toThrow(/element size 4 does not match dtype size 2/);
    expect(run({ s: new Float32Array(3) })).toThrow(/scale holds 3 values; 4 are needed/);
    expect(run({ sh: new Float32Array(3) })).toThrow(/shift holds 3 values; 4 are needed/);
    expect(run({ shdt: F16 })).toThrow(/shift must have the input's dtype or be uint8, not float16/);
    expect(run({ shdt: UINT8, sh: new Uint8Array(4) })).not.toThrow();
    expect(run({ bits: 8, q: new Uint8Array(8) })).toThrow(/int8 codes are symmetric; shift must be null/);
    expect(run({ bits: 8, sh: null, q: new Uint8Array(7) })).toThrow(/codes hold 7 bytes; 8 are needed/);
    expect(run({ q: new Uint8Array(3) })).toThrow(/codes hold 3 bytes; 4 are needed/);
  });
});
