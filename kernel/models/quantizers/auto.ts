// transformers' AutoHfQuantizer: the quantizer from_pretrained uses, from a saved checkpoint's
// quantization (config.json's quantization_config, or quanto_qmap.json) or from the
// quantization_config option; and what save_pretrained writes for a quantized model.
import { readFileSync } from "node:fs";
import { HqqConfig } from "../../quant/hqq/config.js";
import type { QuantizationMap } from "../../quant/quanto/serialization.js";
import type { PretrainedConfig } from "../configuration_utils.js";
import { try_cached_file, type HubOptions } from "../hub/index.js";
import type { PreTrainedModel } from "../modeling_utils.js";
import { BitsAndBytesConfig, QuantoConfig } from "../quantization_config.js";
import type { HfQuantizer } from "./base.js";
import { Bnb4BitHfQuantizer } from "./bitsandbytes_4bit.js";
import { Bnb8BitHfQuantizer } from "./bitsandbytes_8bit.js";
import { HqqHfQuantizer } from "./hqq.js";
import { QMAP_NAME, quanto_files, QuantoHfQuantizer } from "./quanto.js";

function bnb_quantizer(config: BitsAndBytesConfig, pre_quantized: boolean): HfQuantizer {
  if (config.load_in_8bit) return new Bnb8BitHfQuantizer(config, pre_quantized);
  if (config.load_in_4bit) return new Bnb4BitHfQuantizer(config, pre_quantized);
  throw new Error("BitsAndBytesConfig: set load_in_8bit or load_in_4bit to quantize the model");
}

async function read_qmap(path_or_repo_id: string, hub: HubOptions): Promise<QuantizationMap | null> {
  const file = await try_cached_file(path_or_repo_id, QMAP_NAME, hub);
  if (!file) return null;
  try {
    const qmap = JSON.parse(readFileSync(file, "utf8"));
    if (qmap === null || typeof qmap !== "object" || Array.isArray(qmap)) throw new Error("not a JSON object");
    return qmap as QuantizationMap;
  } catch (e) {
    throw new Error(`${file} is not a quanto quantization map (${(e as Error).message}); expected {"layer.name": {"weights": "qint8", "activations": "none"}, ...}`);
  }
}

/** The quantizer for a from_pretrained call, or null for a float model. */
export async function get_quantizer(path_or_repo_id: string, hub: HubOptions, config: PretrainedConfig, option: unknown): Promise<HfQuantizer | null> {
  const qmap = await read_qmap(path_or_repo_id, hub);
  const saved = config.quantization_config as Record<string, unknown> | undefined;
  if ((qmap || saved) && option != null) {
    console.warn(`from_pretrained: ${path_or_repo_id} is already quantized; the quantization it was saved with is used and quantization_config is ignored`);
  }
  if (qmap) return new QuantoHfQuantizer(null, qmap);
  if (saved) {
    if (saved.quant_method === "bitsandbytes") return bnb_quantizer(BitsAndBytesConfig.from_dict(saved), true);
    throw new Error(`${path_or_repo_id}: loading checkpoints quantized with "${String(saved.quant_method)}" is not supported yet (lowbit loads bitsandbytes and quanto checkpoints)`);
  }
  if (option == null) return null;
  if (option instanceof BitsAndBytesConfig) return bnb_quantizer(option, false);
  if (option instanceof HqqConfig) return new HqqHfQuantizer(option);
  if (option instanceof QuantoConfig) return new QuantoHfQuantizer(option);
  throw new TypeError("from_pretrained: quantization_config must be a BitsAndBytesConfig, HqqConfig or QuantoConfig, e.g. new transformers.BitsAndBytesConfig({ load_in_8bit: true })");
}

/** Files save_pretrained writes besides config.json and the weights, by name; throws for a model
 *  whose quantization cannot be saved. */
export function quantization_files(model: PreTrainedModel): Record<string, string> {
  const method = model.hf_quantizer?.quant_method;
  if (method === "hqq") throw new Error("save_pretrained: saving HQQ-quantized models is not supported yet; save the float model and quantize it when loading");
  return quanto_files(model);
}
