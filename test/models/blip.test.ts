// BlipForConditionalGeneration against the tiny-blip fixture (computed by transformers 4.40.2).
import { describe, expect, it } from "vitest";
import { AutoModelForVision2Seq } from "../../kernel/models/auto.js";
import { BlipForConditionalGeneration, BlipForConditionalGenerationModelOutput } from "../../kernel/models/blip/blip.js";
import { BlipConfig } from "../../kernel/models/blip/configuration.js";
import type { CausalLMOutputWithCrossAttentions } from "../../kernel/models/blip/text.js";
import type { Cache } from "../../kernel/models/generation/cache.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { ones_like, tensor } from "../../kernel/tensor/ops/creation.js";
import { Tensor } from "../../kernel/tensor/tensor.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";
import { checkpoint_without } from "./checkpoint.js";
import { expect_close, expect_relative_error } from "./reference.js";

const dir = fixture("models", "tiny-blip");
const ref = fixture_json("models", "tiny-blip", "reference.json");
const tol = ref.tolerances.hidden_states;
const ltol = ref.tolerances.logits_and_step_logits;
const pixel_values = load_file(fixture("models", "tiny-blip", "pixel_values.safetensors"))["pixel_values"]!;
const [unconditional, conditional] = ref.cases as any[];  // eslint-disable-line @typescript-eslint/no-explicit-any

describe("BlipForConditionalGeneration (tiny-blip)", async () => {
  const model = await AutoModelForVision2Seq.from_pretrained(dir) as BlipForConditionalGeneration;
  const image_embeds = tensor([ref.vision_hidden_states.image_embeds]);

  it("fills the text and vision config defaults that config.json leaves out", () => {
    const c = model.config;
    expect(model).toBeInstanceOf(BlipForConditionalGeneration);
    expect([c.text_config.layer_norm_eps, c.text_config.sep_token_id, c.text_config.pad_token_id, c.text_config.hidden_act]).toEqual([1e-12, 102, 0, "gelu"]);
    expect([c.vision_config.layer_norm_eps, c.vision_config.hidden_act]).toEqual([1e-5, "gelu"]);
    expect(c.text_config.encoder_hidden_size).toBe(c.vision_config.hidden_size);
    // the decoder bias is one tensor under two names, the vocabulary projection is not tied
    const head = model.text_decoder.cls.predictions;
    expect(head.decoder.bias).toBe(head.bias);
    expect(head.decoder.weight).not.toBe(model.text_decoder.bert.embeddings.word_embeddings.weight);
  });

  it("reads an older hub config that spells out every key the same way", () => {
    const full = new BlipConfig({ text_config: new BlipConfig().text_config.to_dict(), vision_config: new BlipConfig().vision_config.to_dict() });
    const diff = new BlipConfig({});
    expect(full.text_config.to_dict()).toEqual(diff.text_config.to_dict());
    expect(full.vision_config.to_dict()).toEqual(diff.vision_config.to_dict());
  });

  it("matches HF's vision hidden states and image embeddings", () => {
    const out: BlipForConditionalGenerationModelOutput = model(pixel_values, { input_ids: tensor(unconditional.decoder_input_ids), output_hidden_states: true });
    const want = ref.vision_hidden_states;
    expect(out.hidden_states!.length).toBe(want.layers.length + 1);
    expect_close(out.hidden_states![0]!, want.embeddings, tol, "vision embeddings");
    want.layers.forEach((l: number[][], i: number) => expect_close(out.hidden_states![i + 1]!, l, tol, `vision layer ${i}`));
    expect_close(out.image_embeds, want.image_embeds, tol, "image_embeds");
  });

  for (const c of ref.cases) {
    it(`matches HF's text hidden states and logits (${c.name})`, () => {
      let head_input: Tensor | null = null;
      const h = model.text_decoder.cls.predictions.transform.register_forward_hook((_m, _a, out) => { head_input = out as Tensor; });
      const full: BlipForConditionalGenerationModelOutput = model({ pixel_values, input_ids: tensor(c.decoder_input_ids) });
      const text: CausalLMOutputWithCrossAttentions = model.text_decoder({ input_ids: tensor(c.decoder_input_ids), encoder_hidden_states: image_embeds, output_hidden_states: true });
      h.remove();
      expect(full.logits.shape).toEqual(c.logits_shape);
      expect_close(full.logits, c.logits, ltol, "logits");
      expect_close(text.logits, c.logits, ltol, "text decoder logits on HF's image_embeds");
      const want = c.text_hidden_states;
      expect_close(text.hidden_states![0]!, want.embeddings, tol, "text embeddings");
      want.layers.forEach((l: number[][], i: number) => expect_close(text.hidden_states![i + 1]!, l, tol, `text layer ${i}`));
      expect_close(head_input!, want.lm_head_input, tol, "lm_head input");
    });

    it(`decodes step by step with the KV cache to HF's step logits (${c.name})`, () => {
      const gen = c.generation;
      const ids: number[] = [...c.decoder_input_ids[0]];
      let past: Cache | null = null;
      let step = tensor(c.decoder_input_ids);
      for (let k = 0; k < gen.max_new_tokens; k++) {
        const out: CausalLMOutputWithCrossAttentions = model.text_decoder({ input_ids: step, encoder_hidden_states: image_embeds, past_key_values: past, use_cache: true });
        past = out.past_key_values;
        const row = out.logits.get(0, -1);
        expect_close(row, gen.step_logits[k], ltol, `step ${k} logits`);
        ids.push(row.argmax().item() as number);
        step = tensor([[ids.at(-1)!]]);
      }
      expect(ids).toEqual(gen.sequences[0]);
    });
  }

  it("generates HF's unconditional caption from [[bos]]", async () => {
    const out = await model.generate({ pixel_values, max_new_tokens: unconditional.generation.max_new_tokens });
    expect(out.tolist()).toEqual(unconditional.generation.sequences);
  });

  it("generates HF's conditional caption, [CLS] becoming bos and the trailing [SEP] dropped", async () => {
    const input_ids = tensor(conditional.generate_input_ids);
    const attention_mask = ones_like(input_ids);
    const out = await model.generate({ pixel_values, input_ids, attention_mask, max_new_tokens: conditional.generation.max_new_tokens });
    expect(out.tolist()).toEqual(conditional.generation.sequences);
    expect(input_ids.tolist()).toEqual(conditional.generate_input_ids);
  });

  it("stops at [SEP] (text_config.sep_token_id), as HF's caption does", async () => {
    // a model whose sep is the 4th generated token: HF's greedy run is the same prefix, ending there
    const gen = unconditional.generation;
    const m = await AutoModelForVision2Seq.from_pretrained(dir, { text_config: { ...model.config.text_config.to_dict(), sep_token_id: gen.new_tokens[3] } }) as BlipForConditionalGeneration;
    const out = await m.generate({ pixel_values, max_new_tokens: gen.max_new_tokens });
    expect(out.tolist()).toEqual([gen.sequences[0].slice(0, 5)]);
  });

  for (const [dtype, eps] of [["float16", 2 ** -11], ["bfloat16", 2 ** -8]] as const) {
    it(`runs in ${dtype}, staying within a few roundings of the float32 logits`, async () => {
      const m = await AutoModelForVision2Seq.from_pretrained(dir, { torch_dtype: dtype }) as BlipForConditionalGeneration;
      const out: BlipForConditionalGenerationModelOutput = m({ pixel_values, input_ids: tensor(conditional.decoder_input_ids) });
      expect(out.logits.dtype.name).toBe(dtype);
      // measured: about 4-5 unit roundoffs of the dtype over the vision and text layers; 16 leaves
      // headroom without admitting a wrong computation (those are off by O(1))
      expect_relative_error(out.logits, conditional.logits, 16 * eps, `${dtype} logits`);
      const seq = await m.generate({ pixel_values, max_new_tokens: 4 });
      expect(seq.shape).toEqual([1, 5]);
    });
  }

  it("from_pretrained names a weight missing from the checkpoint", async () => {
    const damaged = checkpoint_without("tiny-blip", ["text_decoder.bert.encoder.layer.1.crossattention.self.key.bias"]);
    await expect(AutoModelForVision2Seq.from_pretrained(damaged)).rejects.toThrow(/missing weight "text_decoder\.bert\.encoder\.layer\.1\.crossattention\.self\.key\.bias"/);
  });
});

describe("BLIP's memory footprint", () => {
  it("counts what transformers counts: the checkpoint's tensors plus the int64 position-ids buffer", async () => {
    const model = await BlipForConditionalGeneration.from_pretrained(dir);
    const ITEMSIZE: Record<string, number> = { F32: 4, BF16: 2, F16: 2, I64: 8 };
    const stored = Object.values(ref.safetensors_tensors as Record<string, { dtype: string; shape: number[] }>)
      .reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1) * ITEMSIZE[t.dtype]!, 0);
    // BlipTextEmbeddings registers position_ids (arange(max_position_embeddings), int64), not saved
    expect(model.get_memory_footprint()).toBe(stored + 8 * model.config.text_config.max_position_embeddings);
  });
});
