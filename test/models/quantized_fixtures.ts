// What the quantized-model tests share: the tiny fixtures with the layers transformers leaves in
// float (the LM head; T5's float32 `wo` under bitsandbytes), their safetensors headers, logits for a
// fixture's reference inputs, scratch directories, and rewriting a saved checkpoint's tensors.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { torch, transformers, Tensor } from "../../kernel/index.js";
import { checkpoint_state_dict } from "../../kernel/models/quantizers/state_dict.js";
import { load_file, save_file } from "../../kernel/models/safetensors.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

export interface Fx {
  name: string;
  auto: { from_pretrained(id: string, o?: object): Promise<transformers.PreTrainedModel> };
  /** the output embedding transformers' get_keys_to_not_convert keeps in float */
  head: string;
  /** T5's _keep_in_fp32_modules */
  keep_fp32: string[];
}

export const FIXTURES: Fx[] = [
  { name: "tiny-gpt-neox", auto: transformers.AutoModelForCausalLM, head: "embed_out", keep_fp32: [] },
  { name: "tiny-opt", auto: transformers.AutoModelForCausalLM, head: "lm_head", keep_fp32: [] },
  { name: "tiny-llama", auto: transformers.AutoModelForCausalLM, head: "lm_head", keep_fp32: [] },
  { name: "tiny-t5", auto: transformers.AutoModelForSeq2SeqLM, head: "lm_head", keep_fp32: ["wo"] },
];

export type Header = Record<string, { dtype: string; shape: number[] }>;
export const header = (name: string): Header => fixture_json("models", name, "reference.json").safetensors_tensors;
export const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
export const fixture_weights = (name: string): Record<string, Tensor> => load_file(fixture("models", name, "model.safetensors"));

const EMBEDDINGS = /(embed_in|embed_tokens|embed_positions|shared|relative_attention_bias)\.weight$/;

/** The checkpoint's nn.Linear weights by module name: 2-D ".weight" tensors that are not embeddings. */
export function linear_weights(h: Header): Map<string, number[]> {
  return new Map(Object.entries(h).filter(([k, t]) => k.endsWith(".weight") && t.shape.length === 2 && !EMBEDDINGS.test(k))
    .map(([k, t]) => [k.slice(0, -".weight".length), t.shape]));
}

/** The Linear layers bitsandbytes converts: all but the head and the float32-kept ones. */
export function bnb_converted(fx: Fx): Map<string, number[]> {
  const all = linear_weights(header(fx.name));
  return new Map([...all].filter(([k]) => k !== fx.head && !fx.keep_fp32.includes(k.split(".").pop()!)));
}

/** The model's logits for the fixture's reference inputs, and those reference fp32 logits. */
export function logits(fx: Fx, model: transformers.PreTrainedModel): Tensor {
  const ref = fixture_json("models", fx.name, "reference.json");
  const input_ids = torch.tensor(ref.input_ids);
  const out = fx.name === "tiny-t5" ? model({ input_ids, decoder_input_ids: torch.tensor(ref.decoder_input_ids) }) : model(input_ids);
  return out.logits;
}
export const reference_logits = (fx: Fx): number[][] => fixture_json("models", fx.name, "reference.json").logits;
export const reference_input_ids = (fx: Fx): Tensor => torch.tensor(fixture_json("models", fx.name, "reference.json").input_ids);

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
export function scratch(): string {
  const d = mkdtempSync(path.join(tmpdir(), "lowbit-quantized-"));
  made.push(d);
  return d;
}

/** Rewrites dir/model.safetensors through `edit` (which may delete or replace tensors). */
export function edit_checkpoint(dir: string, edit: (t: Record<string, Tensor>) => void): void {
  const file = path.join(dir, "model.safetensors");
  const tensors = { ...load_file(file) };
  edit(tensors);
  save_file(tensors, file, { format: "pt" });
}

/** Every tensor of two models' checkpoint state dicts equal, bit for bit, under the same names. */
export function same_state(a: transformers.PreTrainedModel, b: transformers.PreTrainedModel): string[] {
  const sa = checkpoint_state_dict(a), sb = checkpoint_state_dict(b);
  const bad = Object.keys(sa).filter((k) => !(k in sb) || sa[k]!.dtype !== sb[k]!.dtype || !torch.equal(sa[k]!, sb[k]!));
  return [...bad, ...Object.keys(sb).filter((k) => !(k in sa))];
}
