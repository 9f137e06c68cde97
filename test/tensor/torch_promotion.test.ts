// Type promotion against PyTorch (test/fixtures/torch/promotion.json): promote_types for every
// pair of dtypes, and result_type / the dtype of a + b for tensors with dimensions, 0-d tensors
// and Python scalars (ints, floats, bools, and an int beyond int64).
import { describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { describe_operand, operand, Operand, torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("promotion");
type Result = string | { error: string };
type Ones = { ones: string; ndim: number };
type Case = { a: Operand | Ones; b: Operand | Ones; result_type: Result; add: Result };

const arg = (o: Operand | Ones) => ("ones" in o ? torch.ones(o.ndim ? [2] : [], { dtype: torch[o.ones as "float32"] }) : operand(o)) as L;
const show = (o: Operand | Ones) => ("ones" in o ? `${o.ones}${o.ndim ? "[2]" : " 0-d"}` : describe_operand(o));
type L = Parameters<typeof torch.add>[0];

/** dtype name, or the error */
function dtype_of(fn: () => { toString(): string }): Result {
  try {
    return String(fn()).replace(/^torch\./, "");
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// torch's and lowbit's messages differ; only whether it raised is compared
const same = (got: Result, want: Result) => (typeof want === "string" ? got === want : typeof got !== "string");

describe("promotion vs torch", () => {
  it("promote_types for every pair of dtypes", () => {
    const bad = Object.entries(fx.promote_types as Record<string, string>)
      .map(([pair, want]) => {
        const [a, b] = pair.split(",") as ["float32", "float32"];
        const got = String(torch.promote_types(torch[a], torch[b])).replace("torch.", "");
        return got === want ? null : `promote_types(${pair}): ${got}, torch gives ${want}`;
      })
      .filter((m) => m !== null);
    expect(bad).toEqual([]);
  });
  for (const what of ["result_type", "add"] as const) {
    it(`${what} for tensors, 0-d tensors and scalars (${fx.cases.length} pairs)`, () => {
      const bad: string[] = [];
      for (const c of fx.cases as Case[]) {
        const a = arg(c.a), b = arg(c.b);
        const got = dtype_of(() => (what === "add" ? torch.add(a, b).dtype : torch.result_type(a, b)));
        if (!same(got, c[what])) bad.push(`${what}(${show(c.a)}, ${show(c.b)}): ${JSON.stringify(got)}, torch gives ${JSON.stringify(c[what])}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
