// BlipForConditionalGeneration against the tiny-blip fixture (computed by transformers 4.40.2).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BlipConfig } from "../../kernel/models/blip/configuration.js";
import { BlipForConditionalGeneration, BlipForConditionalGenerationOutput } from "../../kernel/models/blip/blip.js";
import { BlipTextLayerCache } from "../../kernel/models/blip/text.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { tensor } from "../../kernel/tensor/ops/creation.js";
import { Tensor } from "../../kernel/tensor/tensor.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";
import { expect_close } from "./reference.js";

const ref = fixture_json("models", "tiny-blip", "reference.json");
const tol = ref.tolerances.hidden_states;
const ltol = ref.tolerances.logits_and_step_logits;
const pixel_values = load_file(fixture("models", "tiny-blip", "pixel_values.safetensors"))["pixel_values"]!;

function load(): BlipForConditionalGeneration {
  const config = new BlipConfig(JSON.parse(readFileSync(fixture("models", "tiny-blip", "config.json"), "utf8")));
  const model = new BlipForConditionalGeneration(config).eval();
  const sd = load_file(fixture("models", "tiny-blip", "model.safetensors"));
  sd["text_decoder.cls.predictions.decoder.bias"] = sd["text_decoder.cls.predictions.bias"]!;
  model.load_state_dict(sd);
  return model;
}

describe("BlipForConditionalGeneration (tiny-blip)", () => {
  const model = load();

  it("fills the text and vision config defaults that config.json leaves out", () => {
    const c = model.config;
    expect([c.text_config.layer_norm_eps, c.text_config.sep_token_id, c.text_config.pad_token_id, c.text_config.hidden_act]).toEqual([1e-12, 102, 0, "gelu"]);
    expect([c.vision_config.layer_norm_eps, c.vision_config.hidden_act]).toEqual([1e-5, "gelu"]);
    expect(c.text_config.encoder_hidden_size).toBe(c.vision_config.hidden_size);
  });

  it("matches HF's vision hidden states and image embeddings", () => {
    const vis = model.vision_model({ pixel_values, output_hidden_states: true });
    const want = ref.vision_hidden_states;
    expect_close(vis.hidden_states[0], want.embeddings, tol, "vision embeddings");
    want.layers.forEach((l: number[][], i: number) => expect_close(vis.hidden_states[i + 1], l, tol, `vision layer ${i}`));
    expect_close(vis.last_hidden_state, want.image_embeds, tol, "image_embeds");
  });

  for (const c of ref.cases) {
    it(`matches HF's text hidden states and logits (${c.name})`, () => {
      let head_input: Tensor | null = null;
      const h = model.text_decoder.cls.predictions.transform.register_forward_hook((_m, _a, out) => { head_input = out as Tensor; });
      const out: BlipForConditionalGenerationOutput = model({ pixel_values, input_ids: tensor(c.decoder_input_ids), output_hidden_states: true });
      h.remove();
      expect(out.logits.shape).toEqual(c.logits_shape);
      expect_close(out.logits, c.logits, ltol, "logits");
      const want = c.text_hidden_states;
      expect_close(out.hidden_states![0]!, want.embeddings, tol, "text embeddings");
      want.layers.forEach((l: number[][], i: number) => expect_close(out.hidden_states![i + 1]!, l, tol, `text layer ${i}`));
      expect_close(head_input!, want.lm_head_input, tol, "lm_head input");
    });

    it(`decodes incrementally with the KV cache to HF's step logits (${c.name})`, () => {
      const gen = c.generation;
      const ids: number[] = [...c.decoder_input_ids[0]];
      let image_embeds: Tensor | undefined;
      let past: BlipTextLayerCache[] | null = null;
      let step = tensor(c.decoder_input_ids);
      for (let k = 0; k < gen.max_new_tokens; k++) {
        const out: BlipForConditionalGenerationOutput = model({ pixel_values, image_embeds, input_ids: step, past_key_values: past, use_cache: true });
        image_embeds = out.image_embeds;
        past = out.past_key_values;
        const row = out.logits.get(0, -1);
        expect_close(row, gen.step_logits[k], ltol, `step ${k} logits`);
        ids.push(row.argmax().item() as number);
        step = tensor([[ids.at(-1)!]]);
      }
      expect(ids).toEqual(gen.sequences[0]);
    });
  }
});
