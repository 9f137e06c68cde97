// Elementwise ops against PyTorch (test/fixtures/torch/elementwise.json): every binary and unary
// op over every dtype, with broadcasting, Python scalars on either side, 0-d tensor operands,
// mixed dtypes and special values. Exact, except a few ulps for transcendental functions.
import { expect, it } from "vitest";
import { nn, torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { by_op, check_case, HarnessError, OpCase, OpFn } from "../helpers/torch_cases.js";
import { torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("elementwise");
const cases = fx.cases as OpCase[];
// libm, SLEEF and lowbit's float32 formulas each round a little differently
const TRANSCENDENTAL = new Set<string>(fx.transcendental);
const ULP = 2;

type T = Tensor;
type L = Parameters<typeof torch.add>[0];
const F = nn.functional;

// a call with the wrong number of fixture arguments is a harness bug, never an expected error
const arity = (n: number, f: OpFn): OpFn => (args, kw) => {
  if (args.length !== n) throw new HarnessError(`expected ${n} positional arguments, got ${args.length}`);
  return f(args, kw);
};
const binary = (f: (a: L, b: L, kw?: any) => T): OpFn => arity(2, ([a, b], kw) => f(a as L, b as L, kw));  // eslint-disable-line @typescript-eslint/no-explicit-any
const unary = (f: (x: T, kw?: any) => T): OpFn => arity(1, ([x], kw) => f(x as T, kw));  // eslint-disable-line @typescript-eslint/no-explicit-any

const OPS: Record<string, OpFn> = {
  add: binary(torch.add), sub: binary(torch.sub), mul: binary(torch.mul), div: binary(torch.div),
  remainder: binary(torch.remainder), fmod: binary(torch.fmod), floor_divide: binary(torch.floor_divide),
  pow: binary(torch.pow), maximum: binary((a, b) => torch.maximum(a as T, b)),
  minimum: binary((a, b) => torch.minimum(a as T, b)), atan2: binary((a, b) => torch.atan2(a as T, b)),
  eq: binary(torch.eq), ne: binary(torch.ne), lt: binary(torch.lt), le: binary(torch.le), gt: binary(torch.gt),
  ge: binary(torch.ge), logical_and: binary(torch.logical_and), logical_or: binary(torch.logical_or),
  logical_xor: binary(torch.logical_xor), bitwise_and: binary(torch.bitwise_and), bitwise_or: binary(torch.bitwise_or),
  bitwise_xor: binary(torch.bitwise_xor), bitwise_left_shift: binary(torch.bitwise_left_shift),
  bitwise_right_shift: binary(torch.bitwise_right_shift),
  gelu: unary((x) => F.gelu(x)), gelu_tanh: unary((x) => F.gelu(x, { approximate: "tanh" })), silu: unary(F.silu),
  round: unary((x, kw) => torch.round(x, kw)),
  clamp: unary((x, kw) => torch.clamp(x, kw as { min?: L; max?: L })),
  nan_to_num: unary((x, kw) => torch.nan_to_num(x, kw)),
  masked_fill: arity(3, ([x, m, v]) => torch.masked_fill(x as T, m as T, v as L)),
};
for (const op of [
  "neg", "abs", "sqrt", "rsqrt", "exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "tanh",
  "sigmoid", "relu", "erf", "floor", "ceil", "trunc", "sign", "reciprocal", "square", "isnan", "isinf",
  "isfinite", "logical_not", "bitwise_not",
] as const) {
  OPS[op] = unary(torch[op]);
}

describe_backends("elementwise ops vs torch", () => {
  for (const [op, group] of by_op(cases)) {
    it(`${op} (${group.length} cases)`, () => {
      const fn = OPS[op];
      if (!fn) throw new Error(`no lowbit call for fixture op ${op}`);
      const tol = TRANSCENDENTAL.has(op) ? { ulp: ULP } : {};
      const bad = group.map((c) => check_case(c, fn, fx.inputs, tol)).filter((m) => m !== null);
      expect(bad).toEqual([]);
    });
  }
});

it("the fixture covers every dtype and op it claims to", () => {
  const dtypes = new Set(Object.values(fx.inputs as Record<string, { dtype: string }>).map((t) => t.dtype));
  expect(dtypes.size).toBe(10);
  expect(Object.keys(OPS).filter((op) => !cases.some((c) => c.op === op))).toEqual([]);
});
