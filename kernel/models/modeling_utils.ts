// transformers' PreTrainedModel: a Module built from a config, loaded by from_pretrained with
// transformers' dtype rules (float32 unless torch_dtype says otherwise; "auto" keeps the
// checkpoint's), tied weights restored from the config, and every weight checked against the
// model before any is written.
import { as_dtype, DType, float32 } from "../tensor/dtype.js";
import { get_default_dtype } from "../tensor/defaults.js";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fmt_shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { build_with_default_dtype } from "./no_init.js";
import { load_checkpoint, save_checkpoint, WEIGHTS_INDEX_NAME, WEIGHTS_NAME } from "./checkpoint.js";
import { overrides, PretrainedConfig } from "./configuration_utils.js";
import { GenerationConfig } from "./generation/configuration_utils.js";
import { GenerationMixin } from "./generation/utils.js";
import { DynamicCache, type Cache } from "./generation/cache.js";
import { arange } from "../tensor/ops/creation.js";
import { cached_file, hub_options, try_cached_file, type HubOptions } from "./hub/index.js";
import { write_text_atomic } from "../atomic_file.js";
import { get_quantizer, quantization_files } from "./quantizers/auto.js";
import type { HfQuantizer } from "./quantizers/base.js";
import { checkpoint_state_dict } from "./quantizers/state_dict.js";

export interface FromPretrainedOptions extends HubOptions {
  /** float32 by default; "auto" takes config.json's torch_dtype (else the checkpoint's). */
  torch_dtype?: DType | string | "auto";
  /** Accepted for transformers compatibility: loading always adopts the file's tensors without
   *  an intermediate copy when their dtype already matches. */
  low_cpu_mem_usage?: boolean;
  /** A config to use instead of the checkpoint's config.json. */
  config?: PretrainedConfig;
  /** Quantizes while loading: a BitsAndBytesConfig, HqqConfig or QuantoConfig. */
  quantization_config?: unknown;
  /** Other keys override config values, as in transformers. */
  [key: string]: unknown;
}

/** The inputs a model's forward takes (any subset, by name); `model(input_ids)` or `model({ ... })`. */
export interface ModelInputs {
  input_ids?: Tensor | null;
  attention_mask?: Tensor | null;
  position_ids?: Tensor | null;
  past_key_values?: Cache | null;
  inputs_embeds?: Tensor | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
  [key: string]: unknown;
}

/** transformers' BaseModelOutputWithPast. */
export interface BaseModelOutputWithPast {
  last_hidden_state: Tensor;
  past_key_values: Cache | null;
  /** embeddings, then the output of each layer; the last entry is after the final norm. */
  hidden_states?: Tensor[];
}

/** transformers' CausalLMOutputWithPast. */
export interface CausalLMOutputWithPast {
  logits: Tensor;
  past_key_values: Cache | null;
  hidden_states?: Tensor[];
}

/** A causal LM's output: its head applied to the base model's last hidden state. */
export function causal_lm_output(out: BaseModelOutputWithPast, head: (h: Tensor) => Tensor): CausalLMOutputWithPast {
  return { logits: head(out.last_hidden_state), past_key_values: out.past_key_values, ...(out.hidden_states ? { hidden_states: out.hidden_states } : {}) };
}

/** Normalises `forward(input_ids, options?)` and `forward({ input_ids, ... })`. */
export function model_inputs(first?: Tensor | ModelInputs | null, rest: ModelInputs = {}): ModelInputs {
  if (first instanceof Tensor) return { ...rest, input_ids: first };
  return { ...(first ?? {}), ...rest };
}

/** The weights of a checkpoint by name (model.safetensors or its shards), floating-point ones
 *  converted to `dtype` as they are read, and the file that errors should name. */
async function read_weights(path_or_repo_id: string, o: HubOptions, dtype: DType | null): Promise<{ tensors: Record<string, Tensor>; source: string }> {
  const tensors = await load_checkpoint(path_or_repo_id, { ...o, dtype });
  const source = await try_cached_file(path_or_repo_id, WEIGHTS_NAME, o) ?? await cached_file(path_or_repo_id, WEIGHTS_INDEX_NAME, o);
  return { tensors, source };
}

export class PreTrainedModel extends GenerationMixin {
  static config_class: typeof PretrainedConfig = PretrainedConfig;
  /** The attribute holding the base model in a model with a head ("gpt_neox", "model"). */
  static base_model_prefix = "";
  /** Weights that alias another one when config.tie_word_embeddings is set (not in the file). */
  static _tied_weights_keys: readonly string[] = [];
  /** Checkpoint entries that are not weights of this model (buffers older versions saved). */
  static _keys_to_ignore_on_load_unexpected: readonly RegExp[] = [];
  /** Modules (attribute names) bitsandbytes loading keeps in float32 and unquantized. */
  static _keep_in_fp32_modules: readonly string[] = [];

  declare config: PretrainedConfig;
  declare generation_config: GenerationConfig;
  declare name_or_path: string;
  /** The quantizer from_pretrained used, if it quantized the model. */
  declare hf_quantizer?: HfQuantizer;

  constructor(config: PretrainedConfig) {
    super();
    // not enumerable: the config is not a child module, and state walks skip it
    const hidden = { writable: true, enumerable: false, configurable: true };
    Object.defineProperty(this, "config", { ...hidden, value: config });
    Object.defineProperty(this, "generation_config", { ...hidden, value: GenerationConfig.from_model_config(config) });
    Object.defineProperty(this, "name_or_path", { ...hidden, value: config.name_or_path ?? "" });
  }

  /** The token embedding (nn.Embedding) the output projection may be tied to. */
  get_input_embeddings(): Module | null {
    return null;
  }
  /** The output projection (the LM head), or null for a base model. */
  get_output_embeddings(): Module | null {
    return null;
  }

  /** Makes the LM head share the input embedding's weight when the config ties them. */
  tie_weights(): void {
    if (!this.config.tie_word_embeddings) return;
    const out = this.get_output_embeddings() as unknown as { weight: Tensor } | null;
    const inp = this.get_input_embeddings() as unknown as { weight: Tensor } | null;
    if (out && inp) out.weight = inp.weight;
  }

  /** The dtype of the floating-point parameters. */
  get dtype(): DType {
    for (const p of this.parameters()) if (p.dtype.is_floating_point) return p.dtype;
    return get_default_dtype();
  }
  get device(): "cpu" {
    return "cpu";
  }

  /** Parameters, each shared one counted once (transformers' num_parameters). */
  num_parameters(o: boolean | { only_trainable?: boolean; exclude_embeddings?: boolean } = {}): number {
    const opts = typeof o === "boolean" ? { only_trainable: o } : o;
    const skip = new Set<Tensor>();
    if (opts.exclude_embeddings) {
      for (const m of this.modules()) if (m.constructor.name === "Embedding") for (const p of m.parameters()) skip.add(p);
    }
    let n = 0;
    for (const p of this.parameters()) if (!skip.has(p) && (!opts.only_trainable || p.requires_grad)) n += p.numel();
    return n;
  }

  /** Bytes of the parameters (and buffers), as transformers counts them. */
  get_memory_footprint(return_buffers = true): number {
    let bytes = 0;
    for (const p of this.parameters()) bytes += p.nelement() * p.element_size();
    if (return_buffers) for (const b of this.buffers()) bytes += b.nelement() * b.element_size();
    return bytes;
  }

  /** Loads a model from a directory (or hub id) holding config.json and model.safetensors. */
  static async from_pretrained<T extends typeof PreTrainedModel>(this: T, path_or_repo_id: string, o: FromPretrainedOptions = {}): Promise<InstanceType<T>> {
    const { torch_dtype, low_cpu_mem_usage: _, config: given, quantization_config, ...rest } = o;
    const hub = hub_options(o);
    const config = given ?? await this.config_class.from_pretrained(path_or_repo_id, { ...hub, ...overrides(rest) });
    const quantizer = await get_quantizer(path_or_repo_id, hub, config, quantization_config);
    const wanted = resolve_dtype(quantizer ? quantizer.update_torch_dtype(torch_dtype) as FromPretrainedOptions["torch_dtype"] : torch_dtype, config);
    // read as stored: for "auto" without config.json's torch_dtype (the checkpoint's dtype decides),
    // and for a quantized checkpoint (its statistics keep their dtype: float32 SCB, absmax, scales)
    const stored = wanted === null || quantizer?.pre_quantized ? await read_weights(path_or_repo_id, hub, null) : null;
    const dtype = wanted ?? Object.values(stored!.tensors).find((t) => t.dtype.is_floating_point)?.dtype ?? float32;
    const model = build_with_default_dtype(dtype, () => new this(config)) as InstanceType<T>;
    model.tie_weights();
    if (quantizer) {
      const { tensors, source } = stored ?? await read_weights(path_or_repo_id, hub, dtype);
      quantizer.load(model, tensors, source, dtype);
    } else {
      // when every floating-point weight is in the model's dtype, reading straight into it is the
      // cast load_weights would make, without the whole checkpoint in its stored dtype alongside
      const floats = [...model.parameters(), ...model.buffers()].filter((t) => t.dtype.is_floating_point);
      const cast = floats.every((t) => t.dtype === floats[0]!.dtype) ? floats[0]?.dtype ?? null : null;
      const { tensors, source } = stored ?? await read_weights(path_or_repo_id, hub, cast);
      model.load_weights(tensors, source);
    }
    model.name_or_path = path_or_repo_id;
    model.generation_config = await read_generation_config(path_or_repo_id, hub, config);
    return model.eval();
  }

  /** Writes config.json, generation_config.json and the weights (model.safetensors, or shards
   *  past `max_shard_size`) as transformers does: a tensor reachable under several names is saved
   *  once, under the name that is not one of `_tied_weights_keys`. */
  async save_pretrained(save_directory: string, o: { max_shard_size?: number | string } = {}): Promise<void> {
    // before anything is written: a quantization that cannot be saved is refused here
    const extra = quantization_files(this);
    mkdirSync(save_directory, { recursive: true });
    const cls = this.constructor as typeof PreTrainedModel;
    const state = drop_aliases(checkpoint_state_dict(this), cls._tied_weights_keys);
    save_checkpoint(save_directory, state, { max_shard_size: o.max_shard_size, metadata: { format: "pt" } });
    write_text_atomic(path.join(save_directory, "config.json"), this.config.to_json_string());
    if (this.generation_config) write_text_atomic(path.join(save_directory, "generation_config.json"), JSON.stringify(this.generation_config.to_dict(), null, 2) + "\n");
    for (const [name, text] of Object.entries(extra)) write_text_atomic(path.join(save_directory, name), text);
  }

  /** Writes checkpoint tensors into the parameters (cast to their dtype) after checking that
   *  every weight is there, has its shape, and nothing else is; on any problem nothing is written.
   *  The modules named in `loaded_elsewhere` (quantized layers a quantizer fills) are left out. */
  load_weights(tensors: Record<string, Tensor>, source: string, loaded_elsewhere: readonly string[] = []): void {
    const cls = this.constructor as typeof PreTrainedModel;
    const own = this.loadable_tensors();
    for (const k of own.keys()) if (loaded_elsewhere.some((m) => k.startsWith(`${m}.`))) own.delete(k);
    const by_name = adapt_prefix(tensors, cls.base_model_prefix, own);
    const tied = this.config.tie_word_embeddings ? new Set(cls._tied_weights_keys) : new Set<string>();
    // one parameter under several names (T5's encoder/decoder embed_tokens are `shared`, BLIP's
    // decoder.bias is cls.predictions.bias) is filled from whichever of its names the file has
    const loaded = new Set([...own].filter(([k]) => k in by_name).map(([, p]) => p));
    const missing = [...own.keys()].filter((k) => !(k in by_name) && !tied.has(k) && !loaded.has(own.get(k)!));
    const unexpected = Object.keys(by_name).filter((k) => !own.has(k) && !cls._keys_to_ignore_on_load_unexpected.some((re) => re.test(k)));
    const mis_shaped = Object.entries(by_name).filter(([k, t]) => {
      const p = own.get(k);
      return p && (p.ndim !== t.ndim || p._shape.some((s, i) => s !== t._shape[i]));
    });
    const problems = [
      ...missing.map((k) => `missing weight "${k}" (shape ${fmt_shape(own.get(k)!._shape)})`),
      ...mis_shaped.map(([k, t]) => `weight "${k}" has shape ${fmt_shape(t._shape)} in the file, the model needs ${fmt_shape(own.get(k)!._shape)}`),
      ...unexpected.map((k) => `unexpected weight "${k}" (no such parameter in ${this._get_name()})`),
    ];
    if (problems.length) {
      throw new Error(`${source} does not fit ${this._get_name()} (built from its config.json):\n  ${problems.join("\n  ")}\nCheck that config.json and the weights belong to the same checkpoint.`);
    }
    for (const [k, t] of Object.entries(by_name)) {
      const p = own.get(k);
      if (p) p._set(t.dtype === p.dtype ? t : t.to(p.dtype));
    }
  }

  /** Parameters and persistent buffers by their state-dict names (aliases included). */
  private loadable_tensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>(this.named_parameters("", true, false));
    for (const [prefix, m] of this.named_modules()) {
      for (const k of m._buffer_names) {
        const b = (m as unknown as Record<string, unknown>)[k];
        if (b instanceof Tensor && !m._non_persistent.has(k)) out.set(prefix ? `${prefix}.${k}` : k, b);
      }
    }
    return out;
  }
}

/** transformers' dtype choice: the default dtype, config.torch_dtype for "auto", or the one named. */
// null: "auto" without config.torch_dtype, which the checkpoint's first floating tensor decides
function resolve_dtype(torch_dtype: FromPretrainedOptions["torch_dtype"], config: PretrainedConfig): DType | null {
  if (torch_dtype === undefined || torch_dtype === null) return get_default_dtype();
  if (torch_dtype === "auto") return typeof config.torch_dtype === "string" ? as_dtype(config.torch_dtype) : null;
  const d = as_dtype(torch_dtype);
  if (!d.is_floating_point) throw new TypeError(`from_pretrained: torch_dtype must be a floating-point dtype or "auto", got ${d}`);
  return d;
}

// transformers' save_pretrained: of names sharing one storage, those matching a tied-weights
// pattern go first (sorted), and the first remaining name keeps the tensor
function drop_aliases(state: Record<string, Tensor>, tied: readonly string[]): Record<string, Tensor> {
  const groups = new Map<ArrayBufferLike, string[]>();
  for (const [k, t] of Object.entries(state)) groups.set(t._data.buffer, [...groups.get(t._data.buffer) ?? [], k]);
  const out = { ...state };
  for (const names of groups.values()) {
    if (names.length < 2) continue;
    const sorted = [...names].sort();
    const keep = sorted.find((k) => !tied.some((pat) => new RegExp(pat).test(k))) ?? sorted[sorted.length - 1]!;
    for (const k of names) if (k !== keep) delete out[k];
  }
  return out;
}

// A base model (no `prefix` child) loaded from a checkpoint of the model with a head: its
// weights are under `prefix.`, and the head's are not this model's (transformers drops them).
function adapt_prefix(tensors: Record<string, Tensor>, prefix: string, own: Map<string, Tensor>): Record<string, Tensor> {
  const p = `${prefix}.`;
  if (!prefix || [...own.keys()].some((k) => k.startsWith(p)) || !Object.keys(tensors).some((k) => k.startsWith(p))) return tensors;
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(p)).map(([k, t]) => [k.slice(p.length), t]));
}

async function read_generation_config(path_or_repo_id: string, hub: HubOptions, config: PretrainedConfig): Promise<GenerationConfig> {
  try {
    return await GenerationConfig.from_pretrained(path_or_repo_id, hub);
  } catch (e) {
    if (/has no generation_config\.json/.test((e as Error).message)) return GenerationConfig.from_model_config(config);
    throw e;
  }
}

/** What a decoder-only stack needs for one forward: sizes, the cache, positions and the mask. */
export interface DecoderStep {
  input_ids: Tensor;
  batch: number;
  length: number;
  past: Cache | null;
  /** tokens the cache held before this call */
  seen: number;
  /** [B, T]; transformers' default is seen .. seen + T - 1 in every row */
  position_ids: Tensor;
  attention_mask: Tensor | null;
  output_hidden_states: boolean;
}

/** Reads a decoder-only forward's inputs (creating a DynamicCache when use_cache is on). */
export function decoder_step(inputs: ModelInputs, config: PretrainedConfig): DecoderStep {
  const input_ids = inputs.input_ids;
  if (!(input_ids instanceof Tensor) || input_ids.ndim !== 2 || input_ids.dtype.is_floating_point) {
    throw new TypeError(`expected input_ids as an integer tensor [batch, seq], got ${input_ids instanceof Tensor ? `${input_ids.dtype} ${fmt_shape(input_ids._shape)}` : String(input_ids)}`);
  }
  const [batch, length] = input_ids._shape as [number, number];
  const use_cache = inputs.use_cache ?? config.use_cache ?? true;
  const past = inputs.past_key_values ?? (use_cache ? new DynamicCache() : null);
  const seen = past ? past.get_seq_length() : 0;
  const position_ids = inputs.position_ids ?? arange(seen, seen + length).view(1, length).expand(batch, length);
  return {
    input_ids, batch, length, past, seen, position_ids, attention_mask: inputs.attention_mask ?? null,
    output_hidden_states: inputs.output_hidden_states ?? config.output_hidden_states ?? false,
  };
}
