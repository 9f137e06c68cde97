// Shape ops and views against PyTorch (test/fixtures/torch/shapes.json): values, shapes, strides
// and storage offsets of every result, errors where torch raises (view across strides, bad dims),
// and whether writing through the result changes the tensor it came from (views share storage).
import { expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { decode, EncTensor, mismatch, torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("shapes");
type Out = EncTensor & { strides: number[]; offset: number };
type Case = { base: string; op: string; args: unknown[]; error?: string; out?: Out[]; root_after?: EncTensor };

function base_of(name: string): [Tensor, Tensor] {
  const [root_name, prep] = fx.bases[name] as [string, [string, ...number[]] | null];
  const root = decode(fx.roots[root_name]);
  if (!prep) return [root, root];
  const [method, ...args] = prep;
  return [root, (root as any)[method](...args)];  // eslint-disable-line @typescript-eslint/no-explicit-any
}

const arg = (a: unknown) => (typeof a === "object" && a !== null && "dtype" in a ? torch[(a as { dtype: "int32" }).dtype] : a);

function run(c: Case, b: Tensor): Tensor[] {
  if (c.op === "cat" || c.op === "stack") {
    const [names, ...rest] = c.args as [string[], ...number[]];
    return [torch[c.op]([b, ...names.map((n) => base_of(n)[1])], ...rest)];
  }
  const r = (b as any)[c.op](...c.args.map(arg));  // eslint-disable-line @typescript-eslint/no-explicit-any
  return Array.isArray(r) ? r : [r];
}

function check(c: Case): string | null {
  const label = `${c.base}.${c.op}(${JSON.stringify(c.args).slice(1, -1)})`;
  const [root, b] = base_of(c.base);
  let rs: Tensor[];
  try {
    rs = run(c, b);
  } catch (e) {
    return c.error !== undefined ? null : `${label}: lowbit throws ${(e as Error).message}`;
  }
  if (c.error !== undefined) return `${label}: torch raises ${c.error}, lowbit gives shape [${rs[0]!.shape}]`;
  if (rs.length !== c.out!.length) return `${label}: ${rs.length} results, torch gives ${c.out!.length}`;
  const bad: string[] = [];
  c.out!.forEach((want, i) => {
    const got = rs[i]!;
    const why = mismatch(got, want);
    if (why) bad.push(`[${i}] ${why}`);
    if (JSON.stringify(got.stride()) !== JSON.stringify(want.strides)) bad.push(`[${i}] strides [${got.stride()}], torch [${want.strides}]`);
    if (got.storage_offset() !== want.offset) bad.push(`[${i}] storage offset ${got.storage_offset()}, torch ${want.offset}`);
  });
  if (c.root_after) {
    rs[0]!.fill_(-1);
    const why = mismatch(root, c.root_after);
    if (why) bad.push(`after fill_(-1) through the result, the source: ${why}`);
  }
  return bad.length ? `${label}: ${bad.join("; ")}` : null;
}

describe_backends("shape ops and views vs torch", () => {
  const by_op = new Map<string, Case[]>();
  for (const c of fx.cases as Case[]) by_op.set(c.op, [...(by_op.get(c.op) ?? []), c]);
  for (const [op, cases] of by_op) {
    it(`${op} (${cases.length} cases)`, () => {
      expect(cases.map(check).filter((m) => m !== null)).toEqual([]);
    });
  }
});
