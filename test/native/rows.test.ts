// Native softmax, log_softmax and layer_norm against the reference, with odd row lengths, empty
// shapes, offsets, infinities and NaN, and weight/bias in the input's dtype or float32.
import { it } from "vitest";
import { bfloat16, DType, float16, float32, float64, TypedArray } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { expect_storage, Tolerance } from "../helpers/compare.js";
import { against_reference, describe_native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { Kind, random_storage } from "../helpers/values.js";

const FLOATS = [float16, bfloat16, float32, float64];
const SHAPES: [number, number][] = [[0, 5], [3, 0], [1, 1], [17, 7], [5, 257], [2, 4099], [33, 16], [100, 33], [4, 1000]];
const U64 = 2 ** -53;

// The native kernels compute a row in float (double for float64) with one rounding per step, the
// reference in float64: u is the unit roundoff of the native arithmetic, plus the reference's.
function unit(d: DType): number {
  return (d.name === "float64" ? U64 : 2 ** -24) + U64;
}

interface Rows {
  x: Float64Array;  // input values, row-major
  rows: number;
  n: number;
}

function values(x: { data: TypedArray; off: number }, D: DType, rows: number, n: number): Rows {
  const v = new Float64Array(rows * n);
  for (let i = 0; i < rows * n; i++) v[i] = read(x.data, D, x.off + i);
  return { x: v, rows, n };
}

// softmax: exp(x - max) is off by |x - max| u (the subtraction) plus an ulp, the sum by n u, and
// the division by one more rounding -- relative to each output. log_softmax: absolute errors of
// |x - max| u, n u (the log of the sum) and |log sum| u, |y| u for the last steps.
function softmax_bound(r: Rows, D: DType, log: boolean, y_off: number): (i: number) => number {
  const u = unit(D), err = new Float64Array(r.rows * r.n);
  for (let row = 0; row < r.rows; row++) {
    const xs = r.x.subarray(row * r.n, (row + 1) * r.n);
    const mx = xs.reduce((m, t) => Math.max(m, t), -Infinity);
    const sum = xs.reduce((s, t) => s + Math.exp(t - mx), 0);
    xs.forEach((t, i) => {
      const d = Math.abs(t - mx);
      const e = log ? (d + r.n + Math.abs(Math.log(sum)) + Math.abs(t - mx - Math.log(sum)) + 2) * u : (Math.exp(t - mx) / sum) * (d + r.n + 5) * u;
      err[row * r.n + i] = Number.isFinite(e) ? e : 0;  // infinite inputs give exact zeros or NaN rows
    });
  }
  return (i) => err[i - y_off] ?? 0;
}

// layer_norm: the float mean is off by |mean| u, the subtraction, rstd and product by |v| u each,
// weight and bias by their conversion and one rounding each; float64 statistics differ by n u.
function layer_norm_bound(r: Rows, D: DType, w: number[] | null, b: number[] | null, eps: number, y_off: number): (i: number) => number {
  const u = unit(D), err = new Float64Array(r.rows * r.n);
  for (let row = 0; row < r.rows; row++) {
    const xs = r.x.subarray(row * r.n, (row + 1) * r.n);
    const mean = xs.reduce((s, t) => s + t, 0) / r.n;
    const rstd = 1 / Math.sqrt(xs.reduce((s, t) => s + (t - mean) ** 2, 0) / r.n + eps);
    xs.forEach((t, i) => {
      const wi = Math.abs(w ? w[i]! : 1), bi = Math.abs(b ? b[i]! : 0), vw = Math.abs((t - mean) * rstd) * wi;
      err[row * r.n + i] = u * (rstd * Math.abs(mean) * wi + 5 * vw + 2 * bi) + r.n * U64 * vw;
    });
  }
  return (i) => err[i - y_off] ?? 0;
}

describe_native("native rows", () => {
  for (const D of FLOATS) {
    for (const log of [false, true]) {
      it(`${log ? "log_softmax" : "softmax"} ${D.name}`, () => {
        const rng = new Rng(7000 + D.code * 2 + (log ? 1 : 0));
        for (const [rows, n] of SHAPES) {
          for (const kind of ["unit", "any"] as Kind[]) {
            const x_off = rng.int(0, 3), y_off = rng.int(0, 3);
            const x = { data: random_storage(rng, D, x_off + rows * n + 2, kind), off: x_off };
            const y = random_storage(rng, D, y_off + rows * n + 2, "finite");
            const tol: Tolerance = { err: softmax_bound(values(x, D, rows, n), D, log, y_off) };
            against_reference(
              [y],
              (k, [o]) => k.softmax(x.data, x.off, o!, y_off, D.code, rows, n, log),
              ([got], [want], where) => expect_storage(got!, want!, D, `${where}, ${kind} values, ${rows} x ${n}`, { tol }),
            );
          }
        }
      });
    }
    it(`layer_norm ${D.name}`, () => {
      const rng = new Rng(7100 + D.code);
      const params = D.itemsize === 2 ? [D, float32] : [D];
      for (const [rows, n] of SHAPES) {
        for (const P of params) {
          const affine = rng.pick([[true, true], [true, false], [false, true], [false, false]]);
          const eps = rng.pick([1e-5, 1e-12, 0.1]);
          const x_off = rng.int(0, 3), y_off = rng.int(0, 3), p_off = rng.int(0, 2);
          const x = { data: random_storage(rng, D, x_off + rows * n + 2, "unit"), off: x_off };
          const y = random_storage(rng, D, y_off + rows * n + 2, "finite");
          const [w, b] = affine.map((on) => (on ? random_storage(rng, P, n + p_off, "unit") : null));
          const as_numbers = (p: typeof w) => (p ? Array.from({ length: n }, (_, i) => read(p, P, p_off + i)) : null);
          const tol: Tolerance = { err: layer_norm_bound(values(x, D, rows, n), D, as_numbers(w!), as_numbers(b!), eps, y_off) };
          against_reference(
            [y],
            (k, [o]) => k.layerNorm(x.data, x.off, o!, y_off, D.code, rows, n, w!, p_off, b!, p_off, P.code, eps),
            ([got], [want], where) =>
              expect_storage(got!, want!, D, `${where}, ${rows} x ${n}, params ${P.name} weight ${!!w} bias ${!!b}, eps ${eps}`, { tol }),
          );
        }
      }
    });
  }
});
