// BlipProcessor / AutoProcessor: the image processor and the BERT tokenizer of a BLIP checkpoint
// behind one call, checked against the fixtures' reference pixel_values, BERT encodings and
// unconditional caption.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { torch, transformers } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

const blip = fixture("models", "tiny-blip");
const bert = fixture_json("tokenizers", "bert-base-uncased", "reference.json");
const ref = fixture_json("models", "tiny-blip", "reference.json");

// a BLIP checkpoint as the hub has it: the model's files plus the BERT tokenizer's vocabulary
const dir = mkdtempSync(path.join(tmpdir(), "lowbit-blip-processor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of readdirSync(blip)) copyFileSync(path.join(blip, f), path.join(dir, f));
copyFileSync(fixture("tokenizers", "bert-base-uncased", "vocab.txt"), path.join(dir, "vocab.txt"));

describe("BlipProcessor", () => {
  test("AutoProcessor picks it for a BLIP checkpoint; image and text come out as the references", async () => {
    const processor = await transformers.AutoProcessor.from_pretrained(dir);
    expect(processor).toBeInstanceOf(transformers.BlipProcessor);
    const p = processor as transformers.BlipProcessor;
    const c = bert.cases[1];
    const inputs = await p(path.join(dir, "image.png"), c.text, { return_tensors: "pt" });
    expect(Object.keys(inputs).sort()).toEqual(["attention_mask", "input_ids", "pixel_values"]);
    expect(torch.equal(inputs.pixel_values as torch.Tensor, load_file(path.join(blip, "pixel_values.safetensors")).pixel_values!)).toBe(true);
    expect((inputs.input_ids as torch.Tensor).tolist()).toEqual([c.ids_with_special]);
    expect(p.decode(c.ids_with_special, { skip_special_tokens: true })).toBe(p.tokenizer.decode(c.ids));
  });

  test("images alone feed generate: the unconditional caption of the fixture", async () => {
    const p = await transformers.BlipProcessor.from_pretrained(dir);
    const inputs = await p(path.join(dir, "image.png"), { return_tensors: "pt" });
    expect(Object.keys(inputs)).toEqual(["pixel_values"]);
    const model = await transformers.BlipForConditionalGeneration.from_pretrained(dir);
    const out = await model.generate({ ...inputs, max_new_tokens: 12 });
    expect(out.tolist()).toEqual(ref.cases.find((c: { name: string }) => c.name === "unconditional").generation.sequences);
  });

  test("text alone is the tokenizer's encoding; neither is an error", async () => {
    const p = await transformers.BlipProcessor.from_pretrained(dir);
    expect((await p(null, "a photo of")).input_ids).toEqual(p.tokenizer("a photo of").input_ids);
    await expect(p(null)).rejects.toThrow(/either images or text/);
  });
});
