// Running fixture cases of the form { op, args, kwargs } & { out | error } against lowbit and
// collecting every disagreement with torch, so a failing test lists all of them at once.
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_operand, EncTensor, mismatch, operand, Operand, Outcome, Tolerance } from "./torch_ref.js";

export type Arg = ReturnType<typeof operand>;
/** A result: one tensor, or several (max(dim) gives values and indices). */
export type OpCase = { op: string; args: Operand[]; kwargs?: Record<string, unknown>; via?: string } & Outcome<EncTensor | EncTensor[]>;
export type OpFn = (args: Arg[], kwargs: Record<string, any>) => Tensor | Iterable<Tensor>;  // eslint-disable-line @typescript-eslint/no-explicit-any

/** A mistake in calling lowbit from a fixture case: fails the test even where torch raised. */
export class HarnessError extends Error {}

function is_operand(v: unknown): v is Operand {
  return typeof v === "object" && v !== null && ("ref" in v || "t" in v);
}

function is_dtype(v: unknown): v is { dtype: string } {
  return typeof v === "object" && v !== null && "dtype" in v && Object.keys(v).length === 1;
}

/** A keyword argument: tensors from operands, dtypes from {"dtype": name}, the rest as written. */
function kwarg(v: unknown, inputs: Record<string, EncTensor>): unknown {
  if (is_operand(v)) return operand(v, inputs);
  if (is_dtype(v)) return torch[v.dtype as "float32"];
  return v;
}

export function case_label(c: OpCase): string {
  const kw = Object.entries(c.kwargs ?? {}).map(([k, v]) => `${k}=${is_operand(v) ? describe_operand(v) : is_dtype(v) ? v.dtype : JSON.stringify(v)}`);
  return `${c.op}(${[...c.args.map(describe_operand), ...kw].join(", ")})${c.via ? ` [torch via ${c.via}]` : ""}`;
}

/** Runs one case; returns a description of how lowbit differs from torch, or null. */
export function check_case(c: OpCase, fn: OpFn, inputs: Record<string, EncTensor>,
                           tol: Tolerance | ((expected: EncTensor) => Tolerance) = {}): string | null {
  const args = c.args.map((a) => operand(a, inputs));
  const kwargs = Object.fromEntries(Object.entries(c.kwargs ?? {}).map(([k, v]) => [k, kwarg(v, inputs)]));
  let got: Tensor[];
  try {
    const r = fn(args, kwargs);
    got = r instanceof torch.Tensor ? [r] : [...r];
  } catch (e) {
    if (e instanceof HarnessError) throw e;
    if (c.error !== undefined) return null;
    return `${case_label(c)}: lowbit throws ${(e as Error).message}`;
  }
  if (c.error !== undefined) {
    const shown = got.map((t) => `${t.dtype} ${JSON.stringify(t.tolist(), (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
    return `${case_label(c)}: torch raises ${c.error}, lowbit gives ${shown.join(", ")}`;
  }
  const want = Array.isArray(c.out) ? c.out : [c.out];
  if (got.length !== want.length) return `${case_label(c)}: ${got.length} results, torch gives ${want.length}`;
  const why = want.map((w, i) => mismatch(got[i]!, w, typeof tol === "function" ? tol(w) : tol)).filter((m) => m !== null);
  return why.length ? `${case_label(c)}: ${why.join("; ")}` : null;
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
