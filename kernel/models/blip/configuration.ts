// BLIP's three configs with transformers 4.40's class defaults. save_pretrained writes the nested
// text_config / vision_config as a diff against these defaults (older hub configs spell out every
// key), so a key left out means its default: no key is required, unlike the flat configs.
import { PretrainedConfig } from "../configuration_utils.js";

type Dict = Record<string, unknown>;

export class BlipTextConfig extends PretrainedConfig {
  static override model_type = "blip_text_model";
  static override defaults: Dict = {
    vocab_size: 30524, hidden_size: 768, encoder_hidden_size: 768, intermediate_size: 3072, projection_dim: 768,
    num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 512, hidden_act: "gelu",
    layer_norm_eps: 1e-12, hidden_dropout_prob: 0.0, attention_probs_dropout_prob: 0.0, initializer_range: 0.02,
    bos_token_id: 30522, eos_token_id: 2, pad_token_id: 0, sep_token_id: 102, is_decoder: true, use_cache: true,
    label_smoothing: 0.0,
  };
  declare encoder_hidden_size: number;
  declare intermediate_size: number;
  declare max_position_embeddings: number;
  declare hidden_act: string;
  declare layer_norm_eps: number;
  declare hidden_dropout_prob: number;
  declare attention_probs_dropout_prob: number;
  declare bos_token_id: number;
  declare pad_token_id: number;
  declare sep_token_id: number;
}

export class BlipVisionConfig extends PretrainedConfig {
  static override model_type = "blip_vision_model";
  static override defaults: Dict = {
    hidden_size: 768, intermediate_size: 3072, projection_dim: 512, num_hidden_layers: 12, num_attention_heads: 12,
    image_size: 384, patch_size: 16, hidden_act: "gelu", layer_norm_eps: 1e-5, attention_dropout: 0.0,
    initializer_range: 1e-10,
  };
  declare intermediate_size: number;
  declare image_size: number;
  declare patch_size: number;
  declare hidden_act: string;
  declare layer_norm_eps: number;
  declare attention_dropout: number;
}

export class BlipConfig extends PretrainedConfig {
  static override model_type = "blip";
  static override defaults: Dict = {
    projection_dim: 512, logit_scale_init_value: 2.6592, image_text_hidden_size: 256, label_smoothing: 0.0,
  };
  declare text_config: BlipTextConfig;
  declare vision_config: BlipVisionConfig;

  constructor(dict: Dict = {}, source = "the config") {
    super(dict, source);
    const nested = (v: unknown): Dict => (v instanceof PretrainedConfig ? v.to_dict() : (v as Dict | null) ?? {});
    this.vision_config = new BlipVisionConfig(nested(dict.vision_config), `${source} (vision_config)`);
    // the text decoder cross-attends to the vision tower's output, whatever text_config says
    this.text_config = new BlipTextConfig({ ...nested(dict.text_config), encoder_hidden_size: this.vision_config.hidden_size }, `${source} (text_config)`);
  }
}
