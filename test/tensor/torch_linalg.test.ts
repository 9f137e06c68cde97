// Matrix products against PyTorch (test/fixtures/torch/linalg.json): dot, mv, mm, bmm and
// matmul with 1-D / 2-D / batched and broadcast operands, transposed operands, float32, float64
// and integer types, and errors. Relative 1e-6 (float32) and 1e-12 (float64) of the product of
// absolute values (a dot product's rounding error grows with its terms, not its result);
// integers and the exactly representable "recipe" products exact; bfloat16 / float16 within
// 1 ulp of torch's float32 product rounded once (PyTorch 2 accumulates them in float32).
import { expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { decode, EncTensor, mismatch, torch_fixture, Tolerance, values_of } from "../helpers/torch_ref.js";

const fx = torch_fixture("linalg");
type Recipe = { shape: number[]; dtype: string; a: number; b: number; m: number; c: number; div: number };
type Operand = ({ t: EncTensor } | { recipe: Recipe }) & { then?: [string, ...number[]] };
type Case = { op: "dot" | "mv" | "mm" | "bmm" | "matmul"; args: Operand[]; via?: string; error?: string; out?: EncTensor; scale?: EncTensor };

// ((n * a + b) % m - c) / div at flat index n: small dyadic values, exact in every dtype
function from_recipe(r: Recipe): Tensor {
  const n = r.shape.reduce((p, d) => p * d, 1);
  const values = Array.from({ length: n }, (_, i) => (((i * r.a + r.b) % r.m) - r.c) / r.div);
  return torch.tensor(values, { dtype: torch[r.dtype as "float32"] }).reshape(r.shape);
}

function operand(o: Operand): Tensor {
  const t = "t" in o ? decode(o.t) : from_recipe(o.recipe);
  if (!o.then) return t;
  const [method, ...args] = o.then;
  return (t as any)[method](...args);  // eslint-disable-line @typescript-eslint/no-explicit-any
}

const exact = (c: Case) => c.args.some((a) => "recipe" in a) || !["float32", "float64"].includes(c.out!.dtype);
function tolerance(c: Case): Tolerance {
  if (c.via) return { ulp: 1 };
  if (exact(c)) return {};
  return { rtol: c.out!.dtype === "float32" ? 1e-6 : 1e-12, scale: values_of(c.scale!) as number[] };
}

function label(c: Case): string {
  const shape = (o: Operand) => ("t" in o ? `${o.t.dtype}[${o.t.shape}]` : `${o.recipe.dtype}[${o.recipe.shape}]`) + (o.then ? `.${o.then[0]}(${o.then.slice(1)})` : "");
  return `${c.op}(${c.args.map(shape).join(", ")})`;
}

function check(c: Case): string | null {
  const [a, b] = c.args.map(operand) as [Tensor, Tensor];
  let r: Tensor;
  try {
    r = torch[c.op](a, b);
  } catch (e) {
    return c.error !== undefined ? null : `${label(c)}: lowbit throws ${(e as Error).message}`;
  }
  if (c.error !== undefined) return `${label(c)}: torch raises ${c.error}, lowbit gives shape [${r.shape}]`;
  const why = mismatch(r, c.out!, tolerance(c));
  return why ? `${label(c)}: ${why}` : null;
}

describe_backends("matrix products vs torch", () => {
  for (const op of ["dot", "mv", "mm", "bmm", "matmul"]) {
    const cases = (fx.cases as Case[]).filter((c) => c.op === op);
    it(`${op} (${cases.length} cases)`, () => expect(cases.map(check).filter((m) => m !== null)).toEqual([]));
  }
});
