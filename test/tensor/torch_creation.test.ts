// Creation against PyTorch (test/fixtures/torch/creation.json): tensor() dtype inference (JS
// cannot tell 1.0 from 1, so integral values are Python ints), checked conversions into integer
// dtypes, zeros / ones / full / empty and their _like forms, arange, linspace, eye. Exact.
import { expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { decode, EncTensor, mismatch, torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("creation");
type Case = { fn: string; args: unknown[]; kwargs?: { dtype?: { dtype: string } }; error?: string; out?: EncTensor & { data: unknown[] | null } };

// fixture data: "NaN" / "Infinity" strings become numbers, {"t": ...} a tensor
function arg(a: unknown): unknown {
  if (Array.isArray(a)) return a.map(arg);
  if (a === "NaN") return NaN;
  if (a === "Infinity") return Infinity;
  if (a === "-Infinity") return -Infinity;
  if (typeof a === "object" && a !== null && "t" in a) return decode((a as { t: EncTensor }).t);
  return a;
}

function check(c: Case): string | null {
  const label = `${c.fn}(${JSON.stringify(c.args).slice(1, -1)}${c.kwargs?.dtype ? `, dtype=${c.kwargs.dtype.dtype}` : ""})`;
  const opts = c.kwargs?.dtype ? { dtype: torch[c.kwargs.dtype.dtype as "float32"] } : undefined;
  let t: Tensor;
  try {
    t = (torch as any)[c.fn](...c.args.map(arg), ...(opts ? [opts] : []));  // eslint-disable-line @typescript-eslint/no-explicit-any
  } catch (e) {
    return c.error !== undefined ? null : `${label}: lowbit throws ${(e as Error).message}`;
  }
  if (c.error !== undefined) return `${label}: torch raises ${c.error}, lowbit gives ${String(t)}`;
  const want = c.out!;
  if (want.data === null) {
    // torch.empty's values are whatever memory held: only dtype and shape are torch's
    const same = String(t.dtype) === `torch.${want.dtype}` && JSON.stringify([...t.shape]) === JSON.stringify(want.shape);
    return same ? null : `${label}: ${t.dtype} [${t.shape}], torch gives torch.${want.dtype} [${want.shape}]`;
  }
  const why = mismatch(t, want as EncTensor);
  return why ? `${label}: ${why}` : null;
}

describe_backends("creation vs torch", () => {
  const fns = [...new Set((fx.cases as Case[]).map((c) => c.fn))];
  for (const fn of fns) {
    const cases = (fx.cases as Case[]).filter((c) => c.fn === fn);
    it(`${fn} (${cases.length} cases)`, () => expect(cases.map(check).filter((m) => m !== null)).toEqual([]));
  }
});
