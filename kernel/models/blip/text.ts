// BLIP's text decoder (transformers' BlipTextLMHeadModel, v4.40): BERT with post-LN layers, each a
// causal self-attention, a cross-attention to the image embeddings and a feed-forward block, then
// BERT's MLM head (dense + act + LayerNorm, then the vocabulary projection with its own bias).
import { Dropout } from "../../nn/modules/activation.js";
import { ModuleList } from "../../nn/modules/container.js";
import { Embedding } from "../../nn/modules/embedding.js";
import { Linear } from "../../nn/modules/linear.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { Module } from "../../nn/module.js";
import { Parameter } from "../../nn/parameter.js";
import { causal_mask, padding_mask, scaled_dot_product_attention } from "../../nn/attention.js";
import { arange, zeros } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { get_activation } from "../activations.js";
import { DynamicCache, type Cache } from "../generation/cache.js";
import { EncoderDecoderCache } from "../generation/encoder_decoder_cache.js";
import { unseen_ids, type ModelKwargs } from "../generation/utils.js";
import { model_inputs, ModelInputs, PreTrainedModel } from "../modeling_utils.js";
import { BlipTextConfig } from "./configuration.js";

/** Where an attention layer keeps its keys/values across decoding steps. */
interface LayerCache {
  cache: EncoderDecoderCache;
  layer_idx: number;
}

interface AttentionInputs {
  mask?: Tensor | null;
  encoder_hidden_states?: Tensor;
  past?: LayerCache | null;
}

export class BlipTextEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  constructor(config: BlipTextConfig) {
    super();
    this.word_embeddings = new Embedding(config.vocab_size, config.hidden_size, { padding_idx: config.pad_token_id });
    this.position_embeddings = new Embedding(config.max_position_embeddings, config.hidden_size);
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.dropout = new Dropout(config.hidden_dropout_prob);
    // transformers keeps the position ids as a (non-persistent) int64 buffer, which
    // get_memory_footprint counts: 4096 bytes the course's figures include
    this.register_buffer("position_ids", arange(config.max_position_embeddings).unsqueeze(0), false);
  }
  override forward(input_ids: Tensor, past_length = 0): Tensor {
    const T = input_ids._shape[1]!;
    if (past_length + T > this.position_embeddings.num_embeddings) {
      throw new RangeError(`BLIP text: position ${past_length + T - 1} is past max_position_embeddings ${this.position_embeddings.num_embeddings}`);
    }
    const positions = this.position_embeddings(arange(past_length, past_length + T).unsqueeze(0));
    return this.dropout(this.LayerNorm(this.word_embeddings(input_ids).add(positions)));
  }
}

export class BlipTextSelfAttention extends Module {
  num_attention_heads: number;
  attention_head_size: number;
  all_head_size: number;
  query: Linear;
  key: Linear;
  value: Linear;
  constructor(config: BlipTextConfig, is_cross_attention: boolean) {
    super();
    this.num_attention_heads = config.num_attention_heads;
    this.attention_head_size = Math.floor(config.hidden_size / config.num_attention_heads);
    if (this.attention_head_size * this.num_attention_heads !== config.hidden_size) {
      throw new RangeError(`BLIP text: hidden_size ${config.hidden_size} is not a multiple of num_attention_heads ${config.num_attention_heads}`);
    }
    this.all_head_size = config.hidden_size;
    const kv_in = is_cross_attention ? config.encoder_hidden_size : config.hidden_size;
    this.query = new Linear(config.hidden_size, this.all_head_size);
    this.key = new Linear(kv_in, this.all_head_size);
    this.value = new Linear(kv_in, this.all_head_size);
  }

  private split_heads(x: Tensor): Tensor {
    return x.view(x._shape[0]!, -1, this.num_attention_heads, this.attention_head_size).permute(0, 2, 1, 3);
  }

  /** Self-attention appends this step's keys/values to the cache; cross-attention (given
   *  `encoder_hidden_states`) projects the image on the first step only. */
  override forward(h: Tensor, o: AttentionInputs): Tensor {
    const [B, T] = h._shape as [number, number];
    const q = this.split_heads(this.query(h));
    let k: Tensor, v: Tensor;
    const image = o.encoder_hidden_states;
    if (image) {
      const project = (): [Tensor, Tensor] => [this.split_heads(this.key(image)), this.split_heads(this.value(image))];
      [k, v] = o.past ? o.past.cache.cross_attention(o.past.layer_idx, project) : project();
    } else {
      [k, v] = [this.split_heads(this.key(h)), this.split_heads(this.value(h))];
      if (o.past) [k, v] = o.past.cache.update(k, v, o.past.layer_idx);
    }
    const attn = scaled_dot_product_attention(q, k, v, { attn_mask: o.mask });
    return attn.permute(0, 2, 1, 3).reshape(B, T, this.all_head_size);
  }
}

/** dense, dropout, then LayerNorm(x + residual): BERT's post-LN sub-block output. */
export class BlipTextSelfOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  constructor(config: BlipTextConfig, in_features = config.hidden_size) {
    super();
    this.dense = new Linear(in_features, config.hidden_size);
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.dropout = new Dropout(config.hidden_dropout_prob);
  }
  override forward(h: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm(this.dropout(this.dense(h)).add(residual));
  }
}

export class BlipTextAttention extends Module {
  self: BlipTextSelfAttention;
  output: BlipTextSelfOutput;
  constructor(config: BlipTextConfig, is_cross_attention = false) {
    super();
    this.self = new BlipTextSelfAttention(config, is_cross_attention);
    this.output = new BlipTextSelfOutput(config);
  }
  override forward(h: Tensor, o: AttentionInputs): Tensor {
    return this.output(this.self(h, o), h);
  }
}

export class BlipTextIntermediate extends Module {
  dense: Linear;
  intermediate_get_activation: (x: Tensor) => Tensor;
  constructor(config: BlipTextConfig) {
    super();
    this.dense = new Linear(config.hidden_size, config.intermediate_size);
    this.intermediate_get_activation = get_activation(config.hidden_act);
  }
  override forward(h: Tensor): Tensor {
    return this.intermediate_get_activation(this.dense(h));
  }
}

export interface BlipTextLayerInputs {
  mask: Tensor | null;
  encoder_hidden_states: Tensor;
  encoder_mask: Tensor | null;
  past: LayerCache | null;
}

export class BlipTextLayer extends Module {
  attention: BlipTextAttention;
  crossattention: BlipTextAttention;
  intermediate: BlipTextIntermediate;
  output: BlipTextSelfOutput;
  constructor(config: BlipTextConfig) {
    super();
    this.attention = new BlipTextAttention(config);
    this.crossattention = new BlipTextAttention(config, true);
    this.intermediate = new BlipTextIntermediate(config);
    this.output = new BlipTextSelfOutput(config, config.intermediate_size);
  }
  override forward(h: Tensor, o: BlipTextLayerInputs): Tensor {
    const a = this.attention(h, { mask: o.mask, past: o.past });
    const c = this.crossattention(a, { mask: o.encoder_mask, encoder_hidden_states: o.encoder_hidden_states, past: o.past });
    return this.output(this.intermediate(c), c);
  }
}

export class BlipTextEncoder extends Module {
  layer: ModuleList;
  constructor(config: BlipTextConfig) {
    super();
    this.layer = new ModuleList(Array.from({ length: config.num_hidden_layers }, () => new BlipTextLayer(config)));
  }
}

export interface BlipTextInputs extends ModelInputs {
  /** the image embeddings (the vision tower's last_hidden_state) */
  encoder_hidden_states?: Tensor | null;
  encoder_attention_mask?: Tensor | null;
}

export interface BlipTextModelOutput {
  last_hidden_state: Tensor;
  past_key_values: EncoderDecoderCache | null;
  /** the embeddings (after their LayerNorm), then every layer's output */
  hidden_states: Tensor[] | null;
}

/** BlipTextModel as the decoder uses it: no pooler. */
export class BlipTextModel extends Module {
  config: BlipTextConfig;
  embeddings: BlipTextEmbeddings;
  encoder: BlipTextEncoder;
  constructor(config: BlipTextConfig) {
    super();
    this.config = config;
    this.embeddings = new BlipTextEmbeddings(config);
    this.encoder = new BlipTextEncoder(config);
  }

  override forward(o: BlipTextInputs): BlipTextModelOutput {
    if (!o.input_ids) throw new Error("BLIP text decoder: pass input_ids");
    if (!o.encoder_hidden_states) throw new Error("BLIP text decoder: pass encoder_hidden_states (the image embeddings)");
    const T = o.input_ids._shape[1]!;
    let cache: EncoderDecoderCache | null = null;
    if (o.past_key_values || (o.use_cache ?? this.config.use_cache)) {
      if (o.past_key_values && !(o.past_key_values instanceof EncoderDecoderCache)) {
        throw new TypeError("BLIP's text decoder keeps its cache in an EncoderDecoderCache (it cross-attends); pass the past_key_values an earlier call returned");
      }
      cache = o.past_key_values ?? new EncoderDecoderCache();
    }
    const past_length = cache?.get_seq_length() ?? 0;
    let h = this.embeddings(o.input_ids, past_length);
    const mask = causal_mask(o.attention_mask ?? null, T, past_length + T, h.dtype);
    const image = o.encoder_hidden_states;
    const encoder_mask = padding_mask(o.encoder_attention_mask, h.dtype);
    const hidden_states: Tensor[] | null = o.output_hidden_states ? [h] : null;
    let layer_idx = 0;
    for (const layer of this.encoder.layer) {
      const past = cache ? { cache, layer_idx: layer_idx++ } : null;
      h = layer(h, { mask, encoder_hidden_states: image, encoder_mask, past });
      hidden_states?.push(h);
    }
    return { last_hidden_state: h, past_key_values: cache, hidden_states };
  }
}

export class BlipTextPredictionHeadTransform extends Module {
  dense: Linear;
  transform_get_activation: (x: Tensor) => Tensor;
  LayerNorm: LayerNorm;
  constructor(config: BlipTextConfig) {
    super();
    this.dense = new Linear(config.hidden_size, config.hidden_size);
    this.transform_get_activation = get_activation(config.hidden_act);
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
  }
  override forward(h: Tensor): Tensor {
    return this.LayerNorm(this.transform_get_activation(this.dense(h)));
  }
}

export class BlipTextLMPredictionHead extends Module {
  transform: BlipTextPredictionHeadTransform;
  bias: Parameter;
  decoder: Linear;
  constructor(config: BlipTextConfig) {
    super();
    this.transform = new BlipTextPredictionHeadTransform(config);
    this.bias = new Parameter(zeros([config.vocab_size]));
    this.decoder = new Linear(config.hidden_size, config.vocab_size, false);
    // one tensor under two names, as in HF: checkpoints store it as cls.predictions.bias
    this.decoder.bias = this.bias;
  }
  override forward(h: Tensor): Tensor {
    return this.decoder(this.transform(h));
  }
}

export class BlipTextOnlyMLMHead extends Module {
  predictions: BlipTextLMPredictionHead;
  constructor(config: BlipTextConfig) {
    super();
    this.predictions = new BlipTextLMPredictionHead(config);
  }
  override forward(h: Tensor): Tensor {
    return this.predictions(h);
  }
}

/** transformers' CausalLMOutputWithCrossAttentions (no loss, no attentions). */
export interface CausalLMOutputWithCrossAttentions {
  logits: Tensor;
  past_key_values: EncoderDecoderCache | null;
  hidden_states: Tensor[] | null;
}

export class BlipTextLMHeadModel extends PreTrainedModel {
  static override config_class = BlipTextConfig;
  static override base_model_prefix = "bert";
  declare config: BlipTextConfig;
  bert: BlipTextModel;
  cls: BlipTextOnlyMLMHead;

  constructor(config: BlipTextConfig) {
    super(config);
    this.bert = new BlipTextModel(config);
    this.cls = new BlipTextOnlyMLMHead(config);
  }

  override get_input_embeddings(): Embedding {
    return this.bert.embeddings.word_embeddings;
  }

  override can_generate(): boolean {
    return true;
  }

  /** model(input_ids, { encoder_hidden_states, ... }) or model({ input_ids, encoder_hidden_states, ... }). */
  override forward(first?: Tensor | BlipTextInputs | null, rest: BlipTextInputs = {}): CausalLMOutputWithCrossAttentions {
    const out = this.bert(model_inputs(first, rest)) as BlipTextModelOutput;
    return { logits: this.cls(out.last_hidden_state), past_key_values: out.past_key_values, hidden_states: out.hidden_states };
  }

  override _get_cache(_batch_size: number, max_cache_len: number): Cache {
    return new EncoderDecoderCache(new DynamicCache({ max_cache_len }));
  }

  /** The unseen ids plus the image embeddings generate() was given, as HF's BLIP passes them on
   *  (positions follow the cache length, not the padding mask). */
  override prepare_inputs_for_generation(input_ids: Tensor, model_kwargs: ModelKwargs): Record<string, unknown> {
    const past = model_kwargs.past_key_values ?? null;
    return {
      input_ids: unseen_ids(input_ids, past),
      attention_mask: model_kwargs.attention_mask,
      past_key_values: past,
      encoder_hidden_states: model_kwargs.encoder_hidden_states,
      encoder_attention_mask: model_kwargs.encoder_attention_mask,
      use_cache: model_kwargs.use_cache,
    };
  }
}
