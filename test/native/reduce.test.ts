// Native reductions against the reference: every op and dtype, several dim sets (in any order,
// none, all), empty and 0-d inputs, strided inputs and outputs, and the "few outputs, long
// reduction" path that splits one reduction across threads.
import { expect, it } from "vitest";
import { REDUCE_OPS } from "../../kernel/tensor/backend/ops.js";
import { ALL_DTYPES, bfloat16, bool, DType, float64, int64 } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { expect_storage, Tolerance } from "../helpers/compare.js";
import { against_reference, describe_native, for_each_backend } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { Kind } from "../helpers/values.js";
import { INPUT_LAYOUTS, input_view, Layout, OUTPUT_LAYOUTS, output_view, positions, random_shape, View } from "../helpers/views.js";

// Both backends accumulate floats in float64, in different orders: each sum of n terms is within
// n * 2^-53 * sum|x| of the exact one (and var's, mean's and prod's follow from that).
const U = 2 ** -53;

function out_dtype(op: string, d: DType): DType {
  if (op === "argmax" || op === "argmin") return int64;
  if (op === "any" || op === "all") return bool;
  if ((op === "sum" || op === "prod") && !d.is_floating_point) return int64;
  return d;
}

function applies(op: string, d: DType): boolean {
  return (op !== "mean" && op !== "var") || d.is_floating_point;
}

function error_bound(op: string, vals: number[], correction: number): number {
  const n = vals.length, abs = vals.reduce((s, v) => s + Math.abs(v), 0);
  switch (op) {
    case "sum": return 2 * n * U * abs;
    case "mean": return (2 * n * U * abs) / n;
    case "prod": return 2 * n * U * vals.reduce((p, v) => p * Math.abs(v), 1);
    case "var": {
      if (n - correction <= 0) return 0;  // m2 / 0: exactly inf (or NaN for a constant row) in both
      // the two means differ by d <= n u sum|x| / n; m2 = sum (x - mean)^2 then differs by its own
      // rounding (2 n u m2 for both) plus 2 d |sum (x - mean)| + n d^2, with |sum (x - mean)| <= n u sum|x|
      const mean = vals.reduce((s, v) => s + v, 0) / n;
      const m2 = vals.reduce((s, v) => s + (v - mean) ** 2, 0);
      const d = U * abs;
      return (2 * n * U * m2 + 3 * n * d * U * abs + n * d * d) / Math.max(0, n - correction);
    }
    default: return 0;
  }
}

// Float sums and products get values that no order of evaluation overflows, so the error bound
// means something (infinities and NaN get their own test); any/all get many zeros.
function values_for(op: string, d: DType): Kind {
  if (op === "any" || op === "all") return "small";
  if (!d.is_floating_point) return "any";
  if (op === "prod") return "near_one";
  if (op === "sum" || op === "mean" || op === "var") return d.name === "float64" ? "moderate" : "finite";
  return "any";
}

interface Case {
  shape: number[];
  dims: number[];
  x: View;
  O: DType;
  out: View;
}

function make_case(rng: Rng, D: DType, O: DType, shape: number[], dims: number[], xl: Layout, ol: Layout, kind: Kind): Case {
  const outer = shape.filter((_, d) => !dims.includes(d));
  return { shape, dims, x: input_view(rng, D, shape, xl, kind), O, out: output_view(rng, O, outer, ol) };
}

function split(c: Case) {
  const keep = (_: number, d: number) => !c.dims.includes(d);
  return {
    outer: c.shape.filter(keep), outer_strides: c.x.strides.filter(keep),
    inner: c.dims.map((d) => c.shape[d]!), inner_strides: c.dims.map((d) => c.x.strides[d]!),
  };
}

// The input values each output element reduces, keyed by the output's storage index.
function inputs_of(c: Case, D: DType): Map<number, number[]> {
  const s = split(c);
  const outs = positions(s.outer, c.out.off, c.out.strides), bases = positions(s.outer, c.x.off, s.outer_strides);
  return new Map(outs.map((o, k) => [o, positions(s.inner, bases[k]!, s.inner_strides).map((i) => read(c.x.data, D, i))]));
}

function random_dims(rng: Rng, nd: number): number[] {
  const r = rng.float();
  if (r < 0.1 || nd === 0) return [];
  if (r < 0.3) return [...Array(nd).keys()];
  const dims = [...Array(nd).keys()].filter(() => rng.chance(0.5));
  return dims.length ? rng.shuffled(dims) : [rng.int(0, nd - 1)];
}

function check(op: string, code: number, D: DType, c: Case, correction: number, tol?: Tolerance): void {
  const { O } = c, s = split(c);
  against_reference(
    [c.out.data],
    (k, [o]) => k.reduce(code, D.code, O.code, s.outer, o!, c.out.off, c.out.strides, c.x.data, c.x.off, s.outer_strides,
      s.inner, s.inner_strides, correction),
    ([got], [want], where) =>
      expect_storage(got!, want!, O, `${where}, ${op}, shape [${c.shape}] dims [${c.dims}] out ${O.name}, correction ${correction}, x strides [${c.x.strides}], out strides [${c.out.strides}]`,
        { view: positions(s.outer, c.out.off, c.out.strides), tol }),
  );
}

describe_native("native reduce", () => {
  REDUCE_OPS.forEach((op, code) => {
    for (const D of ALL_DTYPES) {
      if (!applies(op, D)) continue;
      it(`${op} ${D.name}`, () => {
        const rng = new Rng(5000 + code * 16 + D.code);
        const outs = op === "var" ? [D, float64] : [out_dtype(op, D)];
        const corrections = op === "var" ? [1, 0, 2.5, 1e9] : [1];
        const kind = values_for(op, D);
        const cases: Case[] = [];
        for (const O of outs) {
          // one output of a long reduction: the path that splits it across threads
          if (rng.chance(0.5)) cases.push(make_case(rng, D, O, [70001], [0], "contiguous", "contiguous", kind));
          else cases.push(make_case(rng, D, O, [1, 300, 257], [2, 1], rng.pick(["transposed", "stepped"]), "contiguous", kind));
          cases.push(make_case(rng, D, O, [], [], "contiguous", "contiguous", kind));
          cases.push(make_case(rng, D, O, [3, 0, 5], [1], "contiguous", "stepped", kind));
          for (let i = 0; i < 8; i++) {
            const shape = rng.chance(0.5) ? random_shape(rng) : [rng.pick([1, 7, 33, 257]), rng.pick([1, 15, 16, 17, 1000])];
            cases.push(make_case(rng, D, O, shape, random_dims(rng, shape.length), rng.pick(INPUT_LAYOUTS), rng.pick(OUTPUT_LAYOUTS), kind));
          }
        }
        cases.forEach((c, n) => {
          const corr = corrections[n % corrections.length]!;
          const vals = error_bound(op, [1], 0) > 0 && D.is_floating_point ? inputs_of(c, D) : null;
          check(op, code, D, c, corr, vals ? { err: (i) => error_bound(op, vals.get(i) ?? [], corr) } : undefined);
        });
      });
    }
  });

  it("infinities, NaN and signed zeros propagate as in torch", () => {
    const rng = new Rng(5999);
    for (const D of ALL_DTYPES.filter((d) => d.is_floating_point)) {
      REDUCE_OPS.forEach((op, code) => {
        // the long row reaches the split path, whose partial results are merged in order
        const long = op === "sum" || op === "amax" || op === "argmin" || op === "all";
        for (const [rows, n] of long ? [[64, 3], [16, 40], [1, 66000]] : [[64, 3], [16, 40]]) {
          const c = make_case(rng, D, out_dtype(op, D), [rows!, n!], [1], "contiguous", "contiguous", "specials");
          // var's mean rounds, so only rows holding an infinity or NaN (all NaN) compare exactly
          const inf = D.itemsize === 2 ? (D.name === "float16" ? 0x7c00 : 0x7f80) : Infinity;
          if (op === "var") for (let r = 0; r < rows!; r++) c.x.data[r * n!] = inf;
          check(op, code, D, c, 1);
        }
      });
    }
  });

  it("bfloat16 reductions that are NaN have c10::BFloat16's bits, 0x7fc0 (amax too, as torch 1.13 gives)", () => {
    const x = new Uint16Array(70001).fill(0x3f80);
    x[5] = 0xffff;
    for_each_backend((k, label) => {
      for (const op of ["sum", "mean", "prod", "amax", "var"]) {
        const out = new Uint16Array(1);
        k.reduce(REDUCE_OPS.indexOf(op as never), bfloat16.code, bfloat16.code, [], out, 0, [], x, 0, [], [70001], [1], 1);
        expect(out[0], `${label}, ${op}`).toBe(0x7fc0);
      }
    });
  });
});
