// The Auto classes: config.json's model_type picks the config class and the model class for a
// task, as transformers' CONFIG_MAPPING / MODEL_FOR_*_MAPPING do.
import { overrides, PretrainedConfig, read_config_dict } from "./configuration_utils.js";
import type { HubOptions } from "./hub/index.js";
import type { FromPretrainedOptions, PreTrainedModel } from "./modeling_utils.js";
import { GPTNeoXConfig, GPTNeoXForCausalLM, GPTNeoXModel } from "./gpt_neox.js";
import { LlamaConfig, LlamaForCausalLM, LlamaModel } from "./llama.js";
import { OPTConfig, OPTForCausalLM, OPTModel } from "./opt.js";

type ModelClass = typeof PreTrainedModel;
export type Task = "base" | "causal_lm" | "seq2seq_lm" | "vision2seq";

/** One model type: its config class and its model class per task. */
export interface ModelTypeEntry {
  config: typeof PretrainedConfig;
  base?: ModelClass;
  causal_lm?: ModelClass;
  seq2seq_lm?: ModelClass;
  vision2seq?: ModelClass;
}

const MODEL_TYPES = new Map<string, ModelTypeEntry>();

/** Makes a model type known to the Auto classes (transformers' AutoConfig/AutoModel.register). */
export function register_model_type(model_type: string, entry: ModelTypeEntry): void {
  MODEL_TYPES.set(model_type, entry);
}

function entry_for(model_type: unknown, source: string): ModelTypeEntry {
  if (typeof model_type !== "string" || model_type === "") {
    throw new Error(`${source} has no "model_type" key, so the Auto classes cannot tell which model it is (known model types: ${[...MODEL_TYPES.keys()].join(", ")})`);
  }
  const e = MODEL_TYPES.get(model_type);
  if (!e) throw new Error(`${source}: model_type "${model_type}" is not supported (supported: ${[...MODEL_TYPES.keys()].join(", ")})`);
  return e;
}

export class AutoConfig {
  /** The config class of config.json's model_type, filled from the file. */
  static async from_pretrained(path_or_repo_id: string, o: HubOptions & Record<string, unknown> = {}): Promise<PretrainedConfig> {
    const { dict, source } = await read_config_dict(path_or_repo_id, o);
    const config = new (entry_for(dict.model_type, source).config)({ ...dict, ...overrides(o) }, source);
    config.name_or_path = path_or_repo_id;
    return config;
  }

  /** A config of `model_type` from keyword values (transformers' AutoConfig.for_model). */
  static for_model(model_type: string, kwargs: Record<string, unknown> = {}): PretrainedConfig {
    return new (entry_for(model_type, "AutoConfig.for_model").config)(kwargs);
  }
}

function model_class(task: Task, auto_name: string, config: PretrainedConfig): ModelClass {
  const cls = entry_for(config.model_type, `the config of ${config.name_or_path || "this model"}`)[task];
  if (!cls) {
    const able = [...MODEL_TYPES].filter(([, e]) => e[task]).map(([t]) => t);
    throw new Error(`${auto_name} does not support model_type "${config.model_type}" (supported: ${able.join(", ")})`);
  }
  return cls;
}

function auto_class(task: Task, auto_name: string) {
  return class {
    static async from_pretrained(path_or_repo_id: string, o: FromPretrainedOptions = {}): Promise<PreTrainedModel> {
      const { torch_dtype: _d, low_cpu_mem_usage: _l, config: given, quantization_config: _q, ...rest } = o;
      const config = given ?? await AutoConfig.from_pretrained(path_or_repo_id, rest);
      return model_class(task, auto_name, config).from_pretrained(path_or_repo_id, { ...o, config });
    }
    /** A model with fresh (randomly initialised) weights for a config. */
    static from_config(config: PretrainedConfig): PreTrainedModel {
      const cls = model_class(task, auto_name, config);
      const model = new cls(config);
      model.tie_weights();
      return model;
    }
  };
}

export const AutoModel = auto_class("base", "AutoModel");
export const AutoModelForCausalLM = auto_class("causal_lm", "AutoModelForCausalLM");
export const AutoModelForSeq2SeqLM = auto_class("seq2seq_lm", "AutoModelForSeq2SeqLM");
export const AutoModelForVision2Seq = auto_class("vision2seq", "AutoModelForVision2Seq");

register_model_type("gpt_neox", { config: GPTNeoXConfig, base: GPTNeoXModel, causal_lm: GPTNeoXForCausalLM });
register_model_type("opt", { config: OPTConfig, base: OPTModel, causal_lm: OPTForCausalLM });
register_model_type("llama", { config: LlamaConfig, base: LlamaModel, causal_lm: LlamaForCausalLM });
