// Running fixture cases of the form { op, args, kwargs } & { out | error } against lowbit and
// collecting every disagreement with torch, so a failing test lists all of them at once.
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_operand, EncTensor, mismatch, operand, Operand, Outcome, Tolerance } from "./torch_ref.js";

export type Arg = ReturnType<typeof operand>;
export type OpCase = { op: string; args: Operand[]; kwargs?: Record<string, unknown>; via?: string } & Outcome<EncTensor>;
export type OpFn = (args: Arg[], kwargs: Record<string, unknown>) => Tensor;

/** A mistake in calling lowbit from a fixture case: fails the test even where torch raised. */
export class HarnessError extends Error {}

function is_operand(v: unknown): v is Operand {
  return typeof v === "object" && v !== null && ("ref" in v || "t" in v);
}

export function case_label(c: OpCase): string {
  const kw = Object.entries(c.kwargs ?? {}).map(([k, v]) => `${k}=${is_operand(v) ? describe_operand(v) : JSON.stringify(v)}`);
  return `${c.op}(${[...c.args.map(describe_operand), ...kw].join(", ")})${c.via ? ` [torch via ${c.via}]` : ""}`;
}

/** Runs one case; returns a description of how lowbit differs from torch, or null. */
export function check_case(c: OpCase, fn: OpFn, inputs: Record<string, EncTensor>, tol: Tolerance = {}): string | null {
  const args = c.args.map((a) => operand(a, inputs));
  const kwargs = Object.fromEntries(Object.entries(c.kwargs ?? {}).map(([k, v]) => [k, is_operand(v) ? operand(v, inputs) : v]));
  let got: Tensor;
  try {
    got = fn(args, kwargs);
  } catch (e) {
    if (e instanceof HarnessError) throw e;
    if (c.error !== undefined) return null;
    return `${case_label(c)}: lowbit throws ${(e as Error).message}`;
  }
  if (c.error !== undefined) return `${case_label(c)}: torch raises ${c.error}, lowbit gives ${got.dtype} ${JSON.stringify(got.tolist(), (_, v) => (typeof v === "bigint" ? String(v) : v))}`;
  const why = mismatch(got, c.out, tol);
  return why ? `${case_label(c)}: ${why}` : null;
}

/** Groups cases by op, in first-seen order. */
export function by_op<C extends { op: string }>(cases: readonly C[]): Map<string, C[]> {
  const m = new Map<string, C[]>();
  for (const c of cases) {
    if (!m.has(c.op)) m.set(c.op, []);
    m.get(c.op)!.push(c);
  }
  return m;
}
