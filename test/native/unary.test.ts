// Native unary ops against the reference for every op, dtype and parameter set, over strided views.
import { it } from "vitest";
import { op_dtype_error, PREDICATES, UNARY_OPS } from "../../kernel/tensor/backend/ops.js";
import { ALL_DTYPES, bool, DType } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { expect_storage, Tolerance } from "../helpers/compare.js";
import { against_reference, describe_native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { INPUT_LAYOUTS, input_view, OUTPUT_LAYOUTS, output_view, positions, random_shape } from "../helpers/views.js";

// glibc and V8 compute these to within an ulp of the compute type, not always the same ulp
const TRANSCENDENTAL = new Set([
  "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "tanh", "sigmoid", "gelu", "gelu_tanh",
  "silu", "erf", "rpow_scalar",
]);
// torch's pow(tensor, scalar) computes these exponents with multiplications, divisions and sqrt
const EXACT_EXPONENTS = [2, 3, 0.5, -0.5, -1, -2];

function param_sets(op: string, d: DType): number[][] {
  const int = !d.is_floating_point;
  switch (op) {
    case "clamp": {
      const [lo, hi] = int ? (d.name === "uint8" ? [3, 200] : [-7, 100]) : [-1.5, 2.25];
      const sets = [[1, lo, 0, 0], [0, 0, 1, hi], [1, lo, 1, hi], [1, hi, 1, lo]];  // the last: min > max
      if (!int) sets.push([1, NaN, 1, hi], [1, -Infinity, 1, Infinity]);
      return sets;
    }
    case "pow_scalar":
      return (int ? [0, 1, 2, 3, 5, 31, -1, -2] : [...EXACT_EXPONENTS, 0, 1, 1.5, -3, 10, 0.3, -0.75]).map((e) => [e]);
    case "rpow_scalar": return (int ? [2, -2, 3, 0, 1, -1] : [2, 0.5, -2, 0, 1, 10, Math.E, -1.5]).map((b) => [b]);
    case "round_decimals": return [[1], [2], [3], [-1], [-2], [5]];
    case "nan_to_num": return [[0, 65504, -65504], [1.5, 100, -100], [NaN, Infinity, -Infinity]];
    default: return [[]];
  }
}

// x * 0.5 * (1 + erf(x / sqrt(2))) and its tanh twin cancel for negative x: a last-place difference
// of erf or tanh (values near -1) becomes an absolute error of |x| * ulp(1) of the compute type.
const CANCELLING = new Set(["gelu", "gelu_tanh"]);

function tolerance(op: string, d: DType, p: readonly number[], x_at: (i: number) => number): Tolerance | undefined {
  if (!d.is_floating_point) return undefined;
  const inexact = TRANSCENDENTAL.has(op) || (op === "pow_scalar" && !EXACT_EXPONENTS.includes(p[0]!));
  if (!inexact) return undefined;
  const ulp_one = d.name === "float64" ? 2 ** -52 : 2 ** -23;
  // (infinite x give exact results: ±inf, or NaN)
  const err = (i: number) => (Number.isFinite(x_at(i)) ? Math.abs(x_at(i)) * ulp_one : 0);
  return { ulps: d.itemsize === 2 ? 1 : 2, err: CANCELLING.has(op) ? err : undefined };
}

describe_native("native unary", () => {
  UNARY_OPS.forEach((op, code) => {
    for (const D of ALL_DTYPES) {
      const O = PREDICATES.has(op) ? bool : D;
      if (op_dtype_error(op, D, O)) continue;
      it(`${op} ${D.name}`, () => {
        const rng = new Rng(3000 + code * 16 + D.code);
        param_sets(op, D).forEach((p, set) => {
          // the first set also gets a shape beyond one grain (2^13 elements), which two threads split mid-row
          const shapes = [[4099], [31], ...Array.from({ length: 5 }, () => random_shape(rng, 2000)), ...(set === 0 ? [[91, 91]] : [])];
          shapes.forEach((shape, c) => {
            const x = input_view(rng, D, shape, c < 2 ? "contiguous" : rng.pick(INPUT_LAYOUTS));
            const out = output_view(rng, O, shape, c < 2 ? "contiguous" : rng.pick(OUTPUT_LAYOUTS));
            const out_pos = positions(shape, out.off, out.strides), x_pos = positions(shape, x.off, x.strides);
            const x_of = new Map(out_pos.map((o, k) => [o, read(x.data, D, x_pos[k]!)]));
            const tol = tolerance(op, D, p, (i) => x_of.get(i)!);
            against_reference(
              [out.data],
              (k, [o]) => k.unary(code, D.code, O.code, shape, o!, out.off, out.strides, x.data, x.off, x.strides, p),
              ([got], [want], where) =>
                expect_storage(got!, want!, O, `${where}, params [${p}], shape [${shape}], x strides [${x.strides}], out strides [${out.strides}]`,
                  { view: out_pos, tol }),
            );
          });
        });
      });
    }
  });
});
