// course.model: the offline stand-ins of the lessons' models load through transformers' Auto
// classes, their tokenizers encode as the real ones (the fixtures' reference encodings), and
// tokenize → generate → decode runs; building them leaves torch's random stream alone and gives
// the same files every time.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { course, torch, transformers } from "../../kernel/index.js";
import { fixture_json } from "../helpers/fixtures.js";

const cache = mkdtempSync(path.join(os.tmpdir(), "lowbit-course-models-"));
const saved = process.env.XDG_CACHE_HOME;
beforeAll(() => { process.env.XDG_CACHE_HOME = cache; });
afterAll(() => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  rmSync(cache, { recursive: true, force: true });
});

const reference = (name: string) => fixture_json<{ cases: { text: string; ids: number[] }[] }>("tokenizers", name, "reference.json").cases[1]!;

describe("course.model", () => {
  test("with real: true it is the hub id; an id without a stand-in is an error naming the ones there are", async () => {
    expect(await course.model("EleutherAI/pythia-410m", { real: true })).toBe("EleutherAI/pythia-410m");
    await expect(course.model("gpt2")).rejects.toThrow(/no offline stand-in for "gpt2".*EleutherAI\/pythia-410m.*real: true/s);
  });

  test("Pythia: GPT-NeoX with the real vocabulary; the tokenizer encodes as the GPT-NeoX-20B reference; generate runs", async () => {
    torch.manual_seed(7);
    const expected = torch.rand([4]);
    torch.manual_seed(7);
    const dir = await course.model("EleutherAI/pythia-410m");
    expect(torch.rand([4]).tolist()).toEqual(expected.tolist());
    const model = await transformers.AutoModelForCausalLM.from_pretrained(dir);
    expect(model.constructor.name).toBe("GPTNeoXForCausalLM");
    const tok = await transformers.AutoTokenizer.from_pretrained(dir);
    const c = reference("pythia");
    expect(tok(c.text).input_ids).toEqual(c.ids);
    expect(model.config.vocab_size).toBe(50304);   // the real model's embedding rows (the tokenizer's 50277, padded)
    const out = await model.generate({ ...tok(c.text, { return_tensors: "pt" }), max_new_tokens: 5 });
    expect(out.shape).toEqual([1, c.ids.length + 5]);
    expect(typeof tok.decode(out.get(0), { skip_special_tokens: true })).toBe("string");
  });

  test("flan-T5: T5 with the SentencePiece model; encodes as the reference, with </s>", async () => {
    const dir = await course.model("google/flan-t5-small");
    const model = await transformers.AutoModelForSeq2SeqLM.from_pretrained(dir);
    const tok = await transformers.AutoTokenizer.from_pretrained(dir);
    const c = reference("flan-t5");
    expect(tok(c.text).input_ids).toEqual([...c.ids, 1]);
    const out = await model.generate({ ...tok(c.text, { return_tensors: "pt" }), max_new_tokens: 4 });
    expect(out.get(0, 0).item()).toBe(0);   // decoder_start_token_id
  });

  test("BLIP: the processor takes the real preprocessing (384×384) and BERT's vocabulary with [DEC] as bos", async () => {
    const dir = await course.model("Salesforce/blip-image-captioning-base");
    const model = await transformers.BlipForConditionalGeneration.from_pretrained(dir);
    const processor = await transformers.BlipProcessor.from_pretrained(dir);
    const c = reference("bert-base-uncased");
    expect(processor.tokenizer(c.text).input_ids).toEqual([101, ...c.ids, 102]);
    expect(processor.tokenizer.convert_tokens_to_ids("[DEC]")).toBe(model.config.text_config.bos_token_id);
    const inputs = await processor(course.asset("beach.png"), { return_tensors: "pt" });
    expect((inputs.pixel_values as torch.Tensor).shape).toEqual([1, 3, 384, 384]);
    const out = await model.generate({ pixel_values: inputs.pixel_values as torch.Tensor, max_new_tokens: 3 });
    expect(out.get(0, 0).item()).toBe(30522);
    expect(processor.decode(out.get(0), { skip_special_tokens: true })).not.toMatch(/\[DEC\]/);
  });

  test("a stand-in is the same every time it is built", async () => {
    const first = readFileSync(path.join(await course.model("google/flan-t5-small"), "model.safetensors"));
    process.env.XDG_CACHE_HOME = path.join(cache, "again");
    const second = readFileSync(path.join(await course.model("google/flan-t5-small"), "model.safetensors"));
    process.env.XDG_CACHE_HOME = cache;
    expect(second.equals(first)).toBe(true);
  });
});
