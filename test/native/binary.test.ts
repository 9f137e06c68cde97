// Native binary ops against the reference for every op and dtype, with tensor-tensor,
// scalar-tensor and tensor-scalar operands over strided and broadcast views.
import { expect, it } from "vitest";
import { reference } from "../../kernel/tensor/backend/index.js";
import { BINARY_OPS, PREDICATES } from "../../kernel/tensor/backend/ops.js";
import { ALL_DTYPES, bfloat16, bool, DType, float32, TypedArray } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { expect_storage } from "../helpers/compare.js";
import { against_reference, describe_native, for_each_backend, for_each_config, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { Kind, random_storage } from "../helpers/values.js";
import { INPUT_LAYOUTS, input_view, OUTPUT_LAYOUTS, output_view, positions, random_shape, View } from "../helpers/views.js";

const BITWISE = new Set(["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]);
const INT_DIVISION = new Set(["remainder", "floor_divide", "fmod"]);
// libm and V8 may each be off by one ulp of the compute type; 16-bit results round that once more
const TRANSCENDENTAL = new Set(["pow", "atan2"]);

export function binary_applies(op: string, d: DType): boolean {
  if (BITWISE.has(op)) return !d.is_floating_point;
  if (op === "div" || op === "atan2") return d.is_floating_point;
  return true;
}

// The second operand's values: small for integer exponents and shift counts (never zero for
// integer division, see no_zeros).
function second_kind(op: string, d: DType): Kind {
  return (op === "pow" && !d.is_floating_point) || op.endsWith("shift") ? "small" : "any";
}

function no_zeros(d: DType, v: View): View {
  for (let i = 0; i < v.data.length; i++) {
    if (d.name === "int64") { if ((v.data as BigInt64Array)[i] === 0n) (v.data as BigInt64Array)[i] = 1n; }
    else if (v.data[i] === 0) v.data[i] = 1;
  }
  return v;
}

// A scalar operand in the compute type: float for the 16-bit floats.
function scalar(rng: Rng, d: DType, kind: Kind, nonzero: boolean): number {
  const t = d.itemsize === 2 && d.is_floating_point ? float32 : d;
  for (;;) {
    const s = random_storage(rng, t, 1, kind);
    const v = t.name === "int64" ? Number(BigInt.asIntN(54, (s as BigInt64Array)[0]!)) : read(s, t, 0);
    if (!(nonzero && v === 0)) return v;
  }
}

describe_native("native binary", () => {
  BINARY_OPS.forEach((op, code) => {
    for (const D of ALL_DTYPES) {
      if (!binary_applies(op, D)) continue;
      it(`${op} ${D.name}`, () => {
        const rng = new Rng(2000 + code * 16 + D.code);
        const O = PREDICATES.has(op) ? bool : D;
        const nonzero = INT_DIVISION.has(op) && !D.is_floating_point;
        const tol = TRANSCENDENTAL.has(op) && D.is_floating_point ? { ulps: D.itemsize === 2 ? 1 : 2 } : undefined;
        // the last shape is beyond one grain (2^14 elements), which two threads split mid-row
        const shapes = [[4099], [33], ...Array.from({ length: 10 }, () => random_shape(rng, 2000)), [129, 129]];
        shapes.forEach((shape, c) => {
          const mode = c < 2 ? "tensors" : rng.pick(["tensors", "tensors", "scalar first", "scalar second"]);
          const lay = () => (c < 2 ? "contiguous" : rng.pick(INPUT_LAYOUTS));
          const out = output_view(rng, O, shape, c < 2 ? "contiguous" : rng.pick(OUTPUT_LAYOUTS));
          const a = mode === "scalar first" ? scalar(rng, D, "any", false) : input_view(rng, D, shape, lay());
          const b = mode === "scalar second" ? scalar(rng, D, second_kind(op, D), nonzero)
            : nonzero ? no_zeros(D, input_view(rng, D, shape, lay(), second_kind(op, D))) : input_view(rng, D, shape, lay(), second_kind(op, D));
          const arg = (v: View | number): [TypedArray | number, number, number[]] => (typeof v === "number" ? [v, 0, []] : [v.data, v.off, v.strides]);
          const desc = (v: View | number) => (typeof v === "number" ? `scalar ${v}` : `strides [${v.strides}]`);
          const [ad, ao, as] = arg(a), [bd, bo, bs] = arg(b);
          against_reference(
            [out.data],
            (k, [o]) => k.binary(code, D.code, O.code, shape, o!, out.off, out.strides, ad, ao, as, bd, bo, bs),
            ([got], [want], where) =>
              expect_storage(got!, want!, O, `${where}, shape [${shape}], a ${desc(a)}, b ${desc(b)}, out strides [${out.strides}]`,
                { view: positions(shape, out.off, out.strides), tol }),
          );
        });
      });
    }
  });

  it("integer division by zero throws a JS error, and the next call works", () => {
    const rng = new Rng(2999);
    for (const D of ALL_DTYPES.filter((d) => !d.is_floating_point)) {
      for (const op of INT_DIVISION) {
        const code = BINARY_OPS.indexOf(op as (typeof BINARY_OPS)[number]);
        const a = random_storage(rng, D, 257);
        const b = no_zeros(D, { data: random_storage(rng, D, 257, "small"), off: 0, strides: [1] }).data;
        const zero = b.slice();
        zero[rng.int(0, 256)] = D.name === "int64" ? (0n as never) : 0;
        const run = (k: typeof reference, divisor: typeof b | number) =>
          k.binary(code, D.code, D.code, [257], new D.array(257), 0, [1], a, 0, [1], divisor, 0, [1]);
        for (const divisor of [zero, 0]) {
          expect(() => run(reference, divisor), `reference ${op} ${D.name}`).toThrow("ZeroDivisionError");
          for_each_config((cfg) => {
            expect(() => run(native(), divisor), `${cfg.label} ${op} ${D.name}`).toThrow("ZeroDivisionError");
            expect(() => run(native(), b), `${cfg.label} ${op} ${D.name} after the error`).not.toThrow();
          });
        }
      }
    }
  });

  it("bfloat16 elementwise results that are NaN have torch's vectorized bits, 0xffff", () => {
    const n = 40, nan = new Uint16Array(n).fill(0x7fc0), one = new Uint16Array(n).fill(0x3f80);
    for_each_backend((k, label) => {
      for (const [a, b] of [[nan, one], [one, nan], [nan, 1], [one, NaN]] as const) {
        const out = new Uint16Array(n);
        k.binary(BINARY_OPS.indexOf("add"), bfloat16.code, bfloat16.code, [n], out, 0, [1], a, 0, [1], b, 0, [1]);
        expect([...new Set(out)], label).toEqual([0xffff]);
      }
    });
  });
});
