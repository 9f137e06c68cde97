// save_pretrained: what transformers wrote for each fixture is what lowbit writes back (the same
// tensors under the same names, tied aliases left out), and a sharded save loads to the same model.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { torch, transformers } from "../../kernel/index.js";
import { fixture } from "../helpers/fixtures.js";

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratch(): string {
  const d = mkdtempSync(path.join(tmpdir(), "lowbit-save-"));
  made.push(d);
  return d;
}

const AUTO: Record<string, { from_pretrained(id: string, o?: object): Promise<transformers.PreTrainedModel> }> = {
  "tiny-gpt-neox": transformers.AutoModelForCausalLM,
  "tiny-gpt-neox-bf16": transformers.AutoModelForCausalLM,
  "tiny-opt": transformers.AutoModelForCausalLM,
  "tiny-llama": transformers.AutoModelForCausalLM,
  "tiny-t5": transformers.AutoModelForSeq2SeqLM,
  "tiny-blip": transformers.AutoModelForVision2Seq,
};

describe("save_pretrained", () => {
  test.each(Object.keys(AUTO))("%s: model.safetensors comes back byte for byte as transformers wrote it", async (name) => {
    const dir = fixture("models", name);
    const model = await AUTO[name]!.from_pretrained(dir, { torch_dtype: "auto" });
    const out = scratch();
    await model.save_pretrained(out);
    expect(readFileSync(path.join(out, "model.safetensors")).equals(readFileSync(path.join(dir, "model.safetensors")))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"));
    expect(config.model_type).toBe(JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")).model_type);
    expect(readdirSync(out).sort()).toEqual(["config.json", "generation_config.json", "model.safetensors"]);
  });

  test("a sharded save reloads to the same logits and generation config", async () => {
    const dir = fixture("models", "tiny-llama");
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir);
    const out = scratch();
    await model.save_pretrained(out, { max_shard_size: "200KB" });
    const files = readdirSync(out).sort();
    expect(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(1);
    expect(files).toContain("model.safetensors.index.json");
    const again = await transformers.AutoModelForCausalLM.from_pretrained(out);
    const ids = torch.tensor([[1, 5, 9, 42, 7]]);
    expect(torch.equal(again(ids).logits, model(ids).logits)).toBe(true);
    expect(again.generation_config.to_dict()).toEqual(model.generation_config.to_dict());
  });
});
