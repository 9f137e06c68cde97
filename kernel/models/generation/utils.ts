// transformers' GenerationMixin: generate() for greedy decoding and sampling (num_beams 1) with a
// KV cache, batched prompts (left padding), EOS stopping and the generation_config defaults.
//
// The contract a model family follows to generate (PreTrainedModel inherits this class; a family
// overrides only the hooks whose default does not fit it):
//
//   forward(inputs)                 takes the object prepare_inputs_for_generation returns and
//                                   returns { logits [batch, seq, vocab], past_key_values, ... }.
//   can_generate()                  true for models with a language-model head.
//   main_input_name                 the name generate() reads the prompt from: "input_ids" for
//                                   text, "pixel_values" for an image captioner (BLIP).
//   _prepare_attention_mask_for_generation(inputs, pad_token_id, eos_token_id)
//                                   the mask when none is given: inputs != pad where a pad id
//                                   that is not EOS occurs in integer inputs, else all ones.
//   _prepare_encoder_decoder_kwargs_for_generation(inputs_tensor, model_kwargs)    [async]
//                                   encoder-decoder models only (config.is_encoder_decoder):
//                                   runs the encoder once and returns model_kwargs with
//                                   `encoder_outputs` set. The default calls get_encoder() with
//                                   { [main_input_name]: inputs_tensor, attention_mask }.
//   _prepare_decoder_input_ids_for_generation(batch_size, model_kwargs)
//                                   encoder-decoder models: the decoder's first ids (the given
//                                   `decoder_input_ids`, else [[decoder_start_token_id]] per row).
//                                   For decoder-only models the prompt itself is the start.
//   _get_cache(batch_size, max_cache_len)
//                                   the cache object generate() passes as past_key_values on the
//                                   first step: a DynamicCache sized for the whole run. A family
//                                   with cross-attention returns its own object (whatever its
//                                   layers understand); generate() only hands it back to forward.
//   prepare_inputs_for_generation(input_ids, model_kwargs)
//                                   the forward inputs of one step. input_ids holds every token so
//                                   far ([batch, length], the decoder's for encoder-decoder models);
//                                   the default feeds the tokens the cache has not seen, with
//                                   position_ids from the attention mask (cumsum - 1, padding 1)
//                                   as transformers' GPT-NeoX and Llama compute them.
//   _update_model_kwargs_for_generation(outputs, model_kwargs, is_encoder_decoder)
//                                   after a step: keeps outputs.past_key_values and grows the
//                                   attention mask (decoder_attention_mask for encoder-decoder
//                                   models) by one column of ones.
//
// model_kwargs are generate()'s inputs minus the generation settings (attention_mask,
// pixel_values, encoder_outputs, decoder_input_ids, ...) plus use_cache and past_key_values.
import { bool, int64 } from "../../tensor/dtype.js";
import { cat } from "../../tensor/ops/shape_ops.js";
import { full, ones } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import type { PretrainedConfig } from "../configuration_utils.js";
import { DynamicCache, type Cache } from "./cache.js";
import { GenerationConfig, type GenerationConfigFields } from "./configuration_utils.js";
import { logits_warper } from "./logits_process.js";
import { multinomial_one } from "./sampling.js";
import { Generator } from "../../tensor/random.js";

export type ModelKwargs = Record<string, unknown> & { past_key_values?: Cache | null; use_cache?: boolean; attention_mask?: Tensor | null };

/** generate()'s argument: the inputs (input_ids, attention_mask, or a model's own such as
 *  pixel_values) and any generation setting, overriding the model's generation_config. */
export type GenerateOptions = Partial<GenerationConfigFields> & {
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  generation_config?: GenerationConfig;
  /** the random stream sampling draws from (torch's default generator otherwise) */
  generator?: Generator;
  [key: string]: unknown;
};

// settings that change what transformers would do but that this generate() does not implement
const UNSUPPORTED: [keyof GenerationConfigFields, unknown][] = [
  ["num_beam_groups", 1], ["penalty_alpha", null], ["typical_p", 1.0], ["epsilon_cutoff", 0.0], ["eta_cutoff", 0.0],
  ["diversity_penalty", 0.0], ["repetition_penalty", 1.0], ["encoder_repetition_penalty", 1.0],
  ["no_repeat_ngram_size", 0], ["bad_words_ids", null], ["force_words_ids", null], ["renormalize_logits", false],
  ["forced_bos_token_id", null], ["forced_eos_token_id", null], ["exponential_decay_length_penalty", null],
  ["suppress_tokens", null], ["begin_suppress_tokens", null], ["num_return_sequences", 1], ["min_new_tokens", null],
  ["output_scores", false], ["output_logits", null], ["return_dict_in_generate", false], ["max_time", null],
];

const as_list = (x: number | number[] | null | undefined): number[] => (x === null || x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The columns of input_ids the cache has not seen yet (all of them without a cache). */
export function unseen_ids(input_ids: Tensor, past: Cache | null): Tensor {
  const seen = past ? past.get_seq_length() : 0;
  return seen ? input_ids.narrow(1, seen, input_ids._shape[1]! - seen) : input_ids;
}

export class GenerationMixin extends Module {
  declare config: PretrainedConfig;
  declare generation_config: GenerationConfig;

  get main_input_name(): string {
    return "input_ids";
  }

  can_generate(): boolean {
    return false;
  }

  /** Generates token ids: [batch, prompt + new] for decoder-only models, [batch, 1 + new] (the
   *  decoder's ids) for encoder-decoder ones. */
  async generate(o: GenerateOptions = {}): Promise<Tensor> {
    if (!this.can_generate()) {
      throw new Error(`${this._get_name()} cannot generate: it has no language-model head (load it with AutoModelForCausalLM / the *ForCausalLM class)`);
    }
    const { generation_config, generator, ...kwargs } = o;
    const gc = new GenerationConfig((generation_config ?? this.generation_config).to_dict());
    const model_kwargs: ModelKwargs = gc.update(kwargs);
    check_supported(gc);
    const is_encoder_decoder = !!this.config.is_encoder_decoder;
    const eos = as_list(gc.eos_token_id);
    const pad = gc.pad_token_id ?? eos[0] ?? null;

    const name = this.main_input_name;
    const inputs_tensor = (model_kwargs[name] ?? null) as Tensor | null;
    delete model_kwargs[name];
    if (!inputs_tensor) throw new Error(`generate: pass the prompt as \`${name}\``);
    const batch_size = inputs_tensor._shape[0]!;
    model_kwargs.use_cache = gc.use_cache;
    if (!model_kwargs.attention_mask && name === "input_ids") {
      model_kwargs.attention_mask = this._prepare_attention_mask_for_generation(inputs_tensor, pad, eos);
    }
    let input_ids: Tensor;
    let mkw = model_kwargs;
    if (is_encoder_decoder) {
      mkw = await this._prepare_encoder_decoder_kwargs_for_generation(inputs_tensor, mkw);
      input_ids = this._prepare_decoder_input_ids_for_generation(batch_size, mkw);
    } else {
      input_ids = inputs_tensor;
    }
    if (input_ids.dtype !== int64) input_ids = input_ids.to(int64);
    const max_length = gc.max_new_tokens !== null ? input_ids._shape[1]! + gc.max_new_tokens : gc.max_length;
    if (gc.use_cache && !mkw.past_key_values) mkw.past_key_values = this._get_cache(batch_size, max_length);
    if (eos.length && pad === null) throw new Error("generate: set pad_token_id (finished rows are padded with it)");

    const warpers = gc.do_sample ? logits_warper(gc) : null;
    const unfinished = new Array<boolean>(batch_size).fill(true);
    const pad_tensor = pad === null ? null : full([batch_size], pad, { dtype: int64 });
    while (input_ids._shape[1]! < max_length) {
      const inputs = this.prepare_inputs_for_generation(input_ids, mkw);
      const outputs = this(inputs) as { logits: Tensor; past_key_values?: Cache | null };
      const logits = outputs.logits.select(1, outputs.logits._shape[1]! - 1);
      let next: Tensor;
      if (warpers) {
        next = multinomial_one(warpers.__call__(input_ids, logits).softmax(-1), generator);
      } else {
        next = logits.argmax(-1);
      }
      if (eos.length) {
        const running = new Tensor(Uint8Array.from(unfinished, (u) => (u ? 1 : 0)), bool, [batch_size]);
        next = next.where(running, pad_tensor!);
      }
      input_ids = cat([input_ids, next.unsqueeze(1)], 1);
      mkw = this._update_model_kwargs_for_generation(outputs, mkw, is_encoder_decoder);
      if (eos.length) {
        const ids = next.tolist() as number[];
        ids.forEach((t, b) => { if (eos.includes(t)) unfinished[b] = false; });
        if (!unfinished.some((u) => u)) break;
      }
      // let the event loop breathe between tokens (notebook output, interrupts)
      await new Promise((r) => setImmediate(r));
    }
    return input_ids;
  }

  // ------------------------------------------------------------------ hooks (see the header)
  _prepare_attention_mask_for_generation(inputs: Tensor, pad_token_id: number | null, eos_token_id: number[]): Tensor {
    const is_ids = inputs.ndim === 2 && !inputs.dtype.is_floating_point;
    if (is_ids && pad_token_id !== null && !eos_token_id.includes(pad_token_id) && inputs.eq(pad_token_id).any().item()) {
      return inputs.ne(pad_token_id).to(int64);
    }
    return ones([inputs._shape[0]!, inputs._shape[1]!], { dtype: int64 });
  }

  async _prepare_encoder_decoder_kwargs_for_generation(inputs_tensor: Tensor, model_kwargs: ModelKwargs): Promise<ModelKwargs> {
    const get_encoder = (this as unknown as { get_encoder?: () => Module }).get_encoder;
    if (!get_encoder) throw new Error(`${this._get_name()} is marked is_encoder_decoder but has no get_encoder()`);
    const encoder = get_encoder.call(this);
    const encoder_outputs = encoder({ [this.main_input_name]: inputs_tensor, attention_mask: model_kwargs.attention_mask ?? null });
    return { ...model_kwargs, encoder_outputs };
  }

  _prepare_decoder_input_ids_for_generation(batch_size: number, model_kwargs: ModelKwargs): Tensor {
    const given = model_kwargs.decoder_input_ids as Tensor | undefined;
    delete model_kwargs.decoder_input_ids;
    if (given) return given;
    const start = this.generation_config.decoder_start_token_id ?? this.config.decoder_start_token_id ?? this.generation_config.bos_token_id;
    if (start === null || start === undefined || Array.isArray(start)) throw new Error("generate: an encoder-decoder model needs decoder_start_token_id (in generation_config.json or config.json)");
    return full([batch_size, 1], start, { dtype: int64 });
  }

  _get_cache(_batch_size: number, max_cache_len: number): Cache {
    return new DynamicCache({ max_cache_len });
  }

  prepare_inputs_for_generation(input_ids: Tensor, model_kwargs: ModelKwargs): Record<string, unknown> {
    const past = model_kwargs.past_key_values ?? null;
    const ids = unseen_ids(input_ids, past);
    const mask = model_kwargs.attention_mask ?? null;
    const position_ids = mask ? positions_from_mask(mask, ids._shape[1]!) : null;
    return { input_ids: ids, attention_mask: mask, position_ids, past_key_values: past, use_cache: model_kwargs.use_cache };
  }

  _update_model_kwargs_for_generation(outputs: { past_key_values?: Cache | null }, model_kwargs: ModelKwargs, is_encoder_decoder: boolean): ModelKwargs {
    const next: ModelKwargs = { ...model_kwargs, past_key_values: outputs.past_key_values ?? null };
    const key = is_encoder_decoder ? "decoder_attention_mask" : "attention_mask";
    const mask = next[key] as Tensor | null | undefined;
    if (mask) next[key] = cat([mask, ones([mask._shape[0]!, 1], { dtype: mask.dtype })], 1);
    return next;
  }
}

function check_supported(gc: GenerationConfig): void {
  if (gc.num_beams !== 1) throw new Error(`generate: num_beams=${gc.num_beams} (beam search) is not supported; use num_beams: 1 (greedy or sampling)`);
  for (const [k, dflt] of UNSUPPORTED) {
    const v = gc[k];
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(dflt)) throw new Error(`generate: ${k}=${JSON.stringify(v)} is not supported (leave it at ${JSON.stringify(dflt)})`);
  }
  if (gc.max_new_tokens !== null && !(Number.isInteger(gc.max_new_tokens) && gc.max_new_tokens >= 0)) {
    throw new RangeError(`generate: max_new_tokens must be a non-negative integer, got ${gc.max_new_tokens}`);
  }
}

/** transformers' position ids for the last `count` tokens: cumsum(mask) - 1, with 1 at padding. */
export function positions_from_mask(mask: Tensor, count: number): Tensor {
  const [B, L] = mask._shape as [number, number];
  if (count === 1) {
    // one new token: its position is the number of real tokens before it
    const last = mask.narrow(1, L - 1, 1).ne(0);
    return mask.ne(0).sum(-1, true).sub(1).where(last, 1);
  }
  const m = mask.ne(0).contiguous()._data as Uint8Array;
  const out = new BigInt64Array(B * count);
  for (let b = 0; b < B; b++) {
    let c = 0;
    for (let j = 0; j < L; j++) {
      c += m[b * L + j]!;
      if (j >= L - count) out[b * count + j - (L - count)] = BigInt(m[b * L + j] ? c - 1 : 1);
    }
  }
  return new Tensor(out, int64, [B, count]);
}
