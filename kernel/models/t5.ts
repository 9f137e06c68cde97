// T5 / flan-T5 (transformers' modeling_t5.py, v4.40): an encoder-decoder with RMS-only layer
// norms, no 1/sqrt(d) attention scaling, a learned relative-position bias shared by every layer of
// a stack, and ReLU or gated-GELU feed-forward blocks. Module and weight names are HF's, so a
// checkpoint's state dict loads key for key.
import { Embedding } from "../nn/modules/embedding.js";
import { Linear } from "../nn/modules/linear.js";
import { Dropout } from "../nn/modules/activation.js";
import { ModuleList } from "../nn/modules/container.js";
import { Module } from "../nn/module.js";
import { Parameter } from "../nn/parameter.js";
import { softmax } from "../nn/functional.js";
import { float16, float32, int64, bfloat16, DType } from "../tensor/dtype.js";
import { finfo } from "../tensor/info.js";
import { arange, ones } from "../tensor/ops/creation.js";
import { cat } from "../tensor/ops/shape_ops.js";
import { where } from "../tensor/ops/elementwise.js";
import { Tensor } from "../tensor/tensor.js";
import { act_fn } from "./activations.js";

/** T5Config's fields, with its defaults (t5-small's). */
export class T5Config {
  model_type = "t5";
  vocab_size = 32128;
  d_model = 512;
  d_kv = 64;
  d_ff = 2048;
  num_layers = 6;
  num_decoder_layers = 6;
  num_heads = 8;
  relative_attention_num_buckets = 32;
  relative_attention_max_distance = 128;
  dropout_rate = 0.1;
  layer_norm_epsilon = 1e-6;
  feed_forward_proj = "relu";
  dense_act_fn = "relu";
  is_gated_act = false;
  tie_word_embeddings = true;
  is_encoder_decoder = true;
  is_decoder = false;
  use_cache = true;
  pad_token_id: number | null = 0;
  eos_token_id: number | number[] | null = 1;
  decoder_start_token_id: number | null = null;

  constructor(o: Partial<T5Config> & Record<string, unknown> = {}) {
    Object.assign(this, o);
    this.num_decoder_layers = (o.num_decoder_layers as number | undefined) ?? this.num_layers;
    const parts = this.feed_forward_proj.split("-");
    if (parts.length > 2 || (parts.length === 2 && parts[0] !== "gated")) {
      throw new Error(`T5Config: feed_forward_proj '${this.feed_forward_proj}' is not valid; use 'relu', 'gelu', 'gated-gelu' or 'gated-<act>'`);
    }
    this.is_gated_act = parts[0] === "gated";
    // transformers keeps "gated-gelu" meaning the tanh approximation, for backwards compatibility
    this.dense_act_fn = this.feed_forward_proj === "gated-gelu" ? "gelu_new" : parts[parts.length - 1]!;
  }
}

/** RMS norm without mean subtraction or bias; the statistic is taken in float32 whatever the
 *  activations' dtype, and half-precision weights get half-precision inputs (HF's T5LayerNorm). */
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

/** (1 - mask) * finfo(dtype).min: 0 where attending is allowed, a large negative elsewhere. */
function additive_mask(keep: Tensor, dtype: DType): Tensor {
  return keep.to(dtype).neg().add(1).mul(finfo(dtype).min);
}

// T5's fp16 guard: activations that overflowed are pulled back inside float16's range
function clamp_fp16(h: Tensor): Tensor {
  if (h.dtype !== float16) return h;
  const max = finfo(float16).max;
  const v = h.isinf().any().item() ? max - 1000 : max;
  return h.clamp(-v, v);
}

/** Self-attention's cached keys/values and cross-attention's keys/values over the encoder output,
 *  each [batch, heads, length, d_kv]. */
export type T5LayerCache = [Tensor, Tensor, Tensor, Tensor];

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

  /** Attends from `hidden` to itself (with `past` keys/values prepended) or, given
   *  `key_value_states`, to those (`past` then holds their projections, computed once). */
  override forward(hidden: Tensor, o: { bias?: Tensor | null; key_value_states?: Tensor; past?: [Tensor, Tensor] | null } = {}): [Tensor, [Tensor, Tensor]] {
    const [B, T] = hidden._shape as [number, number];
    const q = this.split_heads(this.q(hidden));
    let k: Tensor, v: Tensor;
    if (o.key_value_states) {
      [k, v] = o.past ?? [this.split_heads(this.k(o.key_value_states)), this.split_heads(this.v(o.key_value_states))];
    } else {
      k = this.split_heads(this.k(hidden));
      v = this.split_heads(this.v(hidden));
      if (o.past) {
        k = cat([o.past[0], k], 2);
        v = cat([o.past[1], v], 2);
      }
    }
    let scores = q.matmul(k.transpose(3, 2));
    if (o.bias) scores = scores.add(o.bias);
    const weights = softmax(scores.float(), -1).to(scores.dtype);
    const out = weights.matmul(v).transpose(1, 2).reshape(B, T, this.inner_dim);
    return [this.o(out), [k, v]];
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
    this.act = act_fn(config.dense_act_fn);
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
    this.act = act_fn(config.dense_act_fn);
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
  override forward(h: Tensor, bias: Tensor | null, past: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [out, kv] = this.SelfAttention(this.layer_norm(h), { bias, past });
    return [h.add(this.dropout(out)), kv];
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
  override forward(h: Tensor, key_value_states: Tensor, bias: Tensor | null, past: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [out, kv] = this.EncDecAttention(this.layer_norm(h), { bias, key_value_states, past });
    return [h.add(this.dropout(out)), kv];
  }
}

export interface T5BlockInputs {
  bias: Tensor | null;
  encoder_hidden_states?: Tensor;
  encoder_bias?: Tensor | null;
  past?: T5LayerCache | null;
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

  /** The block's output and, in a decoder, its updated cache. */
  override forward(h: Tensor, o: T5BlockInputs): [Tensor, T5LayerCache | null] {
    const past = o.past ?? null;
    let self_kv: [Tensor, Tensor];
    [h, self_kv] = this.layer[0]!(h, o.bias, past ? [past[0], past[1]] : null);
    h = clamp_fp16(h);
    let cache: T5LayerCache | null = null;
    if (this.is_decoder) {
      if (!o.encoder_hidden_states) throw new Error("T5Block: a decoder block needs encoder_hidden_states");
      let cross_kv: [Tensor, Tensor];
      [h, cross_kv] = this.layer[1]!(h, o.encoder_hidden_states, o.encoder_bias ?? null, past ? [past[2], past[3]] : null);
      h = clamp_fp16(h);
      cache = [...self_kv, ...cross_kv];
    }
    h = clamp_fp16(this.layer[this.is_decoder ? 2 : 1]!(h));
    return [h, cache];
  }
}

export interface T5StackInputs {
  input_ids: Tensor;
  attention_mask?: Tensor | null;
  encoder_hidden_states?: Tensor;
  encoder_attention_mask?: Tensor | null;
  past_key_values?: T5LayerCache[] | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}

export interface T5StackOutput {
  last_hidden_state: Tensor;
  past_key_values: T5LayerCache[] | null;
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
    const [B, T] = o.input_ids._shape as [number, number];
    const past = o.past_key_values ?? null;
    const past_length = past ? past[0]![0]._shape[2]! : 0;
    let h = this.dropout(this.embed_tokens(o.input_ids));
    const dtype = h.dtype;
    const key_length = past_length + T;
    const attention_mask = o.attention_mask ?? ones([B, key_length], { dtype: int64 });
    let keep = attention_mask.view(B, 1, 1, key_length);
    if (this.is_decoder) {
      const causal = arange(key_length).unsqueeze(0).le(arange(past_length, key_length).unsqueeze(1));
      keep = keep.mul(causal);
    }
    // layer 0's relative-position bias, with the mask folded in, serves every block of the stack
    const first = (this.block[0] as T5Block).layer[0] as T5LayerSelfAttention;
    const bias = first.SelfAttention.compute_bias(past_length, T, key_length).add(additive_mask(keep, dtype));
    const encoder_bias = o.encoder_attention_mask ? additive_mask(o.encoder_attention_mask.unsqueeze(1).unsqueeze(1), dtype) : null;
    const hidden_states: Tensor[] | null = o.output_hidden_states ? [] : null;
    const caches: T5LayerCache[] = [];
    let i = 0;
    for (const block of this.block) {
      hidden_states?.push(h);
      const [out, cache] = block(h, { bias, encoder_hidden_states: o.encoder_hidden_states, encoder_bias, past: past?.[i] ?? null }) as [Tensor, T5LayerCache | null];
      h = out;
      if (cache) caches.push(cache);
      i++;
    }
    h = this.dropout(this.final_layer_norm(h));
    hidden_states?.push(h);
    return { last_hidden_state: h, past_key_values: o.use_cache && this.is_decoder ? caches : null, hidden_states };
  }
}

export interface T5ForConditionalGenerationInputs {
  input_ids?: Tensor;
  attention_mask?: Tensor | null;
  decoder_input_ids: Tensor;
  decoder_attention_mask?: Tensor | null;
  /** the encoder's output from an earlier call, so generation runs the encoder once */
  encoder_outputs?: T5StackOutput | null;
  past_key_values?: T5LayerCache[] | null;
  use_cache?: boolean;
  output_hidden_states?: boolean;
}

export interface Seq2SeqLMOutput {
  logits: Tensor;
  past_key_values: T5LayerCache[] | null;
  encoder_last_hidden_state: Tensor;
  encoder_outputs: T5StackOutput;
  encoder_hidden_states: Tensor[] | null;
  decoder_hidden_states: Tensor[] | null;
}

export class T5ForConditionalGeneration extends Module {
  config: T5Config;
  model_dim: number;
  shared: Embedding;
  encoder: T5Stack;
  decoder: T5Stack;
  lm_head: Linear;

  constructor(config: T5Config) {
    super();
    this.config = config;
    this.model_dim = config.d_model;
    this.shared = new Embedding(config.vocab_size, config.d_model);
    this.encoder = new T5Stack(new T5Config({ ...config, is_decoder: false, use_cache: false }), this.shared);
    this.decoder = new T5Stack(new T5Config({ ...config, is_decoder: true, num_layers: config.num_decoder_layers }), this.shared);
    this.lm_head = new Linear(config.d_model, config.vocab_size, false);
  }

  get_encoder(): T5Stack {
    return this.encoder;
  }

  private encode(o: T5ForConditionalGenerationInputs): T5StackOutput {
    if (!o.input_ids) throw new Error("T5ForConditionalGeneration: pass input_ids (or encoder_outputs from an earlier call)");
    return this.encoder({ input_ids: o.input_ids, attention_mask: o.attention_mask, output_hidden_states: o.output_hidden_states });
  }

  override forward(o: T5ForConditionalGenerationInputs): Seq2SeqLMOutput {
    const encoder_outputs: T5StackOutput = o.encoder_outputs ?? this.encode(o);
    const use_cache = o.use_cache ?? this.config.use_cache;
    const dec = this.decoder({
      input_ids: o.decoder_input_ids,
      attention_mask: o.decoder_attention_mask,
      encoder_hidden_states: encoder_outputs.last_hidden_state,
      encoder_attention_mask: o.attention_mask,
      past_key_values: o.past_key_values,
      use_cache,
      output_hidden_states: o.output_hidden_states,
    }) as T5StackOutput;
    let seq = dec.last_hidden_state;
    // tied heads reuse the input embedding, which T5 rescales on the way out
    if (this.config.tie_word_embeddings) seq = seq.mul(this.model_dim ** -0.5);
    return {
      logits: this.lm_head(seq),
      past_key_values: dec.past_key_values,
      encoder_last_hidden_state: encoder_outputs.last_hidden_state,
      encoder_outputs,
      encoder_hidden_states: encoder_outputs.hidden_states,
      decoder_hidden_states: dec.hidden_states,
    };
  }
}
