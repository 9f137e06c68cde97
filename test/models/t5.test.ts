// T5ForConditionalGeneration against the tiny-t5 fixture (computed by transformers 4.40.2).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { load_file } from "../../kernel/models/safetensors.js";
import { Seq2SeqLMOutput, T5Config, T5ForConditionalGeneration, T5LayerCache, T5StackOutput } from "../../kernel/models/t5.js";
import { tensor } from "../../kernel/tensor/ops/creation.js";
import { Tensor } from "../../kernel/tensor/tensor.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";
import { expect_close } from "./reference.js";

const ref = fixture_json("models", "tiny-t5", "reference.json");
const tol = ref.tolerances.hidden_states;
const ltol = ref.tolerances.logits_and_step_logits;

function load(): T5ForConditionalGeneration {
  const config = new T5Config(JSON.parse(readFileSync(fixture("models", "tiny-t5", "config.json"), "utf8")));
  const model = new T5ForConditionalGeneration(config).eval();
  const sd = load_file(fixture("models", "tiny-t5", "model.safetensors"));
  sd["encoder.embed_tokens.weight"] = sd["shared.weight"]!;
  sd["decoder.embed_tokens.weight"] = sd["shared.weight"]!;
  model.load_state_dict(sd);
  return model;
}

describe("T5ForConditionalGeneration (tiny-t5)", () => {
  const model = load();
  const input_ids = tensor(ref.input_ids);
  const decoder_input_ids = tensor(ref.decoder_input_ids);

  it("matches HF's encoder and decoder hidden states and logits, teacher-forced", () => {
    const last_block_out: Tensor[] = [];
    for (const stack of [model.encoder, model.decoder]) {
      const blocks = [...stack.block];
      blocks[blocks.length - 1]!.register_forward_hook((_m, _a, out) => { last_block_out.push((out as [Tensor])[0]); });
    }
    const out = model({ input_ids, decoder_input_ids, output_hidden_states: true });
    expect(out.logits.shape).toEqual(ref.logits_shape);
    expect_close(out.logits, ref.logits, ltol, "logits");
    for (const [name, hs, want, last] of [
      ["encoder", out.encoder_hidden_states!, ref.encoder_hidden_states, last_block_out[0]!],
      ["decoder", out.decoder_hidden_states!, ref.decoder_hidden_states, last_block_out[1]!],
    ] as const) {
      const n = want.layers.length;
      // HF's hidden_states: embeddings, every block's output but the last, the final norm
      expect(hs.length, name).toBe(n + 1);
      expect_close(hs[0]!, want.embeddings, tol, `${name} embeddings`);
      for (let i = 0; i < n - 1; i++) expect_close(hs[i + 1]!, want.layers[i], tol, `${name} layer ${i}`);
      expect_close(last, want.layers[n - 1], tol, `${name} layer ${n - 1}`);
      expect_close(hs[n]!, want.final_norm, tol, `${name} final_norm`);
    }
    // untied head: lm_head sees the decoder's final norm output unscaled
    expect_close(out.decoder_hidden_states!.at(-1)!, ref.decoder_hidden_states.lm_head_input, tol, "lm_head input");
  });

  it("decodes incrementally with the KV cache to HF's step logits", () => {
    const gen = ref.generation;
    let enc: T5StackOutput | null = null;
    let past: T5LayerCache[] | null = null;
    const ids: number[] = [gen.decoder_start_token_id];
    for (let k = 0; k < gen.max_new_tokens; k++) {
      const out: Seq2SeqLMOutput = model({ input_ids, encoder_outputs: enc, decoder_input_ids: tensor([[ids[ids.length - 1]!]]), past_key_values: past, use_cache: true });
      enc = out.encoder_outputs;
      past = out.past_key_values;
      const row = out.logits.get(0, -1);
      expect_close(row, gen.step_logits[k], ltol, `step ${k} logits`);
      ids.push(row.argmax().item() as number);
    }
    expect(ids).toEqual(gen.sequences[0]);
  });
});
