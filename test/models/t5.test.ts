// T5ForConditionalGeneration against the tiny-t5 fixture (computed by transformers 4.40.2).
import { describe, expect, it } from "vitest";
import { AutoModel, AutoModelForSeq2SeqLM } from "../../kernel/models/auto.js";
import { Seq2SeqLMOutput, T5ForConditionalGeneration, T5Model } from "../../kernel/models/t5.js";
import type { Cache } from "../../kernel/models/generation/cache.js";
import { tensor } from "../../kernel/tensor/ops/creation.js";
import { Tensor } from "../../kernel/tensor/tensor.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";
import { checkpoint_without } from "./checkpoint.js";
import { expect_close, expect_relative_error } from "./reference.js";

const dir = fixture("models", "tiny-t5");
const ref = fixture_json("models", "tiny-t5", "reference.json");
const tol = ref.tolerances.hidden_states;
const ltol = ref.tolerances.logits_and_step_logits;
const input_ids = tensor(ref.input_ids);
const decoder_input_ids = tensor(ref.decoder_input_ids);
const gen = ref.generation;

describe("T5ForConditionalGeneration (tiny-t5)", async () => {
  const model = await AutoModelForSeq2SeqLM.from_pretrained(dir) as T5ForConditionalGeneration;

  it("loads through AutoModelForSeq2SeqLM with encoder/decoder embed_tokens aliasing shared", () => {
    expect(model).toBeInstanceOf(T5ForConditionalGeneration);
    expect(model.encoder.embed_tokens.weight).toBe(model.shared.weight);
    expect(model.decoder.embed_tokens.weight).toBe(model.shared.weight);
    expect(model.lm_head.weight).not.toBe(model.shared.weight);
    expect(model.config.dense_act_fn).toBe("gelu_new");
    expect(model.config.is_gated_act).toBe(true);
  });

  it("matches HF's encoder and decoder hidden states and logits, teacher-forced", () => {
    const last_block_out: Tensor[] = [];
    const hooks = [model.encoder, model.decoder].map((stack) =>
      [...stack.block].at(-1)!.register_forward_hook((_m, _a, out) => { last_block_out.push(out as Tensor); }));
    const out: Seq2SeqLMOutput = model({ input_ids, decoder_input_ids, output_hidden_states: true });
    hooks.forEach((h) => h.remove());
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
    expect_close(out.encoder_last_hidden_state, ref.encoder_hidden_states.final_norm, tol, "encoder_last_hidden_state");
  });

  it("decodes step by step with the KV cache to HF's step logits", () => {
    let encoder_outputs: { last_hidden_state: Tensor } | null = null;
    let past: Cache | null = null;
    const ids: number[] = [gen.decoder_start_token_id];
    for (let k = 0; k < gen.max_new_tokens; k++) {
      const out: Seq2SeqLMOutput = model({ input_ids, encoder_outputs, decoder_input_ids: tensor([[ids.at(-1)!]]), past_key_values: past, use_cache: true });
      encoder_outputs = { last_hidden_state: out.encoder_last_hidden_state };
      past = out.past_key_values;
      const row = out.logits.get(0, -1);
      expect_close(row, gen.step_logits[k], ltol, `step ${k} logits`);
      ids.push(row.argmax().item() as number);
    }
    expect(ids).toEqual(gen.sequences[0]);
  });

  it("generates HF's greedy sequence, starting with decoder_start_token_id", async () => {
    const out = await model.generate({ input_ids, max_new_tokens: gen.max_new_tokens });
    expect(out.tolist()).toEqual(gen.sequences);
  });

  it("stops at eos_token_id as HF does", async () => {
    // with the third generated token as EOS, HF's greedy run is the same prefix, ending there
    const eos = gen.new_tokens[2];
    const out = await model.generate({ input_ids, max_new_tokens: gen.max_new_tokens, eos_token_id: eos });
    expect(out.tolist()).toEqual([gen.sequences[0].slice(0, 4)]);
  });

  it("masks encoder padding: each row of a padded batch decodes as it would alone", () => {
    const short = [77, 373, 1];
    const pad = model.config.pad_token_id!;
    const batch = tensor([ref.input_ids[0], [...short, ...Array(ref.input_ids[0].length - short.length).fill(pad)]]);
    const attention_mask = batch.ne(pad).long();
    const dec = tensor([ref.decoder_input_ids[0], ref.decoder_input_ids[0]]);
    const both: Seq2SeqLMOutput = model({ input_ids: batch, attention_mask, decoder_input_ids: dec });
    expect_close(both.logits.get(0), ref.logits, ltol, "row 0 logits");
    const alone: Seq2SeqLMOutput = model({ input_ids: tensor([short]), decoder_input_ids });
    expect_close(both.logits.get(1), alone.logits.get(0).tolist() as number[][], ltol, "row 1 logits");
  });

  it("loads the bare T5Model through AutoModel, leaving the LM head out", async () => {
    const base = await AutoModel.from_pretrained(dir) as T5Model;
    expect(base).toBeInstanceOf(T5Model);
    const out = base({ input_ids, decoder_input_ids });
    expect_close(out.last_hidden_state, ref.decoder_hidden_states.final_norm, tol, "decoder output");
  });

  for (const [dtype, eps] of [["float16", 2 ** -11], ["bfloat16", 2 ** -8]] as const) {
    it(`runs in ${dtype}, staying within a few roundings of the float32 logits`, async () => {
      const m = await AutoModelForSeq2SeqLM.from_pretrained(dir, { torch_dtype: dtype }) as T5ForConditionalGeneration;
      const out: Seq2SeqLMOutput = m({ input_ids, decoder_input_ids });
      expect(out.logits.dtype.name).toBe(dtype);
      // measured: about 3 unit roundoffs of the dtype over the 2+2 layers; 8 leaves headroom without
      // admitting a wrong computation (those are off by O(1))
      expect_relative_error(out.logits, ref.logits, 8 * eps, `${dtype} logits`);
      const seq = await m.generate({ input_ids, max_new_tokens: gen.max_new_tokens });
      expect(seq.shape).toEqual([1, 1 + gen.max_new_tokens]);
    });
  }

  it("from_pretrained names a weight missing from the checkpoint", async () => {
    const damaged = checkpoint_without("tiny-t5", ["decoder.block.1.layer.1.EncDecAttention.k.weight"]);
    await expect(AutoModelForSeq2SeqLM.from_pretrained(damaged)).rejects.toThrow(/missing weight "decoder\.block\.1\.layer\.1\.EncDecAttention\.k\.weight"/);
  });
});
