// BLIP's three configs with transformers 4.40's class defaults. save_pretrained writes the nested
// text_config / vision_config as a diff against these defaults (older hub configs spell out every
// key), so a missing key means "the default", never "absent".
type Dict = Record<string, unknown>;

export class BlipTextConfig {
  model_type = "blip_text_model";
  vocab_size = 30524;
  hidden_size = 768;
  encoder_hidden_size = 768;
  intermediate_size = 3072;
  projection_dim = 768;
  num_hidden_layers = 12;
  num_attention_heads = 8;
  max_position_embeddings = 512;
  hidden_act = "gelu";
  layer_norm_eps = 1e-12;
  hidden_dropout_prob = 0.0;
  attention_probs_dropout_prob = 0.0;
  initializer_range = 0.02;
  bos_token_id = 30522;
  eos_token_id = 2;
  pad_token_id = 0;
  sep_token_id = 102;
  is_decoder = true;
  use_cache = true;
  label_smoothing = 0.0;
  constructor(o: Dict = {}) {
    Object.assign(this, o);
  }
}

export class BlipVisionConfig {
  model_type = "blip_vision_model";
  hidden_size = 768;
  intermediate_size = 3072;
  projection_dim = 512;
  num_hidden_layers = 12;
  num_attention_heads = 12;
  image_size = 384;
  patch_size = 16;
  hidden_act = "gelu";
  layer_norm_eps = 1e-5;
  attention_dropout = 0.0;
  initializer_range = 1e-10;
  constructor(o: Dict = {}) {
    Object.assign(this, o);
  }
}

export class BlipConfig {
  model_type = "blip";
  projection_dim = 512;
  logit_scale_init_value = 2.6592;
  image_text_hidden_size = 256;
  label_smoothing = 0.0;
  text_config: BlipTextConfig;
  vision_config: BlipVisionConfig;
  constructor(o: Dict = {}) {
    const { text_config, vision_config, ...rest } = o;
    Object.assign(this, rest);
    this.vision_config = new BlipVisionConfig((vision_config ?? {}) as Dict);
    this.text_config = new BlipTextConfig({ ...(text_config as Dict | undefined), encoder_hidden_size: this.vision_config.hidden_size });
  }
}
