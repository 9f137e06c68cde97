// Bad input at the native boundary: every kind of malformed argument must come back as a JS
// error (and leave the addon working), never a crash or an out-of-bounds access.
import { describe, expect, it } from "vitest";
import { native_addon, native_kernels, reference } from "../../kernel/tensor/backend/index.js";
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "../../kernel/tensor/backend/ops.js";
import type { NativeAddon } from "../../kernel/tensor/backend/native.js";
import { describe_native } from "../helpers/native.js";

type Fn = "cast" | "binary" | "unary" | "where" | "reduce" | "gemm" | "softmax" | "layerNorm";

// A valid call of each function on float32 storages of 4 elements (gemm: 2x2 @ 2x2).
function valid(fn: Fn): unknown[] {
  const f = () => new Float32Array(4);
  switch (fn) {
    case "cast": return [[4], f(), 8, 0, [1], new Float64Array(4), 9, 0, [1]];
    case "binary": return [0, 8, 8, [4], f(), 0, [1], f(), 0, [1], f(), 0, [1]];
    case "unary": return [0, 8, 8, [4], f(), 0, [1], f(), 0, [1], []];
    case "where": return [8, [4], f(), 0, [1], new Uint8Array(4), 0, [1], f(), 0, [1], f(), 0, [1]];
    case "reduce": return [0, 8, 8, [2], f(), 0, [1], f(), 0, [2], [2], [1], 1];
    case "gemm": return [1, 2, 2, 2, f(), 8, 0, [4, 2, 1], f(), 8, 0, [4, 2, 1], f(), 8, 0, f(), 8, 0];
    case "softmax": return [f(), 0, f(), 0, 8, 2, 2, false];
    case "layerNorm": return [f(), 0, f(), 0, 8, 2, 2, f(), 0, f(), 0, 8, 1e-5];
  }
}

// Where each function takes its (storage, offset, strides) operands; strides null: implied.
const OPERANDS: Record<Fn, [number, number, number | null][]> = {
  cast: [[1, 3, 4], [5, 7, 8]],
  binary: [[4, 5, 6], [7, 8, 9], [10, 11, 12]],
  unary: [[4, 5, 6], [7, 8, 9]],
  where: [[2, 3, 4], [5, 6, 7], [8, 9, 10], [11, 12, 13]],
  reduce: [[4, 5, 6], [7, 8, 9]],
  gemm: [[4, 6, 7], [8, 10, 11], [12, 14, null], [15, 17, null]],
  softmax: [[0, 1, null], [2, 3, null]],
  layerNorm: [[0, 1, null], [2, 3, null], [7, 8, null], [9, 10, null]],
};

const FNS = Object.keys(OPERANDS) as Fn[];

function call(fn: Fn, args: unknown[]): void {
  (native_addon()![fn] as (...a: unknown[]) => void)(...args);
}

function with_changes(fn: Fn, changes: Record<number, unknown>): unknown[] {
  const args = valid(fn);
  for (const [i, v] of Object.entries(changes)) args[Number(i)] = v;
  return args;
}

// A storage whose buffer was transferred away: it reads as empty.
function detached(): Float32Array {
  const a = new Float32Array(4);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

describe_native("native boundary", () => {
  it("the valid calls run", () => {
    for (const fn of FNS) expect(() => call(fn, valid(fn)), fn).not.toThrow();
  });

  describe("views reaching outside their storage, and malformed offsets, strides and storages", () => {
    for (const fn of FNS) {
      it(fn, () => {
        OPERANDS[fn].forEach(([d, o, s], k) => {
          const rank = s === null ? 0 : (valid(fn)[s] as number[]).length;
          const strides = (v: number) => Array.from({ length: rank }, (_, i) => (i === rank - 1 ? v : (valid(fn)[s!] as number[])[i]!));
          const storage = valid(fn)[d] as Float32Array;
          const Ctor = storage.constructor as new (n: number) => Float32Array;
          const bad: [string, Record<number, unknown>][] = [
            ["offset past the end", { [o]: 4 }],
            ["negative offset", { [o]: -1 }],
            ["offset of 2^52", { [o]: 2 ** 52 }],
            ["fractional offset", { [o]: 1.5 }],
            ["NaN offset", { [o]: NaN }],
            ["offset as a string", { [o]: "0" }],
            ["storage too short", { [d]: new Ctor(1) }],
            ["storage of a wider element", { [d]: storage.BYTES_PER_ELEMENT === 8 ? new Uint16Array(16) : new Float64Array(4) }],
            ["storage of a narrower element", { [d]: storage.BYTES_PER_ELEMENT === 1 ? new Uint16Array(4) : new Uint8Array(32) }],
            ["plain array storage", { [d]: [0, 0, 0, 0] }],
            ["DataView storage", { [d]: new DataView(new ArrayBuffer(32)) }],
            ["detached storage", { [d]: detached() }],
          ];
          if (s !== null) {
            bad.push(
              ["stride too large", { [s]: strides(5) }],
              ["negative stride without offset", { [s]: strides(-1) }],
              ["stride of 2^52", { [s]: strides(2 ** 52) }],
              ["stride beyond 2^53", { [s]: strides(2 ** 60) }],
              ["strides of the wrong length", { [s]: [...strides(1), 1] }],
              ["strides not an array", { [s]: 1 }],
              ["stride as a string", { [s]: strides(1).map(String) }],
            );
          }
          for (const [what, change] of bad) {
            expect(() => call(fn, with_changes(fn, change)), `${fn} operand ${k}: ${what}`).toThrow();
          }
        });
        expect(() => call(fn, valid(fn)), `${fn} still works`).not.toThrow();
      });
    }
  });

  it("strides whose reach overflows 64 bits (a wrapped sum could land inside the storage)", () => {
    // one span of 2^45 * (2^20 - 1) > 2^63, and two spans of 2^52 * (2^10 + 1) whose sum is beyond ±2^63
    expect(() => call("cast", with_changes("cast", { 0: [2 ** 20], 4: [2 ** 45] }))).toThrow(/beyond any storage/);
    expect(() => call("cast", with_changes("cast", { 0: [2 ** 10 + 2, 2 ** 10 + 2], 4: [2 ** 52, 2 ** 52] }))).toThrow(/beyond any storage/);
    expect(() => call("cast", with_changes("cast", { 0: [2 ** 10 + 2, 2 ** 10 + 2], 4: [-(2 ** 52), -(2 ** 52)] }))).toThrow(/beyond any storage/);
  });

  it("reduce: inner strides reaching outside, of the wrong length, or too many dimensions in all", () => {
    expect(() => call("reduce", with_changes("reduce", { 11: [3] }))).toThrow();
    expect(() => call("reduce", with_changes("reduce", { 11: [-1] }))).toThrow();
    expect(() => call("reduce", with_changes("reduce", { 11: [1, 1] }))).toThrow();
    expect(() => call("reduce", with_changes("reduce", { 10: [2, 1], 11: [1] }))).toThrow();
    expect(() => call("reduce", with_changes("reduce", { 9: [2, 2] }))).toThrow();
    const ones = (n: number) => Array<number>(n).fill(1);
    expect(() => call("reduce", with_changes("reduce", { 3: ones(9), 6: ones(9), 9: ones(9), 10: ones(8), 11: ones(8) }))).toThrow(/dimensions/);
    expect(() => call("reduce", with_changes("reduce", { 12: "1" }))).toThrow();
  });

  it("more than 16 dimensions", () => {
    const ones = Array<number>(17).fill(1);
    expect(() => call("cast", with_changes("cast", { 0: ones, 4: ones, 8: ones }))).toThrow(/at most 16/);
    expect(() => call("binary", with_changes("binary", { 3: ones, 6: ones, 9: ones, 12: ones }))).toThrow(/at most 16/);
    expect(() => call("unary", with_changes("unary", { 3: ones, 6: ones, 9: ones }))).toThrow(/at most 16/);
    expect(() => call("where", with_changes("where", { 1: ones, 4: ones, 7: ones, 10: ones, 13: ones }))).toThrow(/at most 16/);
  });

  it("negative and huge sizes", () => {
    expect(() => call("cast", with_changes("cast", { 0: [-1] }))).toThrow(/negative/);
    expect(() => call("cast", with_changes("cast", { 0: [0, -1], 4: [1, 1], 8: [1, 1] }))).toThrow(/negative/);
    expect(() => call("cast", with_changes("cast", { 0: [2 ** 53] }))).toThrow();
    expect(() => call("binary", with_changes("binary", { 3: [2 ** 40, 2 ** 40], 6: [0, 0], 9: [0, 0], 12: [0, 0] }))).toThrow();
    for (const i of [0, 1, 2, 3]) expect(() => call("gemm", with_changes("gemm", { [i]: -1 })), `gemm arg ${i}`).toThrow();
    expect(() => call("gemm", with_changes("gemm", { 0: 2 ** 40, 1: 2 ** 40, 7: [0, 0, 0], 11: [0, 0, 0] }))).toThrow();
    expect(() => call("softmax", with_changes("softmax", { 5: -2 }))).toThrow();
    expect(() => call("softmax", with_changes("softmax", { 5: 2 ** 40, 6: 2 ** 40 }))).toThrow();
    expect(() => call("layerNorm", with_changes("layerNorm", { 6: 3 }))).toThrow();  // weight and bias are too short too
  });

  it("an output broadcast over several elements (stride 0) is refused by both backends, as torch refuses it", () => {
    for (const k of [native_kernels()!, reference]) {
      const run = (fn: Fn, changes: Record<number, unknown>) => () => (k[fn] as (...a: unknown[]) => void)(...with_changes(fn, changes));
      expect(run("cast", { 4: [0] }), k.name).toThrow(/same memory location/);
      expect(run("binary", { 6: [0] }), k.name).toThrow(/same memory location/);
      expect(run("unary", { 6: [0] }), k.name).toThrow(/same memory location/);
      expect(run("where", { 4: [0] }), k.name).toThrow(/same memory location/);
      expect(run("reduce", { 6: [0] }), k.name).toThrow(/same memory location/);
      expect(run("binary", { 3: [2 ** 50], 6: [0], 9: [0], 12: [0] }), k.name).toThrow(/same memory location/);
      expect(run("cast", { 0: [1], 4: [0] }), k.name).not.toThrow();  // one element: no overlap
    }
  });

  it("unknown op and dtype codes", () => {
    for (const [fn, count] of [["binary", BINARY_OPS.length], ["unary", UNARY_OPS.length], ["reduce", REDUCE_OPS.length]] as const) {
      for (const op of [-1, count, 2.5, NaN, "add"]) expect(() => call(fn, with_changes(fn, { 0: op })), `${fn} op ${op}`).toThrow();
    }
    const dtype_args: Record<Fn, number[]> = {
      cast: [2, 6], binary: [1, 2], unary: [1, 2], where: [0], reduce: [1, 2], gemm: [5, 9, 13, 16], softmax: [4], layerNorm: [4, 11],
    };
    for (const fn of FNS) {
      for (const i of dtype_args[fn]) {
        for (const code of [-1, 10, 1.5, "float32"]) expect(() => call(fn, with_changes(fn, { [i]: code })), `${fn} arg ${i} = ${code}`).toThrow();
      }
    }
  });

  it("dtypes an op does not take, outputs of the wrong dtype, two scalar operands, bad parameters", () => {
    const op = (name: string) => BINARY_OPS.indexOf(name as never);
    const i32 = () => new Int32Array(4), f64 = () => new Float64Array(4), u8 = () => new Uint8Array(4);
    expect(() => call("binary", with_changes("binary", { 0: op("bitwise_and") }))).toThrow(/not defined for float32/);
    expect(() => call("binary", with_changes("binary", { 0: op("div"), 1: 4, 2: 4, 4: i32(), 7: i32(), 10: i32() }))).toThrow(/not defined for int32/);
    expect(() => call("binary", with_changes("binary", { 0: op("eq") }))).toThrow(/output must be bool/);
    // a float64 op writing a bool storage: the kernel would write 8-byte elements into 1-byte ones
    expect(() => call("binary", with_changes("binary", { 1: 9, 2: 0, 4: u8(), 7: f64(), 10: f64() }))).toThrow(/output must be float64/);
    expect(() => call("binary", with_changes("binary", { 7: 1, 10: 2 }))).toThrow(/at most one operand/);
    expect(() => call("unary", with_changes("unary", { 0: UNARY_OPS.indexOf("sqrt"), 1: 4, 2: 4, 4: i32(), 7: i32() }))).toThrow(/not defined for int32/);
    expect(() => call("unary", with_changes("unary", { 0: UNARY_OPS.indexOf("isnan") }))).toThrow(/output must be bool/);
    expect(() => call("unary", with_changes("unary", { 0: UNARY_OPS.indexOf("clamp"), 10: [1, "0", 1, 2] }))).toThrow();
    expect(() => call("softmax", with_changes("softmax", { 4: 4, 0: i32(), 2: i32() }))).toThrow(/floating point/);
    expect(() => call("layerNorm", with_changes("layerNorm", { 12: "0.1" }))).toThrow();
  });

  it("gemm operands of different dtypes", () => {
    expect(() => call("gemm", with_changes("gemm", { 8: new Float64Array(4), 9: 9 }))).toThrow(/one dtype/);
    expect(() => call("gemm", with_changes("gemm", { 12: new Float64Array(4), 13: 9 }))).toThrow(/one dtype/);
    expect(() => call("gemm", with_changes("gemm", { 4: new Uint16Array(4), 5: 7 }))).toThrow(/one dtype/);
    expect(() => call("gemm", with_changes("gemm", { 7: [4, 2] }))).toThrow(/3 entries/);
  });

  it("instruction sets and thread counts", () => {
    const addon = native_addon() as NativeAddon;
    expect(() => addon.setIsa("sse9")).toThrow(/unknown instruction set/);
    expect(() => addon.setNumThreads("2" as never)).toThrow();
    expect(() => addon.setNumThreads(NaN)).toThrow();
    const threads = addon.info().threads;
    addon.setNumThreads(0);
    expect(addon.info().threads).toBe(1);
    addon.setNumThreads(threads);
    for (const fn of FNS) expect(() => call(fn, valid(fn)), `${fn} after all of the above`).not.toThrow();
  });
});
