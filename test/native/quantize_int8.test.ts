// Native int8VectorwiseQuant (LLM.int8()'s row-wise int8 codes with outlier columns) against the
// TypeScript reference on every instruction set x 1/2 threads, bit for bit: threshold 0 (the weight's
// CB/SCB) and > 0 (activations: outliers, ±Inf as outliers, a value exactly on the threshold, rows
// made only of outliers), 1xN and Nx1, row lengths around the vector widths, all-zero rows, huge
// and subnormal float16 rows, enough rows to split across threads, the first NaN/Inf reported, and
// the checks at the boundary. Output storages are prefilled, so stray writes show.
import { expect, it } from "vitest";
import { from_f16, to_f16 } from "../../kernel/tensor/half.js";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { encode, F16, same_bytes, weights } from "../helpers/quantize.js";

const PAD = 5;

function check(rows: number, k: number, values: number[], threshold: number, name: string): void {
  const a = encode(F16, values, PAD) as Uint16Array;
  const thr = from_f16(to_f16(threshold));
  const CA = new Int8Array(rows * k + 3).fill(99), SCA = new Float32Array(rows + 2).fill(7), cols = new Uint8Array(k + 2).fill(9);
  const what = `[${rows}, ${k}] threshold ${threshold} (${name})`;
  against_reference([CA, SCA, cols, new Float64Array(1)], (kn, [ca, sca, oc, ret]) => {
    ret![0] = kn.int8VectorwiseQuant(rows, k, a, PAD, thr, ca as Int8Array, sca as Float32Array, oc as Uint8Array);
  }, ([gca, gsca, gcols, gr], [wca, wsca, wcols, wr], where) => {
    expect(gr![0], `${where}, ${what}: refused index`).toBe(wr![0]);
    if (wr![0]! >= 0) return;  // the outputs of a refusal are unspecified
    same_bytes(gca!, wca!, `${where}, ${what}: CA`);
    same_bytes(gsca!, wsca!, `${where}, ${what}: SCA`);
    same_bytes(gcols!, wcols!, `${where}, ${what}: outlier columns`);
  });
}

// activations with outliers: a few columns hold values past the threshold, some exactly on it
function activations(rng: Rng, rows: number, k: number, threshold: number): number[] {
  const v = weights(rng, F16, rows * k, k).map((x) => (Math.abs(x) > 60000 ? x / 4 : x));
  const cols = Array.from({ length: rng.int(0, 4) }, () => rng.int(0, k - 1));
  for (const j of cols) {
    const r = rng.int(0, rows - 1);
    v[r * k + j] = rng.pick([threshold, -threshold, 3 * threshold, Infinity, -Infinity, threshold * 0.999]);
  }
  return v;
}

describe_native("native int8VectorwiseQuant", () => {
  it("threshold 0 (CB/SCB): row lengths around the vector widths, 1xN, Nx1, all-zero, huge and subnormal rows", () => {
    const rng = new Rng(9401);
    for (const [rows, k] of [[1, 1], [1, 15], [3, 16], [2, 17], [5, 31], [4, 32], [3, 33], [7, 64], [1, 1000], [37, 1], [9, 130]]) {
      check(rows, k, weights(rng, F16, rows * k, rng.pick([k, 7])), 0, "random");
    }
    check(4, 24, new Array(96).fill(0), 0, "zeros");
  });

  it("threshold > 0: outlier columns, ±Inf outliers, values on the threshold, rows of outliers only", () => {
    const rng = new Rng(9402);
    for (const threshold of [6, 0.5, 1e-3]) {
      for (const [rows, k] of [[1, 40], [4, 40], [16, 128], [3, 17], [50, 9], [1, 1], [6, 1]]) {
        check(rows, k, activations(rng, rows, k, threshold), threshold, "outliers");
      }
    }
    // every element of row 1 an outlier: SCA 0 and codes 0 there
    check(3, 4, [1, 2, 3, 4, 7, -8, 9, 6, 0.5, 0, -1, 5.99], 6, "a row of outliers");
  });

  it("many rows over threads, and the first NaN (or Inf without a threshold) wherever it sits", () => {
    const rng = new Rng(9403);
    check(700, 96, weights(rng, F16, 700 * 96, 96), 0, "700 rows");
    check(700, 96, activations(rng, 700, 96, 6), 6, "700 rows with outliers");
    for (const threshold of [0, 6]) {
      for (const at of [[0], [700 * 96 - 1], [650 * 96 + 3, 20 * 96 + 95], [351 * 96, 350 * 96 + 1]]) {
        const v = weights(rng, F16, 700 * 96, 96).map((x) => (Math.abs(x) >= 6 ? 1 : x));
        at.forEach((i, j) => { v[i] = threshold ? NaN : [NaN, Infinity, -Infinity][j % 3]!; });
        check(700, 96, v, threshold, `bad at ${at.join(", ")}`);
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const a = new Uint16Array(6), CA = new Int8Array(6), SCA = new Float32Array(2), cols = new Uint8Array(3);
    type Args = Partial<{ rows: number; off: number; thr: number; a: Uint16Array; CA: Int8Array; SCA: Float32Array; cols: Uint8Array }>;
    const run = (o: Args) => () => k.int8VectorwiseQuant(o.rows ?? 2, 3, o.a ?? a, o.off ?? 0, o.thr ?? 0, o.CA ?? CA, o.SCA ?? SCA, o.cols ?? cols);
    expect(run({})).not.toThrow();
    expect(run({ a: new Int16Array(6) as unknown as Uint16Array })).toThrow(/A must be float16 bits in a Uint16Array/);
    expect(run({ off: 1 })).toThrow(/input: view reaches elements \[1, 6\] of a storage of 6/);
    expect(run({ thr: -1 })).toThrow(/threshold must be >= 0, got -1/);
    expect(run({ thr: NaN })).toThrow(/threshold must be >= 0, got NaN/);
    expect(run({ CA: new Int8Array(5) })).toThrow(/CA holds 5 values; 6 are needed/);
    expect(run({ CA: new Uint8Array(6) as unknown as Int8Array })).toThrow(/CA must be an Int8Array/);
    expect(run({ SCA: new Float32Array(1) })).toThrow(/SCA holds 1 values; 2 are needed/);
    expect(run({ cols: new Uint8Array(2) })).toThrow(/outlier_cols holds 2 values; 3 are needed/);
    expect(run({ rows: -1 })).toThrow(/negative size -1/);
  });
});
