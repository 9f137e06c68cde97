// The checks every decoder-only fixture goes through (tiny checkpoints in ../shared/fixtures/models
// with what transformers 4.40.2 computed for them): logits, every hidden state, the KV-cache
// path step by step, greedy ids, left-padded batches and EOS stopping.
import { describe, expect, test } from "vitest";
import { torch, transformers } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import type { PreTrainedModel } from "../../kernel/models/modeling_utils.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

type Rows = number[][];
export interface Tol { atol: number; rtol: number }

/** |got - want| <= atol + rtol * |want| everywhere (want's values are float32 decimals). */
export function expect_close(got: Tensor, want: Rows, tol: Tol, what: string): void {
  const g = got.to(torch.float32).tolist() as Rows;
  expect(g.length, `${what}: rows`).toBe(want.length);
  let worst = { excess: 0, at: "" };
  want.forEach((row, i) => {
    expect(g[i]!.length, `${what}: row ${i} length`).toBe(row.length);
    row.forEach((w, j) => {
      const excess = Math.abs(g[i]![j]! - Math.fround(w)) - (tol.atol + tol.rtol * Math.abs(w));
      if (excess > worst.excess) worst = { excess, at: `[${i}][${j}] got ${g[i]![j]} want ${w}` };
    });
  });
  expect(worst.at, `${what}: outside atol ${tol.atol} + rtol ${tol.rtol}`).toBe("");
}

export function load_ref(name: string) {  // eslint-disable-line @typescript-eslint/explicit-function-return-type
  const ref = fixture_json(`models`, name, "reference.json");
  return {
    dir: fixture("models", name),
    ref,
    ids: torch.tensor(ref.input_ids as Rows),
    tol_logits: ref.tolerances.logits_and_step_logits as Tol,
    tol_hidden: ref.tolerances.hidden_states as Tol,
  };
}

const ids_of = (t: Tensor): Rows => (t.tolist() as Rows);

/** The shared suite for one fixture; `head`/`last_layer` name the output projection and the last
 *  decoder layer (their input/output are the fixture's lm_head_input / layers[n-1]). */
export function describe_causal_lm(name: string, o: { head: string; layers: string }): void {
  describe(name, () => {
    const { dir, ref, ids, tol_logits, tol_hidden } = load_ref(name);
    const gen = ref.generation;
    const load = () => transformers.AutoModelForCausalLM.from_pretrained(dir) as Promise<PreTrainedModel>;

    test("logits and every hidden state match transformers", async () => {
      const model = await load();
      const n = model.config.num_hidden_layers;
      let lm_head_input: Tensor | null = null, last_layer: Tensor | null = null;
      model.get_submodule(o.head).register_forward_pre_hook((_m, args) => { lm_head_input = args[0] as Tensor; });
      model.get_submodule(`${o.layers}.${n - 1}`).register_forward_hook((_m, _a, out) => { last_layer = out as Tensor; });
      const out = model({ input_ids: ids, output_hidden_states: true });
      expect(out.logits.shape).toEqual(ref.logits_shape);
      expect_close(out.logits.get(0), ref.logits, tol_logits, "logits");
      const hs = out.hidden_states as Tensor[];
      expect(hs.length).toBe(n + 1);
      expect_close(hs[0]!.get(0), ref.hidden_states.embeddings, tol_hidden, "embeddings");
      for (let i = 0; i < n - 1; i++) expect_close(hs[i + 1]!.get(0), ref.hidden_states.layers[i], tol_hidden, `layer ${i}`);
      expect_close(last_layer!.get(0), ref.hidden_states.layers[n - 1], tol_hidden, `layer ${n - 1}`);
      expect_close(hs[n]!.get(0), ref.hidden_states.final_norm, tol_hidden, "final norm");
      expect_close(lm_head_input!.get(0), ref.hidden_states.lm_head_input, tol_hidden, "lm_head input");
    });

    test("step logits through the KV cache", async () => {
      const model = await load();
      let out = model(ids);
      expect_close(out.logits.get(0, -1, null), [gen.step_logits[0]], tol_logits, "step 0");
      for (let k = 1; k < gen.step_logits.length; k++) {
        const token = torch.tensor([[gen.new_tokens[k - 1]]]);
        out = model({ input_ids: token, past_key_values: out.past_key_values });
        expect(out.past_key_values.get_seq_length()).toBe(ids.shape[1] + k);
        expect_close(out.logits.get(0), [gen.step_logits[k]], tol_logits, `step ${k}`);
      }
    });

    test("greedy generate gives transformers' ids", async () => {
      const model = await load();
      const seq = await model.generate({ input_ids: ids, max_new_tokens: gen.max_new_tokens });
      expect(seq.dtype).toBe(torch.int64);
      expect(ids_of(seq)).toEqual(gen.sequences);
    });

    test("left-padded batch: each row as if generated alone", async () => {
      const model = await load();
      const prompt = ref.input_ids[0] as number[];
      // transformers pads with EOS when there is no pad token
      const pad = model.generation_config.pad_token_id ?? model.generation_config.eos_token_id as number;
      const longer = [prompt[0]!, 5, 6, 7, ...prompt.slice(1)];
      const batch = torch.tensor([[pad, pad, pad, ...prompt], longer]);
      const attention_mask = torch.tensor([[0, 0, 0, ...prompt.map(() => 1)], longer.map(() => 1)]);
      const seq = ids_of(await model.generate({ input_ids: batch, attention_mask, max_new_tokens: gen.max_new_tokens }));
      expect(seq[0]!.slice(3)).toEqual(gen.sequences[0]);
      const alone = ids_of(await model.generate({ input_ids: torch.tensor([longer]), max_new_tokens: gen.max_new_tokens }));
      // alone, the row may stop at EOS earlier; in the batch it is padded from there on
      expect(seq[1]).toEqual([...alone[0]!, ...Array(seq[1]!.length - alone[0]!.length).fill(pad)]);
    });

    test("stops at EOS and pads finished rows", async () => {
      const model = await load();
      const k = (gen.new_tokens as number[]).findIndex((t, i) => i >= 3 && !(gen.new_tokens as number[]).slice(0, i).includes(t));
      const eos = gen.new_tokens[k];
      const cut = await model.generate({ input_ids: ids, max_new_tokens: gen.max_new_tokens, eos_token_id: eos });
      expect(ids_of(cut)[0]).toEqual(gen.sequences[0].slice(0, ids.shape[1] + k + 1));
      // in a batch, the finished row is padded while the other one runs on
      const other = [...ref.input_ids[0].slice(0, -1), 9];
      const seq = ids_of(await model.generate({ input_ids: torch.tensor([ref.input_ids[0], other]), max_new_tokens: gen.max_new_tokens, eos_token_id: eos, pad_token_id: 3 }));
      const T = ids.shape[1];
      const row1_new = seq[1]!.slice(T);
      const row1_stop = row1_new.indexOf(eos);
      // generation runs until both rows are done (or out of tokens)
      expect(seq[0]!.length).toBe(T + Math.max(k + 1, row1_stop < 0 ? gen.max_new_tokens : row1_stop + 1));
      expect(seq[0]).toEqual([...gen.sequences[0].slice(0, T + k + 1), ...Array(seq[0]!.length - T - k - 1).fill(3)]);
    });
  });
}
