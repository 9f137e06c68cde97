// transformers' GenerationConfig: the decoding settings of generation_config.json (or, without
// that file, of the model's config), with transformers 4.40's defaults.
import { readFileSync } from "node:fs";
import type { PretrainedConfig } from "../configuration_utils.js";
import { HubOptions, try_cached_file } from "../hub/index.js";

export const GENERATION_CONFIG_NAME = "generation_config.json";

const DEFAULTS = {
  max_length: 20 as number,
  max_new_tokens: null as number | null,
  min_length: 0 as number,
  min_new_tokens: null as number | null,
  early_stopping: false as boolean | "never",
  max_time: null as number | null,
  do_sample: false,
  num_beams: 1,
  num_beam_groups: 1,
  penalty_alpha: null as number | null,
  use_cache: true,
  temperature: 1.0,
  top_k: 50 as number | null,
  top_p: 1.0 as number | null,
  min_p: null as number | null,
  typical_p: 1.0,
  epsilon_cutoff: 0.0,
  eta_cutoff: 0.0,
  diversity_penalty: 0.0,
  repetition_penalty: 1.0,
  encoder_repetition_penalty: 1.0,
  length_penalty: 1.0,
  no_repeat_ngram_size: 0,
  bad_words_ids: null as number[][] | null,
  force_words_ids: null as number[][] | null,
  renormalize_logits: false,
  forced_bos_token_id: null as number | null,
  forced_eos_token_id: null as number | number[] | null,
  remove_invalid_values: false,
  exponential_decay_length_penalty: null as [number, number] | null,
  suppress_tokens: null as number[] | null,
  begin_suppress_tokens: null as number[] | null,
  num_return_sequences: 1,
  output_attentions: false,
  output_hidden_states: false,
  output_scores: false,
  output_logits: null as boolean | null,
  return_dict_in_generate: false,
  pad_token_id: null as number | null,
  bos_token_id: null as number | null,
  eos_token_id: null as number | number[] | null,
  decoder_start_token_id: null as number | number[] | null,
};

export type GenerationConfigFields = typeof DEFAULTS;
export const GENERATION_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULTS));

export interface GenerationConfig extends GenerationConfigFields {}

export class GenerationConfig {
  [key: string]: unknown;

  constructor(kwargs: Partial<GenerationConfigFields> & Record<string, unknown> = {}) {
    Object.assign(this, structuredClone(DEFAULTS), kwargs);
  }

  /** generation_config.json of a directory or hub id. */
  static async from_pretrained(path_or_repo_id: string, o: HubOptions = {}): Promise<GenerationConfig> {
    const file = await try_cached_file(path_or_repo_id, GENERATION_CONFIG_NAME, o);
    if (file === null) throw new Error(`${path_or_repo_id} has no ${GENERATION_CONFIG_NAME}`);
    let dict: Record<string, unknown>;
    try {
      dict = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
    }
    return new GenerationConfig(dict);
  }

  /** The generation keys of a model config (what transformers uses without generation_config.json). */
  static from_model_config(config: PretrainedConfig): GenerationConfig {
    const picked = Object.fromEntries(Object.entries(config).filter(([k]) => GENERATION_KEYS.has(k)));
    return new GenerationConfig({ ...picked, _from_model_config: true });
  }

  /** Sets the generation keys of `kwargs` and returns the others (the model's inputs). */
  update(kwargs: Record<string, unknown>): Record<string, unknown> {
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(kwargs)) {
      if (GENERATION_KEYS.has(k)) {
        if (v !== undefined) this[k] = v;
      } else rest[k] = v;
    }
    return rest;
  }

  to_dict(): Record<string, unknown> {
    return structuredClone({ ...this });
  }
}
