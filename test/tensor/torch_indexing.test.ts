// Indexing against PyTorch (test/fixtures/torch/indexing.json): t.get(...) with ints, slice
// strings, "...", null, bool masks and integer index tensors (values, shape, strides, offset and
// shared storage of views), t.set(...), index_select, gather, masked_fill, masked_select,
// nonzero, and the out-of-range errors.
import { expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Index, Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { decode, EncTensor, mismatch, torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("indexing");
type Enc = number | string | null | { t: EncTensor };
type View = EncTensor & { strides: number[]; offset: number };
type GetCase = { index: Enc[]; error?: string; out?: View; root_after?: EncTensor };
type SetCase = { index: Enc[]; value: number | { t: EncTensor }; error?: string; out?: EncTensor };
type FnCase = { op: string; args: (number | { t: EncTensor })[]; error?: string; out?: EncTensor };

const index = (i: Enc): Index => (i !== null && typeof i === "object" ? decode(i.t) : i);
const label = (ix: Enc[]) => `[${ix.map((i) => (i !== null && typeof i === "object" ? `tensor<${i.t.dtype}>[${i.t.shape}]` : JSON.stringify(i))).join(", ")}]`;

function attempt<T>(fn: () => T): T | Error {
  try {
    return fn();
  } catch (e) {
    return e as Error;
  }
}

function check_get(c: GetCase): string | null {
  const root = decode(fx.root);
  const r = attempt(() => root.get(...c.index.map(index)));
  if (r instanceof Error) return c.error !== undefined ? null : `get${label(c.index)}: lowbit throws ${r.message}`;
  if (c.error !== undefined) return `get${label(c.index)}: torch raises ${c.error}, lowbit gives shape [${r.shape}]`;
  const bad = [mismatch(r, c.out!)];
  if (JSON.stringify(r.stride()) !== JSON.stringify(c.out!.strides)) bad.push(`strides [${r.stride()}], torch [${c.out!.strides}]`);
  if (r.storage_offset() !== c.out!.offset) bad.push(`storage offset ${r.storage_offset()}, torch ${c.out!.offset}`);
  if (c.root_after) {
    r.fill_(-1);
    const why = mismatch(root, c.root_after);
    if (why) bad.push(`after fill_(-1) through the result, the source: ${why}`);
  }
  const why = bad.filter((m) => m !== null);
  return why.length ? `get${label(c.index)}: ${why.join("; ")}` : null;
}

function check_set(c: SetCase): string | null {
  const root = decode(fx.root);
  const value = typeof c.value === "object" ? decode(c.value.t) : c.value;
  const r = attempt(() => root.set(c.index.map(index), value));
  const what = `set${label(c.index)} = ${typeof c.value === "object" ? `tensor[${c.value.t.shape}]` : c.value}`;
  if (r instanceof Error) return c.error !== undefined ? null : `${what}: lowbit throws ${r.message}`;
  if (c.error !== undefined) return `${what}: torch raises ${c.error}, lowbit does not`;
  const why = mismatch(root, c.out!);
  return why ? `${what}: ${why}` : null;
}

const FNS: Record<string, (...a: any[]) => Tensor> = {  // eslint-disable-line @typescript-eslint/no-explicit-any
  index_select: torch.index_select, gather: torch.gather, masked_fill: torch.masked_fill,
  masked_select: torch.masked_select, nonzero: torch.nonzero,
};

function check_fn(c: FnCase): string | null {
  const args = c.args.map((a) => (typeof a === "object" ? decode(a.t) : a));
  const r = attempt(() => FNS[c.op]!(...args));
  const what = `${c.op}(${c.args.map((a) => (typeof a === "object" ? `tensor<${a.t.dtype}>[${a.t.shape}]` : a)).join(", ")})`;
  if (r instanceof Error) return c.error !== undefined ? null : `${what}: lowbit throws ${r.message}`;
  if (c.error !== undefined) return `${what}: torch raises ${c.error}, lowbit gives shape [${r.shape}]`;
  const why = mismatch(r, c.out!);
  return why ? `${what}: ${why}` : null;
}

describe_backends("indexing vs torch", () => {
  it(`get (${fx.get.length} cases)`, () => expect((fx.get as GetCase[]).map(check_get).filter((m) => m !== null)).toEqual([]));
  it(`set (${fx.set.length} cases)`, () => expect((fx.set as SetCase[]).map(check_set).filter((m) => m !== null)).toEqual([]));
  it(`index_select, gather, masked_fill, masked_select, nonzero (${fx.functions.length} cases)`, () =>
    expect((fx.functions as FnCase[]).map(check_fn).filter((m) => m !== null)).toEqual([]));
});
