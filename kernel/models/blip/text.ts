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
import { softmax } from "../../nn/functional.js";
import { DType, int64 } from "../../tensor/dtype.js";
import { finfo } from "../../tensor/info.js";
import { arange, ones, zeros } from "../../tensor/ops/creation.js";
import { cat } from "../../tensor/ops/shape_ops.js";
import { Tensor } from "../../tensor/tensor.js";
import { get_activation } from "../activations.js";
import { BlipTextConfig } from "./configuration.js";

/** Per layer: the self-attention's keys and values so far, and the cross-attention's keys and
 *  values over the image (computed on the first step only), each [batch, heads, length, head_dim]. */
export type BlipTextLayerCache = [Tensor, Tensor, Tensor, Tensor];

/** (1 - keep) * finfo(dtype).min: 0 where attending is allowed, a large negative elsewhere. */
function additive_mask(keep: Tensor, dtype: DType): Tensor {
  return keep.to(dtype).neg().add(1).mul(finfo(dtype).min);
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
  dropout: Dropout;
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
    this.dropout = new Dropout(config.attention_probs_dropout_prob);
  }

  private split_heads(x: Tensor): Tensor {
    return x.view(x._shape[0]!, -1, this.num_attention_heads, this.attention_head_size).permute(0, 2, 1, 3);
  }

  /** Self-attention appends this step's keys/values to `past`; cross-attention (given
   *  `encoder_hidden_states`) projects the image once and then reuses `past` as is. */
  override forward(h: Tensor, o: { mask?: Tensor | null; encoder_hidden_states?: Tensor; past?: [Tensor, Tensor] | null }): [Tensor, [Tensor, Tensor]] {
    const [B, T] = h._shape as [number, number];
    const q = this.split_heads(this.query(h));
    let k: Tensor, v: Tensor;
    if (o.encoder_hidden_states) {
      [k, v] = o.past ?? [this.split_heads(this.key(o.encoder_hidden_states)), this.split_heads(this.value(o.encoder_hidden_states))];
    } else {
      k = this.split_heads(this.key(h));
      v = this.split_heads(this.value(h));
      if (o.past) {
        k = cat([o.past[0], k], 2);
        v = cat([o.past[1], v], 2);
      }
    }
    let scores = q.matmul(k.transpose(-1, -2)).div(Math.sqrt(this.attention_head_size));
    if (o.mask) scores = scores.add(o.mask);
    const probs = this.dropout(softmax(scores, -1));
    return [probs.matmul(v).permute(0, 2, 1, 3).reshape(B, T, this.all_head_size), [k, v]];
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
  override forward(h: Tensor, o: { mask?: Tensor | null; encoder_hidden_states?: Tensor; past?: [Tensor, Tensor] | null }): [Tensor, [Tensor, Tensor]] {
    const [ctx, kv] = this.self(h, o);
    return [this.output(ctx, h), kv];
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
  past: BlipTextLayerCache | null;
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
  override forward(h: Tensor, o: BlipTextLayerInputs): [Tensor, BlipTextLayerCache] {
    const [a, self_kv]: [Tensor, [Tensor, Tensor]] = this.attention(h, { mask: o.mask, past: o.past ? [o.past[0], o.past[1]] : null });
    const [c, cross_kv]: [Tensor, [Tensor, Tensor]] = this.crossattention(a, { mask: o.encoder_mask, encoder_hidden_states: o.encoder_hidden_states, past: o.past ? [o.past[2], o.past[3]] : null });
    return [this.output(this.intermediate(c), c), [...self_kv, ...cross_kv]];
  }
}

export class BlipTextEncoder extends Module {
  layer: ModuleList;
  constructor(config: BlipTextConfig) {
    super();
    this.layer = new ModuleList(Array.from({ length: config.num_hidden_layers }, () => new BlipTextLayer(config)));
  }
}

export interface BlipTextInputs {
  input_ids: Tensor;
  attention_mask?: Tensor | null;
  encoder_hidden_states: Tensor;
  encoder_attention_mask?: Tensor | null;
  past_key_values?: BlipTextLayerCache[] | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}

export interface BlipTextModelOutput {
  last_hidden_state: Tensor;
  past_key_values: BlipTextLayerCache[] | null;
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
    const [B, T] = o.input_ids._shape as [number, number];
    const past = o.past_key_values ?? null;
    const past_length = past ? past[0]![0]._shape[2]! : 0;
    let h = this.embeddings(o.input_ids, past_length);
    const dtype = h.dtype;
    const key_length = past_length + T;
    // a decoder's mask: causal over the keys so far, and the padding mask
    const causal = arange(key_length).unsqueeze(0).le(arange(past_length, key_length).unsqueeze(1));
    const keep = (o.attention_mask ?? ones([B, key_length], { dtype: int64 })).view(B, 1, 1, key_length).mul(causal);
    const mask = additive_mask(keep, dtype);
    const encoder_mask = o.encoder_attention_mask ? additive_mask(o.encoder_attention_mask.view(B, 1, 1, -1), dtype) : null;
    const hidden_states: Tensor[] | null = o.output_hidden_states ? [h] : null;
    const caches: BlipTextLayerCache[] = [];
    let i = 0;
    for (const layer of this.encoder.layer) {
      const [out, cache] = layer(h, { mask, encoder_hidden_states: o.encoder_hidden_states, encoder_mask, past: past?.[i++] ?? null }) as [Tensor, BlipTextLayerCache];
      h = out;
      caches.push(cache);
      hidden_states?.push(h);
    }
    return { last_hidden_state: h, past_key_values: (o.use_cache ?? this.config.use_cache) ? caches : null, hidden_states };
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

export interface CausalLMOutputWithCrossAttentions {
  logits: Tensor;
  past_key_values: BlipTextLayerCache[] | null;
  hidden_states: Tensor[] | null;
}

export class BlipTextLMHeadModel extends Module {
  config: BlipTextConfig;
  bert: BlipTextModel;
  cls: BlipTextOnlyMLMHead;
  constructor(config: BlipTextConfig) {
    super();
    this.config = config;
    this.bert = new BlipTextModel(config);
    this.cls = new BlipTextOnlyMLMHead(config);
  }
  override forward(o: BlipTextInputs): CausalLMOutputWithCrossAttentions {
    const out = this.bert(o) as BlipTextModelOutput;
    return { logits: this.cls(out.last_hidden_state), past_key_values: out.past_key_values, hidden_states: out.hidden_states };
  }
}
