// T5 / flan-T5 (transformers' modeling_t5.py, v4.40): an encoder-decoder with RMS-only layer
// norms, no 1/sqrt(d) attention scaling, a learned relative-position bias shared by every layer of
// a stack, and ReLU or gated-GELU feed-forward blocks. Module and weight names are HF's, so a
// checkpoint's state dict loads key for key.
import { Dropout } from "../nn/modules/activation.js";
import { ModuleList } from "../nn/modules/container.js";
import { Embedding } from "../nn/modules/embedding.js";
import { Linear } from "../nn/modules/linear.js";
import { Module } from "../nn/module.js";
import { Parameter } from "../nn/parameter.js";
import { causal_mask, padding_mask, scaled_dot_product_attention } from "../nn/attention.js";
import { bfloat16, float16, float32, int64 } from "../tensor/dtype.js";
import { finfo } from "../tensor/info.js";
import { arange, ones } from "../tensor/ops/creation.js";
import { where } from "../tensor/ops/elementwise.js";
import { Tensor } from "../tensor/tensor.js";
import { get_activation } from "./activations.js";
import { register_model_type } from "./auto.js";
import { PretrainedConfig } from "./configuration_utils.js";
import type { Cache } from "./generation/cache.js";
import { DynamicCache } from "./generation/cache.js";
import { EncoderDecoderCache } from "./generation/encoder_decoder_cache.js";
import { unseen_ids, type ModelKwargs } from "./generation/utils.js";
import { model_inputs, ModelInputs, PreTrainedModel } from "./modeling_utils.js";

/** T5Config with transformers 4.40's defaults (t5-small's shape). */
export class T5Config extends PretrainedConfig {
  static override model_type = "t5";
  static override defaults: Record<string, unknown> = {
    vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_decoder_layers: null, num_heads: 8,
    relative_attention_num_buckets: 32, relative_attention_max_distance: 128, dropout_rate: 0.1,
    layer_norm_epsilon: 1e-6, initializer_factor: 1.0, feed_forward_proj: "relu", is_encoder_decoder: true,
    use_cache: true, pad_token_id: 0, eos_token_id: 1, classifier_dropout: 0.0,
  };
  static override required = ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads"];
  static override attribute_map = { hidden_size: "d_model", num_attention_heads: "num_heads", num_hidden_layers: "num_layers", head_dim: "d_kv" };

  declare d_model: number;
  declare d_kv: number;
  declare d_ff: number;
  declare num_layers: number;
  declare num_decoder_layers: number;
  declare num_heads: number;
  declare relative_attention_num_buckets: number;
  declare relative_attention_max_distance: number;
  declare dropout_rate: number;
  declare layer_norm_epsilon: number;
  declare feed_forward_proj: string;
  declare dense_act_fn: string;
  declare is_gated_act: boolean;
  declare is_decoder: boolean;

  constructor(dict: Record<string, unknown> = {}, source = "the config") {
    super(dict, source);
    this.num_decoder_layers ??= this.num_layers;
    const parts = this.feed_forward_proj.split("-");
    if (parts.length > 2 || (parts.length === 2 && parts[0] !== "gated")) {
      throw new Error(`${source}: feed_forward_proj "${this.feed_forward_proj}" is not valid; use "relu", "gated-gelu" or another "[gated-]<activation>"`);
    }
    this.is_gated_act = parts[0] === "gated";
    // transformers reads "gated-gelu" as the tanh approximation, for compatibility with the original T5
    this.dense_act_fn = this.feed_forward_proj === "gated-gelu" ? "gelu_new" : parts[parts.length - 1]!;
  }
}

/** RMS norm without mean subtraction or bias, the statistic in float32. Not nn.RMSNorm: T5 casts
 *  the result to the *weight's* dtype when that is half precision (Llama casts to the input's), so
 *  a float32 residual stream meets float16 weights as transformers' T5 arranges it. */
export class T5LayerNorm extends Module {
  weight: Parameter;
  variance_epsilon: number;
  constructor(hidden_size: number, eps = 1e-6) {
    super();
    this.weight = new Parameter(ones([hidden_size]));
    this.variance_epsilon = eps;
  }
  override forward(h: Tensor): Tensor {
    const variance = h.to(float32).pow(2).mean(-1, true);
    let out = h.mul(variance.add(this.variance_epsilon).rsqrt());
    if (this.weight.dtype === float16 || this.weight.dtype === bfloat16) out = out.to(this.weight.dtype);
    return this.weight.mul(out);
  }
}

/** HF's _relative_position_bucket on a tensor of key-minus-query offsets: exact buckets for small
 *  distances, log-spaced ones (log in float32, truncated) up to max_distance, split by sign when
 *  bidirectional. */
export function relative_position_bucket(rel: Tensor, bidirectional: boolean, num_buckets: number, max_distance: number): Tensor {
  let buckets = rel.mul(0);
  let nb = num_buckets;
  if (bidirectional) {
    nb = Math.floor(nb / 2);
    buckets = rel.gt(0).to(int64).mul(nb);
    rel = rel.abs();
  } else {
    rel = rel.clamp({ max: 0 }).neg();
  }
  const max_exact = Math.floor(nb / 2);
  const is_small = rel.lt(max_exact);
  // small offsets take the exact branch; raising them to max_exact keeps the unused log finite
  const large = rel.clamp({ min: max_exact }).to(float32).div(max_exact).log()
    .div(Math.log(max_distance / max_exact)).mul(nb - max_exact).to(int64).add(max_exact).clamp({ max: nb - 1 });
  return buckets.add(where(is_small, rel, large));
}

// T5's fp16 guard: activations that overflowed are pulled back inside float16's range
function clamp_fp16(h: Tensor): Tensor {
  if (h.dtype !== float16) return h;
  const max = finfo(float16).max;
  const v = h.isinf().any().item() ? max - 1000 : max;
  return h.clamp(-v, v);
}

/** Where an attention layer keeps its keys/values across decoding steps. */
export interface T5AttentionCache {
  cache: EncoderDecoderCache;
  layer_idx: number;
}

export class T5Attention extends Module {
  n_heads: number;
  key_value_proj_dim: number;
  inner_dim: number;
  relative_attention_num_buckets: number;
  relative_attention_max_distance: number;
  is_decoder: boolean;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  relative_attention_bias: Embedding | null = null;

  constructor(config: T5Config, has_relative_attention_bias: boolean) {
    super();
    this.is_decoder = config.is_decoder;
    this.n_heads = config.num_heads;
    this.key_value_proj_dim = config.d_kv;
    this.inner_dim = config.num_heads * config.d_kv;
    this.relative_attention_num_buckets = config.relative_attention_num_buckets;
    this.relative_attention_max_distance = config.relative_attention_max_distance;
    this.q = new Linear(config.d_model, this.inner_dim, false);
    this.k = new Linear(config.d_model, this.inner_dim, false);
    this.v = new Linear(config.d_model, this.inner_dim, false);
    this.o = new Linear(this.inner_dim, config.d_model, false);
    if (has_relative_attention_bias) this.relative_attention_bias = new Embedding(config.relative_attention_num_buckets, config.num_heads);
  }

  /** The [1, heads, query, key] bias for queries at positions start.. and keys at 0..key_length. */
  compute_bias(query_start: number, query_length: number, key_length: number): Tensor {
    if (!this.relative_attention_bias) throw new Error("compute_bias: this attention layer has no relative_attention_bias");
    const context = arange(query_start, query_start + query_length).unsqueeze(1);
    const memory = arange(key_length).unsqueeze(0);
    const bucket = relative_position_bucket(memory.sub(context), !this.is_decoder,
      this.relative_attention_num_buckets, this.relative_attention_max_distance);
    return this.relative_attention_bias(bucket).permute(2, 0, 1).unsqueeze(0);
  }

  private split_heads(x: Tensor): Tensor {
    return x.view(x._shape[0]!, -1, this.n_heads, this.key_value_proj_dim).transpose(1, 2);
  }

  /** Attends from `hidden` to itself or, given `key_value_states`, to those. With a cache, self-
   *  attention appends to the cached keys/values and cross-attention projects the encoder output
   *  on the first step only. */
  override forward(hidden: Tensor, o: { bias?: Tensor | null; key_value_states?: Tensor; past?: T5AttentionCache | null } = {}): Tensor {
    const [B, T] = hidden._shape as [number, number];
    const q = this.split_heads(this.q(hidden));
    let k: Tensor, v: Tensor;
    const kv_in = o.key_value_states;
    if (kv_in) {
      const project = (): [Tensor, Tensor] => [this.split_heads(this.k(kv_in)), this.split_heads(this.v(kv_in))];
      [k, v] = o.past ? o.past.cache.cross_attention(o.past.layer_idx, project) : project();
    } else {
      [k, v] = [this.split_heads(this.k(hidden)), this.split_heads(this.v(hidden))];
      if (o.past) [k, v] = o.past.cache.update(k, v, o.past.layer_idx);
    }
    // T5 folds the 1/sqrt(d) scaling into its initialisation, so the scores are not scaled
    const attn = scaled_dot_product_attention(q, k, v, { attn_mask: o.bias, scale: 1 });
    return this.o(attn.transpose(1, 2).reshape(B, T, this.inner_dim));
  }
}

export class T5DenseActDense extends Module {
  wi: Linear;
  wo: Linear;
  dropout: Dropout;
  act: (x: Tensor) => Tensor;
  constructor(config: T5Config) {
    super();
    this.wi = new Linear(config.d_model, config.d_ff, false);
    this.wo = new Linear(config.d_ff, config.d_model, false);
    this.dropout = new Dropout(config.dropout_rate);
    this.act = get_activation(config.dense_act_fn);
  }
  override forward(h: Tensor): Tensor {
    return this.wo(this.dropout(this.act(this.wi(h))).to(this.wo.weight.dtype));
  }
}

export class T5DenseGatedActDense extends Module {
  wi_0: Linear;
  wi_1: Linear;
  wo: Linear;
  dropout: Dropout;
  act: (x: Tensor) => Tensor;
  constructor(config: T5Config) {
    super();
    this.wi_0 = new Linear(config.d_model, config.d_ff, false);
    this.wi_1 = new Linear(config.d_model, config.d_ff, false);
    this.wo = new Linear(config.d_ff, config.d_model, false);
    this.dropout = new Dropout(config.dropout_rate);
    this.act = get_activation(config.dense_act_fn);
  }
  override forward(h: Tensor): Tensor {
    const gated = this.act(this.wi_0(h)).mul(this.wi_1(h));
    return this.wo(this.dropout(gated).to(this.wo.weight.dtype));
  }
}

export class T5LayerFF extends Module {
  DenseReluDense: T5DenseActDense | T5DenseGatedActDense;
  layer_norm: T5LayerNorm;
  dropout: Dropout;
  constructor(config: T5Config) {
    super();
    this.DenseReluDense = config.is_gated_act ? new T5DenseGatedActDense(config) : new T5DenseActDense(config);
    this.layer_norm = new T5LayerNorm(config.d_model, config.layer_norm_epsilon);
    this.dropout = new Dropout(config.dropout_rate);
  }
  override forward(h: Tensor): Tensor {
    return h.add(this.dropout(this.DenseReluDense(this.layer_norm(h))));
  }
}

export class T5LayerSelfAttention extends Module {
  SelfAttention: T5Attention;
  layer_norm: T5LayerNorm;
  dropout: Dropout;
  constructor(config: T5Config, has_relative_attention_bias: boolean) {
    super();
    this.SelfAttention = new T5Attention(config, has_relative_attention_bias);
    this.layer_norm = new T5LayerNorm(config.d_model, config.layer_norm_epsilon);
    this.dropout = new Dropout(config.dropout_rate);
  }
  override forward(h: Tensor, bias: Tensor | null, past: T5AttentionCache | null): Tensor {
    return h.add(this.dropout(this.SelfAttention(this.layer_norm(h), { bias, past })));
  }
}

export class T5LayerCrossAttention extends Module {
  EncDecAttention: T5Attention;
  layer_norm: T5LayerNorm;
  dropout: Dropout;
  constructor(config: T5Config) {
    super();
    this.EncDecAttention = new T5Attention(config, false);
    this.layer_norm = new T5LayerNorm(config.d_model, config.layer_norm_epsilon);
    this.dropout = new Dropout(config.dropout_rate);
  }
  override forward(h: Tensor, key_value_states: Tensor, bias: Tensor | null, past: T5AttentionCache | null): Tensor {
    return h.add(this.dropout(this.EncDecAttention(this.layer_norm(h), { bias, key_value_states, past })));
  }
}

export interface T5BlockInputs {
  bias: Tensor | null;
  encoder_hidden_states?: Tensor;
  encoder_bias?: Tensor | null;
  past?: T5AttentionCache | null;
}

export class T5Block extends Module {
  is_decoder: boolean;
  layer: ModuleList;
  constructor(config: T5Config, has_relative_attention_bias: boolean) {
    super();
    this.is_decoder = config.is_decoder;
    this.layer = new ModuleList([new T5LayerSelfAttention(config, has_relative_attention_bias)]);
    if (config.is_decoder) this.layer.append(new T5LayerCrossAttention(config));
    this.layer.append(new T5LayerFF(config));
  }

  override forward(h: Tensor, o: T5BlockInputs): Tensor {
    const past = o.past ?? null;
    h = clamp_fp16(this.layer[0]!(h, o.bias, past));
    if (this.is_decoder) {
      if (!o.encoder_hidden_states) throw new Error("T5Block: a decoder block needs encoder_hidden_states");
      h = clamp_fp16(this.layer[1]!(h, o.encoder_hidden_states, o.encoder_bias ?? null, past));
    }
    return clamp_fp16(this.layer[this.is_decoder ? 2 : 1]!(h));
  }
}

export interface T5StackInputs {
  input_ids: Tensor;
  attention_mask?: Tensor | null;
  encoder_hidden_states?: Tensor;
  encoder_attention_mask?: Tensor | null;
  past_key_values?: Cache | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}

/** transformers' BaseModelOutputWithPastAndCrossAttentions (no attentions). */
export interface T5StackOutput {
  last_hidden_state: Tensor;
  past_key_values: EncoderDecoderCache | null;
  /** as HF: the embeddings, each block's output but the last, then the final norm's output */
  hidden_states: Tensor[] | null;
}

export class T5Stack extends Module {
  is_decoder: boolean;
  embed_tokens: Embedding;
  block: ModuleList;
  final_layer_norm: T5LayerNorm;
  dropout: Dropout;

  constructor(config: T5Config, embed_tokens: Embedding) {
    super();
    this.is_decoder = config.is_decoder;
    this.embed_tokens = embed_tokens;
    const n = config.is_decoder ? config.num_decoder_layers : config.num_layers;
    this.block = new ModuleList(Array.from({ length: n }, (_, i) => new T5Block(config, i === 0)));
    this.final_layer_norm = new T5LayerNorm(config.d_model, config.layer_norm_epsilon);
    this.dropout = new Dropout(config.dropout_rate);
  }

  override forward(o: T5StackInputs): T5StackOutput {
    const T = o.input_ids._shape[1]!;
    let cache: EncoderDecoderCache | null = null;
    if (this.is_decoder && (o.past_key_values || o.use_cache)) {
      if (o.past_key_values && !(o.past_key_values instanceof EncoderDecoderCache)) {
        throw new TypeError("T5's decoder keeps its cache in an EncoderDecoderCache (it cross-attends); pass the past_key_values an earlier call returned");
      }
      cache = o.past_key_values ?? new EncoderDecoderCache();
    }
    const past_length = cache?.get_seq_length() ?? 0;
    let h = this.dropout(this.embed_tokens(o.input_ids));
    const key_length = past_length + T;
    const mask = this.is_decoder ? causal_mask(o.attention_mask ?? null, T, key_length, h.dtype) : padding_mask(o.attention_mask, h.dtype);
    // layer 0's relative-position bias, with the mask folded in, serves every block of the stack
    const first = (this.block[0] as T5Block).layer[0] as T5LayerSelfAttention;
    let bias = first.SelfAttention.compute_bias(past_length, T, key_length);
    if (mask) bias = bias.add(mask);
    const encoder_bias = padding_mask(o.encoder_attention_mask, h.dtype);
    const hidden_states: Tensor[] | null = o.output_hidden_states ? [] : null;
    let layer_idx = 0;
    for (const block of this.block) {
      hidden_states?.push(h);
      const past = cache ? { cache, layer_idx: layer_idx++ } : null;
      h = block(h, { bias, encoder_hidden_states: o.encoder_hidden_states, encoder_bias, past });
    }
    h = this.dropout(this.final_layer_norm(h));
    hidden_states?.push(h);
    return { last_hidden_state: h, past_key_values: cache, hidden_states };
  }
}

export interface T5Inputs extends ModelInputs {
  decoder_input_ids?: Tensor | null;
  decoder_attention_mask?: Tensor | null;
  /** the encoder's output from an earlier call (generation runs the encoder once) */
  encoder_outputs?: { last_hidden_state: Tensor; hidden_states?: Tensor[] | null } | null;
}

/** transformers' Seq2SeqModelOutput (no attentions). */
export interface Seq2SeqModelOutput {
  last_hidden_state: Tensor;
  past_key_values: EncoderDecoderCache | null;
  decoder_hidden_states: Tensor[] | null;
  encoder_last_hidden_state: Tensor;
  encoder_hidden_states: Tensor[] | null;
}

/** transformers' Seq2SeqLMOutput (no loss, no attentions). */
export interface Seq2SeqLMOutput extends Omit<Seq2SeqModelOutput, "last_hidden_state"> {
  logits: Tensor;
}

/** What T5Model and T5ForConditionalGeneration share: the embedding and the two stacks. */
export class T5PreTrainedModel extends PreTrainedModel {
  static override config_class = T5Config;
  static override base_model_prefix = "transformer";
  // transformers keeps the feed-forward output in float32 under float16 and bitsandbytes
  static override _keep_in_fp32_modules = ["wo"];
  declare config: T5Config;
  shared: Embedding;
  encoder: T5Stack;
  decoder: T5Stack;

  constructor(config: T5Config) {
    super(config);
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(new T5Config({ ...config, is_decoder: false, use_cache: false }), this.shared);
    this.decoder = new T5Stack(new T5Config({ ...config, is_decoder: true, num_layers: config.num_decoder_layers }), this.shared);
  }

  override get_input_embeddings(): Embedding {
    return this.shared;
  }

  get_encoder(): T5Stack {
    return this.encoder;
  }

  /** Runs the encoder (unless `encoder_outputs` are given) and the decoder. */
  protected encode_decode(o: T5Inputs): Seq2SeqModelOutput {
    const enc = o.encoder_outputs ?? this.run_encoder(o);
    if (!o.decoder_input_ids) throw new Error(`${this._get_name()}: pass decoder_input_ids (generate() makes them from decoder_start_token_id)`);
    const dec = this.decoder({
      input_ids: o.decoder_input_ids,
      attention_mask: o.decoder_attention_mask,
      encoder_hidden_states: enc.last_hidden_state,
      encoder_attention_mask: o.attention_mask,
      past_key_values: o.past_key_values,
      use_cache: o.use_cache ?? this.config.use_cache,
      output_hidden_states: o.output_hidden_states,
    }) as T5StackOutput;
    return {
      last_hidden_state: dec.last_hidden_state,
      past_key_values: dec.past_key_values,
      decoder_hidden_states: dec.hidden_states,
      encoder_last_hidden_state: enc.last_hidden_state,
      encoder_hidden_states: enc.hidden_states ?? null,
    };
  }

  private run_encoder(o: T5Inputs): T5StackOutput {
    if (!o.input_ids) throw new Error(`${this._get_name()}: pass input_ids (or encoder_outputs from an earlier call)`);
    return this.encoder({ input_ids: o.input_ids, attention_mask: o.attention_mask, output_hidden_states: o.output_hidden_states });
  }

}

/** The bare encoder-decoder (AutoModel): the decoder's last hidden state, no LM head. */
export class T5Model extends T5PreTrainedModel {
  // a T5ForConditionalGeneration checkpoint loads into the bare model without its head
  static override _keys_to_ignore_on_load_unexpected: readonly RegExp[] = [/^lm_head\./];

  /** model(input_ids, { decoder_input_ids, ... }) or model({ input_ids, decoder_input_ids, ... }). */
  override forward(first?: Tensor | T5Inputs | null, rest: T5Inputs = {}): Seq2SeqModelOutput {
    return this.encode_decode(model_inputs(first, rest) as T5Inputs);
  }
}

export class T5ForConditionalGeneration extends T5PreTrainedModel {
  // aliases of `shared`; lm_head too when the embeddings are tied (t5-small), as in transformers
  static override _tied_weights_keys = ["encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"];
  lm_head: Linear;

  constructor(config: T5Config) {
    super(config);
    this.lm_head = new Linear(config.d_model, config.vocab_size, false);
  }

  override get_output_embeddings(): Linear {
    return this.lm_head;
  }

  override can_generate(): boolean {
    return true;
  }

  override forward(first?: Tensor | T5Inputs | null, rest: T5Inputs = {}): Seq2SeqLMOutput {
    const { last_hidden_state, ...out } = this.encode_decode(model_inputs(first, rest) as T5Inputs);
    // a tied head reuses the input embedding, which T5 rescales on the way out
    const seq = this.config.tie_word_embeddings ? last_hidden_state.mul(this.config.d_model ** -0.5) : last_hidden_state;
    return { logits: this.lm_head(seq), ...out };
  }

  override _get_cache(_batch_size: number, max_cache_len: number): Cache {
    return new EncoderDecoderCache(new DynamicCache({ max_cache_len }));
  }

  /** The decoder's unseen ids, with the encoder output computed once by generate(). */
  override prepare_inputs_for_generation(input_ids: Tensor, model_kwargs: ModelKwargs): Record<string, unknown> {
    const past = model_kwargs.past_key_values ?? null;
    return {
      decoder_input_ids: unseen_ids(input_ids, past),
      past_key_values: past,
      encoder_outputs: model_kwargs.encoder_outputs,
      attention_mask: model_kwargs.attention_mask,
      decoder_attention_mask: model_kwargs.decoder_attention_mask,
      use_cache: model_kwargs.use_cache,
    };
  }
}

register_model_type("t5", { config: T5Config, base: T5Model, seq2seq_lm: T5ForConditionalGeneration });
