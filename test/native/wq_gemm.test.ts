// Native wqGemm (weight-only quantized products: int8 rows, uint4/uint2 rows with group scale and
// zero, bitsandbytes' code4) against the TypeScript reference on every instruction set x 1/2
// threads: the fused GEMV (M = 1) and the tiled GEMM, groups that are and are not a multiple of the
// SIMD units (widened codes: 32 AVX2, 64 AVX-512; a plain vector of codes: 64/128 4-bit and 128/256
// 2-bit weights; code4's 64-blocks two to a plain unit in the AVX-512 float32 GEMV, with a block
// left over at the row end), groups of several units, ragged row ends, code4 blocks across rows and odd sizes, 1xN and
// Nx1 weights, fp32/bf16/fp16 activations, weights rounded to bf16/fp16, bias, NaN inputs.
//
// Tolerance: the reference sums in float64 over weights it dequantizes one by one; the native kernel
// sums in float32, in lanes of 8 or 16 (each lane a sequential sum of at most ceil(K/8) products),
// folds the lanes in a tree and adds ragged ends and (int8) scales the row sum once. The classical
// bound for such a sum is n·u·Σ|x·w| with n the longest chain of roundings, here ceil(K/8) + 24 with
// u = 2^-24; rounding the output to a 16-bit type can then move both by one ulp of that type.
import { expect, it } from "vitest";
import type { Kernels } from "../../kernel/tensor/backend/types.js";
import { WQ_FORMAT, wq_weight } from "../../kernel/tensor/backend/reference/wq.js";
import { from_bf16, from_f16, to_bf16, to_f16 } from "../../kernel/tensor/half.js";
import type { TypedArray } from "../../kernel/tensor/dtype.js";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";

const F16 = 6, BF16 = 7, F32 = 8;
const MANTISSA: Record<number, number> = { [F16]: 10, [BF16]: 7, [F32]: 23 };
type Format = keyof typeof WQ_FORMAT;

interface Case {
  format: Format;
  M: number; N: number; K: number; group: number;
  x_dtype: number; w_dtype: number; y_dtype: number;
  bias: boolean;
}

interface Operands {
  x: TypedArray; x_values: Float64Array;
  w: Uint8Array | Int8Array; scale: Float32Array; zero: Float32Array | null; code: Float32Array | null;
  bias: Float32Array | null;
}

function floats(dtype: number, values: number[]): [TypedArray, Float64Array] {
  if (dtype === F32) {
    const a = Float32Array.from(values);
    return [a, Float64Array.from(a)];
  }
  const enc = dtype === BF16 ? (v: number) => to_bf16(v) : to_f16;
  const dec = dtype === BF16 ? from_bf16 : from_f16;
  const a = Uint16Array.from(values, enc);
  return [a, Float64Array.from(a, dec)];
}

function operands(rng: Rng, c: Case): Operands {
  const { format, M, N, K, group } = c;
  const [x, x_values] = floats(c.x_dtype, Array.from({ length: M * K }, () => rng.normal()));
  const stats = format === "int8" ? N : format === "code4" ? Math.ceil(N * K / group) : N * Math.ceil(K / group);
  const bytes = format === "int8" ? N * K : format === "code4" ? Math.ceil(N * K / 2) : N * Math.ceil(K / (format === "uint2" ? 4 : 2));
  const w = format === "int8" ? Int8Array.from({ length: bytes }, () => rng.int(-128, 127)) : Uint8Array.from({ length: bytes }, () => rng.int(0, 255));
  const scale = Float32Array.from({ length: stats }, () => 0.001 + 0.1 * rng.float());
  const top = format === "uint2" ? 3 : 15;
  // zeros are floats (GPTQ's zero + 1, quanto's shifts), mostly inside the code range
  const zero = format === "uint4" || format === "uint2" ? Float32Array.from({ length: stats }, () => rng.float() * top) : null;
  const code = format === "code4" ? Float32Array.from({ length: 16 }, () => 2 * rng.float() - 1) : null;
  const bias = c.bias ? Float32Array.from({ length: N }, () => rng.normal()) : null;
  return { x, x_values, w, scale, zero, code, bias };
}

function call(k: Kernels, c: Case, o: Operands, y: TypedArray): void {
  k.wqGemm(c.M, c.N, c.K, WQ_FORMAT[c.format], c.group, o.x, c.x_dtype, 0, o.w, o.scale, o.zero, o.code, c.w_dtype,
    y, c.y_dtype, 0, o.bias, F32, 0);
}

function read_out(dtype: number, a: TypedArray, i: number): number {
  return dtype === F32 ? a[i] as number : dtype === BF16 ? from_bf16(a[i] as number) : from_f16(a[i] as number);
}

function ulp(dtype: number, v: number): number {
  return 2 ** (Math.floor(Math.log2(Math.max(Math.abs(v), 2 ** -14))) - MANTISSA[dtype]!);
}

function check(rng: Rng, c: Case): void {
  const o = operands(rng, c);
  const W = wq_weight(WQ_FORMAT[c.format], c.N, c.K, c.group, o.w, o.scale, o.zero, o.code, c.w_dtype);
  const bound = new Float64Array(c.M * c.N);
  for (let m = 0; m < c.M; m++)
    for (let n = 0; n < c.N; n++) {
      let s = 0;
      for (let k = 0; k < c.K; k++) s += Math.abs(o.x_values[m * c.K + k]! * W(n, k));
      bound[m * c.N + n] = (Math.ceil(c.K / 8) + 24) * 2 ** -24 * (s + Math.abs(o.bias?.[n] ?? 0));
    }
  const y = c.y_dtype === F32 ? new Float32Array(c.M * c.N + 2) : new Uint16Array(c.M * c.N + 2);
  y.fill(c.y_dtype === F32 ? 7 : 0x4170);  // stray writes past [M, N] would show
  const name = `${c.format} [${c.N}, ${c.K}] group ${c.group}, M ${c.M}, x ${c.x_dtype} w ${c.w_dtype} y ${c.y_dtype}${c.bias ? " +bias" : ""}`;
  against_reference([y], (k, [out]) => call(k, c, o, out!), ([got], [want], where) => {
    for (let i = 0; i < y.length; i++) {
      const g = read_out(c.y_dtype, got!, i), w = read_out(c.y_dtype, want!, i);
      if (i >= c.M * c.N) {
        expect(g, `${where}, ${name}: wrote past the output at ${i}`).toBe(w);
        continue;
      }
      const tol = bound[i]! + ulp(c.y_dtype, Math.abs(w) + bound[i]!);
      if (!(Math.abs(g - w) <= tol)) expect.fail(`${where}, ${name}: y[${i}] = ${g}, reference ${w}, tolerance ${tol}`);
    }
  });
}

const base = { x_dtype: F32, w_dtype: F32, y_dtype: F32, bias: false };

describe_native("native wqGemm", () => {
  it("uint4 and uint2: groups on and off the SIMD unit, ragged row ends, GEMV and GEMM", () => {
    const rng = new Rng(9201);
    for (const format of ["uint4", "uint2"] as const) {
      for (const [N, K, group] of [[7, 128, 64], [9, 256, 128], [5, 200, 64], [6, 130, 128], [4, 100, 32], [3, 96, 96],
        [5, 77, 16], [3, 40, 64], [1, 300, 128], [37, 1, 64], [1, 1, 1], [6, 600, 256], [5, 520, 256], [4, 1100, 512]] as const) {
        for (const M of [1, 3]) check(rng, { ...base, format, M, N, K, group });
      }
    }
  });

  it("code4 (bitsandbytes' layout): blocks within rows, across rows, odd sizes", () => {
    const rng = new Rng(9202);
    for (const [N, K, group] of [[6, 128, 64], [3, 512, 256], [8, 64, 64], [7, 37, 64], [5, 96, 64], [1, 192, 128],
      [33, 1, 64], [1, 1, 64], [4, 130, 64], [5, 192, 64], [13, 320, 64], [9, 160, 32]] as const) {
      for (const M of [1, 2, 6]) check(rng, { ...base, format: "code4", M, N, K, group });
    }
  });

  it("int8 rows: around the vector widths, GEMV and GEMM", () => {
    const rng = new Rng(9203);
    for (const [N, K] of [[5, 1], [3, 15], [6, 16], [5, 31], [7, 32], [4, 33], [9, 64], [3, 257], [1, 300], [41, 7]] as const) {
      for (const M of [1, 5]) check(rng, { ...base, format: "int8", M, N, K, group: 1 });
    }
  });

  it("bf16/fp16 activations and outputs, weights rounded to bf16/fp16, bias", () => {
    const rng = new Rng(9204);
    for (const format of ["uint4", "uint2", "code4", "int8"] as const) {
      for (const dt of [BF16, F16]) {
        const w_dtype = format === "int8" ? F32 : dt;
        for (const M of [1, 4]) {
          check(rng, { format, M, N: 11, K: 192, group: 64, x_dtype: dt, w_dtype, y_dtype: dt, bias: true });
          check(rng, { format, M, N: 5, K: 128, group: 128, x_dtype: dt, w_dtype, y_dtype: F32, bias: true });
          check(rng, { format, M, N: 5, K: 128, group: 64, x_dtype: F32, w_dtype, y_dtype: dt, bias: false });
        }
      }
    }
  });

  it("many rows (the thread split) and long rows", () => {
    const rng = new Rng(9205);
    for (const format of ["uint4", "code4", "int8", "uint2"] as const) {
      check(rng, { ...base, format, M: 1, N: 203, K: 1024, group: 128 });
      check(rng, { ...base, format, M: 1, N: 61, K: 1088, group: 64 });
      check(rng, { ...base, format, M: 9, N: 70, K: 640, group: 64 });
    }
  });

  it("NaN and Inf in the input propagate to the rows they meet, as in F.linear", () => {
    const c: Case = { ...base, format: "uint4", M: 3, N: 6, K: 128, group: 64, bias: true };
    const o = operands(new Rng(9206), c);
    (o.x as Float32Array)[5] = NaN;
    (o.x as Float32Array)[c.K + 7] = Infinity;
    for (const M of [1, 3]) {
      const y = new Float32Array(M * c.N);
      call(native(), { ...c, M }, o, y);
      expect(y.slice(0, c.N).every(Number.isNaN)).toBe(true);
      if (M === 3) {
        expect(y.slice(c.N, 2 * c.N).every((v) => !Number.isFinite(v))).toBe(true);
        expect(y.slice(2 * c.N).every(Number.isFinite)).toBe(true);
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const x = new Float32Array(8), y = new Float32Array(6), s = new Float32Array(6), z = new Float32Array(6);
    const w = new Uint8Array(12);
    const run = (o: Partial<{ M: number; K: number; format: number; group: number; w: Uint8Array | Int8Array; s: Float32Array; z: Float32Array | null; code: Float32Array | null; wdt: number; y: TypedArray; yoff: number }>) =>
      () => k.wqGemm(o.M ?? 1, 3, o.K ?? 8, o.format ?? 1, o.group ?? 4, x, F32, 0, o.w ?? w, o.s ?? s, o.z === undefined ? z : o.z,
        o.code ?? null, o.wdt ?? F32, o.y ?? y, F32, o.yoff ?? 0, null, 0, 0);
    expect(run({})).not.toThrow();
    expect(run({ format: 4 })).toThrow(/unknown weight format 4/);
    expect(run({ group: 0 })).toThrow(/group must be at least 1/);
    expect(run({ w: new Uint8Array(11) })).toThrow(/weights hold 11 bytes; this layout needs 12/);
    expect(run({ s: new Float32Array(5) })).toThrow(/scale holds 5 values; 6 are needed/);
    expect(run({ z: null })).toThrow(/zero must be a Float32Array/);
    expect(run({ format: 3, group: 64 })).toThrow(/code must be a Float32Array/);
    expect(run({ format: 3, group: 64, code: new Float32Array(15) })).toThrow(/code holds 15 values; 16 are needed/);
    expect(run({ format: 0, wdt: BF16 })).toThrow(/int8 weights are scaled after the dot product/);
    expect(run({ wdt: 4 })).toThrow(/must be float32, bfloat16 or float16, not int32/);
    expect(run({ M: 2 })).toThrow(/input \[M, K\]: view reaches/);
    expect(run({ yoff: 4 })).toThrow(/output \[M, N\]/);
    expect(run({ w: new Uint16Array(12) as unknown as Uint8Array })).toThrow(/Uint8Array or Int8Array/);
  });
});
