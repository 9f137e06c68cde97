// get_memory_footprint, num_parameters and compute_module_sizes against sizes computed
// independently from each checkpoint's safetensors header (reference.json safetensors_tensors).
import { describe, expect, test } from "vitest";
import { torch, transformers } from "../../kernel/index.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

const ITEMSIZE: Record<string, number> = { F32: 4, BF16: 2, F16: 2 };
type Header = Record<string, { dtype: string; shape: number[] }>;
const numel = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

// bytes per dotted prefix of every tensor name, '' for all, as accelerate sums them
function header_sizes(header: Header, itemsize?: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(header)) {
    const bytes = numel(t.shape) * (itemsize ?? ITEMSIZE[t.dtype]!);
    const parts = name.split(".");
    for (let i = 0; i <= parts.length; i++) out[parts.slice(0, i).join(".")] = (out[parts.slice(0, i).join(".")] ?? 0) + bytes;
  }
  return out;
}

describe.each(["tiny-gpt-neox", "tiny-gpt-neox-bf16", "tiny-opt", "tiny-llama"])("%s", (name) => {
  const header: Header = fixture_json("models", name, "reference.json").safetensors_tensors;
  const dir = fixture("models", name);

  test("float32 load: footprint, parameter count and module sizes", async () => {
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir);
    const want = header_sizes(header, 4);
    expect(model.get_memory_footprint()).toBe(want[""]);
    expect(model.num_parameters()).toBe(Object.values(header).reduce((s, t) => s + numel(t.shape), 0));
    // a tied head (OPT's lm_head) is the embedding itself: counted once, under the embedding
    expect(transformers.compute_module_sizes(model)).toEqual(want);
  });

  test("torch_dtype auto keeps the checkpoint's dtype; to() converts", async () => {
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir, { torch_dtype: "auto" });
    expect(model.get_memory_footprint()).toBe(header_sizes(header)[""]);
    model.to(torch.float16);
    expect(model.get_memory_footprint()).toBe(header_sizes(header, 2)[""]);
    expect(transformers.compute_module_sizes(model, { dtype: torch.float16 })[""]).toBe(header_sizes(header, 2)[""]);
  });
});
