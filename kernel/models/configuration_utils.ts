// transformers' PretrainedConfig: every key of config.json becomes a property under its own
// snake_case name, keys the file leaves out take the class's transformers 4.40 defaults, and the
// keys that fix the model's shape must be present (a config.json without them is damaged; the
// library defaults would silently build a different, usually enormous, model).
import { readFileSync } from "node:fs";
import { cached_file, HubOptions } from "./hub/index.js";

export const CONFIG_NAME = "config.json";

/** What every config has, as transformers 4.40's PretrainedConfig.__init__ sets it (the
 *  generation keys are still read from here when there is no generation_config.json). */
const COMMON_DEFAULTS: Record<string, unknown> = {
  return_dict: true, output_hidden_states: false, output_attentions: false, torchscript: false,
  torch_dtype: null, use_bfloat16: false, tie_word_embeddings: true, is_encoder_decoder: false,
  is_decoder: false, cross_attention_hidden_size: null, add_cross_attention: false, chunk_size_feed_forward: 0,
  architectures: null, finetuning_task: null, id2label: { 0: "LABEL_0", 1: "LABEL_1" },
  label2id: { LABEL_0: 0, LABEL_1: 1 }, problem_type: null, tokenizer_class: null, prefix: null,
  bos_token_id: null, pad_token_id: null, eos_token_id: null, sep_token_id: null, decoder_start_token_id: null,
  task_specific_params: null,
  max_length: 20, min_length: 0, do_sample: false, early_stopping: false, num_beams: 1, num_beam_groups: 1,
  diversity_penalty: 0.0, temperature: 1.0, top_k: 50, top_p: 1.0, typical_p: 1.0, repetition_penalty: 1.0,
  length_penalty: 1.0, no_repeat_ngram_size: 0, encoder_no_repeat_ngram_size: 0, bad_words_ids: null,
  num_return_sequences: 1, output_scores: false, return_dict_in_generate: false, forced_bos_token_id: null,
  forced_eos_token_id: null, remove_invalid_values: false, exponential_decay_length_penalty: null,
  suppress_tokens: null, begin_suppress_tokens: null,
};

// hub bookkeeping transformers keeps apart from the model's attributes
const NOT_SERIALISED = ["_name_or_path", "_commit_hash"];

export interface ConfigOptions extends HubOptions {
  /** Values that override the file's (transformers' `from_pretrained(id, **kwargs)`). */
  [key: string]: unknown;
}

export class PretrainedConfig {
  /** The `model_type` a subclass reads (config.json's "model_type"). */
  static model_type = "";
  /** transformers 4.40's defaults of this model type, for keys config.json leaves out. */
  static defaults: Record<string, unknown> = {};
  /** Keys that must be in config.json: they fix the weights' shapes. */
  static required: readonly string[] = [];
  /** transformers' attribute_map: alternative names (n_embd -> hidden_size, ...). */
  static attribute_map: Record<string, string> = {};

  declare model_type: string;
  declare name_or_path: string;
  declare torch_dtype: string | null;
  declare tie_word_embeddings: boolean;
  declare is_encoder_decoder: boolean;
  declare use_cache: boolean;
  declare output_hidden_states: boolean;
  declare bos_token_id: number | null;
  declare pad_token_id: number | null;
  declare eos_token_id: number | number[] | null;
  declare decoder_start_token_id: number | null;
  declare vocab_size: number;
  declare hidden_size: number;
  declare num_hidden_layers: number;
  declare num_attention_heads: number;
  [key: string]: unknown;

  /** Builds a config from a dict (config.json's contents); `source` names it in errors. */
  constructor(dict: Record<string, unknown> = {}, source = "the config") {
    const cls = this.constructor as typeof PretrainedConfig;
    const given: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(dict)) given[cls.attribute_map[k] ?? k] = v;
    const missing = cls.required.filter((k) => given[k] === undefined || given[k] === null);
    if (missing.length) {
      throw new Error(`${source} is missing ${missing.map((k) => `"${k}"`).join(", ")}, which ${cls.name} needs to build the model (add ${missing.length > 1 ? "them" : "it"} to config.json)`);
    }
    Object.assign(this, COMMON_DEFAULTS, structuredClone(cls.defaults), given);
    if (cls.model_type) this.model_type = cls.model_type;
    Object.defineProperty(this, "name_or_path", { value: String(given._name_or_path ?? ""), writable: true, enumerable: false });
    for (const k of NOT_SERIALISED) delete this[k];
    // transformers names these by the alias too (config.n_embd reads hidden_size)
    for (const [alias, key] of Object.entries(cls.attribute_map)) {
      Object.defineProperty(this, alias, { get: () => this[key], set: (v) => { this[key] = v; }, enumerable: false, configurable: true });
    }
  }

  /** config.json of a directory or hub id, with `o`'s non-hub keys overriding the file's. */
  static async from_pretrained<T extends typeof PretrainedConfig>(this: T, path_or_repo_id: string, o: ConfigOptions = {}): Promise<InstanceType<T>> {
    const { dict, source } = await read_config_dict(path_or_repo_id, o);
    const config = new this({ ...dict, ...overrides(o) }, source) as InstanceType<T>;
    config.name_or_path = path_or_repo_id;
    return config;
  }

  static from_dict<T extends typeof PretrainedConfig>(this: T, dict: Record<string, unknown>): InstanceType<T> {
    return new this(dict) as InstanceType<T>;
  }

  /** The attributes as a plain object (what config.json would hold). */
  to_dict(): Record<string, unknown> {
    return structuredClone({ ...this });
  }

  to_json_string(): string {
    return JSON.stringify(this.to_dict(), null, 2) + "\n";
  }

  toString(): string {
    return `${this.constructor.name} ${this.to_json_string()}`;
  }
}

const HUB_KEYS = new Set(["revision", "cache_dir", "local_files_only", "token", "force_download"]);

/** The keys of `o` that are config values rather than hub options. */
export function overrides(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => !HUB_KEYS.has(k) && v !== undefined));
}

/** config.json parsed, and a name for it in error messages. */
export async function read_config_dict(path_or_repo_id: string, o: HubOptions = {}): Promise<{ dict: Record<string, unknown>; source: string }> {
  const file = await cached_file(path_or_repo_id, CONFIG_NAME, o);
  let dict: unknown;
  try {
    dict = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict)) throw new Error(`${file} does not hold a JSON object`);
  return { dict: dict as Record<string, unknown>, source: file };
}
