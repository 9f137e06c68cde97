// OPT, as transformers' modeling_opt: learned positions offset by 2 and counted over the
// attention mask, pre-LN (do_layer_norm_before) or post-LN layers, optional project_in/out when
// word_embed_proj_dim differs from hidden_size, and lm_head tied to embed_tokens.
import { Dropout, Embedding, LayerNorm, Linear, ModuleList } from "../nn/index.js";
import { Module } from "../nn/module.js";
import { causal_mask, scaled_dot_product_attention } from "../nn/attention.js";
import { Tensor } from "../tensor/tensor.js";
import { get_activation } from "./activations.js";
import { PretrainedConfig } from "./configuration_utils.js";
import type { Cache } from "./generation/cache.js";
import { positions_from_mask } from "./generation/utils.js";
import {
  BaseModelOutputWithPast, CausalLMOutputWithPast, decoder_step, causal_lm_output, model_inputs, ModelInputs, PreTrainedModel,
} from "./modeling_utils.js";

export class OPTConfig extends PretrainedConfig {
  static override model_type = "opt";
  static override required = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads"];
  static override defaults = {
    vocab_size: 50272, hidden_size: 768, num_hidden_layers: 12, ffn_dim: 3072, max_position_embeddings: 2048,
    do_layer_norm_before: true, _remove_final_layer_norm: false, word_embed_proj_dim: null, dropout: 0.1,
    attention_dropout: 0.0, num_attention_heads: 12, activation_function: "relu", layerdrop: 0.0, init_std: 0.02,
    use_cache: true, pad_token_id: 1, bos_token_id: 2, eos_token_id: 2, enable_bias: true,
    layer_norm_elementwise_affine: true,
  };
  declare ffn_dim: number;
  declare max_position_embeddings: number;
  declare do_layer_norm_before: boolean;
  declare _remove_final_layer_norm: boolean;
  declare word_embed_proj_dim: number;
  declare dropout: number;
  declare attention_dropout: number;
  declare activation_function: string;
  declare enable_bias: boolean;
  declare layer_norm_elementwise_affine: boolean;

  constructor(dict: Record<string, unknown> = {}, source?: string) {
    super(dict, source);
    this.word_embed_proj_dim ??= this.hidden_size;
    if (this.hidden_size % this.num_attention_heads !== 0) {
      throw new Error(`${source ?? "the config"}: hidden_size ${this.hidden_size} is not divisible by num_attention_heads ${this.num_attention_heads}`);
    }
  }
}

interface LayerContext {
  mask: Tensor | null;
  past: Cache | null;
}

/** Positions 0, 1, ... stored from row 2 on (OPT reserves the first two rows). */
export class OPTLearnedPositionalEmbedding extends Embedding {
  offset = 2;
  constructor(num_embeddings: number, embedding_dim: number) {
    super(num_embeddings + 2, embedding_dim);
  }
  override forward(position_ids: Tensor): Tensor {
    return super.forward(position_ids.add(this.offset));
  }
}

export class OPTAttention extends Module {
  num_heads: number;
  head_dim: number;
  scaling: number;
  layer_idx: number;
  k_proj: Linear;
  v_proj: Linear;
  q_proj: Linear;
  out_proj: Linear;

  constructor(config: OPTConfig, layer_idx: number) {
    super();
    const E = config.hidden_size;
    this.num_heads = config.num_attention_heads;
    this.head_dim = E / this.num_heads;
    this.scaling = this.head_dim ** -0.5;
    this.layer_idx = layer_idx;
    this.k_proj = new Linear(E, E, config.enable_bias);
    this.v_proj = new Linear(E, E, config.enable_bias);
    this.q_proj = new Linear(E, E, config.enable_bias);
    this.out_proj = new Linear(E, E, config.enable_bias);
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const [B, T] = x._shape as [number, number];
    const heads = (t: Tensor) => t.view(B, T, this.num_heads, this.head_dim).transpose(1, 2);
    // OPT scales the query before the product
    const q = heads(this.q_proj(x).mul(this.scaling));
    let k = heads(this.k_proj(x));
    let v = heads(this.v_proj(x));
    if (ctx.past) [k, v] = ctx.past.update(k, v, this.layer_idx);
    const attn = scaled_dot_product_attention(q, k, v, { attn_mask: ctx.mask, scale: 1 });
    return this.out_proj(attn.transpose(1, 2).reshape(B, T, this.num_heads * this.head_dim));
  }
}

export class OPTDecoderLayer extends Module {
  do_layer_norm_before: boolean;
  self_attn: OPTAttention;
  self_attn_layer_norm: LayerNorm;
  fc1: Linear;
  fc2: Linear;
  final_layer_norm: LayerNorm;
  private declare act: (x: Tensor) => Tensor;

  constructor(config: OPTConfig, layer_idx: number) {
    super();
    const affine = { elementwise_affine: config.layer_norm_elementwise_affine };
    this.do_layer_norm_before = config.do_layer_norm_before;
    this.self_attn = new OPTAttention(config, layer_idx);
    this.self_attn_layer_norm = new LayerNorm(config.hidden_size, affine);
    this.fc1 = new Linear(config.hidden_size, config.ffn_dim, config.enable_bias);
    this.fc2 = new Linear(config.ffn_dim, config.hidden_size, config.enable_bias);
    this.final_layer_norm = new LayerNorm(config.hidden_size, affine);
    Object.defineProperty(this, "act", { value: get_activation(config.activation_function), enumerable: false, writable: true });
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const pre = this.do_layer_norm_before;
    let h = this.self_attn(pre ? this.self_attn_layer_norm(x) : x, ctx).add(x);
    if (!pre) h = this.self_attn_layer_norm(h);
    const ffn = this.fc2(this.act(this.fc1(pre ? this.final_layer_norm(h) : h))).add(h);
    return pre ? ffn : this.final_layer_norm(ffn);
  }
}

export class OPTPreTrainedModel extends PreTrainedModel {
  static override config_class = OPTConfig;
  static override base_model_prefix = "model";
  declare config: OPTConfig;
}

export class OPTDecoder extends OPTPreTrainedModel {
  embed_tokens: Embedding;
  embed_positions: OPTLearnedPositionalEmbedding;
  project_out: Linear | null;
  project_in: Linear | null;
  final_layer_norm: LayerNorm | null;
  layers: ModuleList;

  constructor(config: OPTConfig) {
    super(config);
    const proj = config.word_embed_proj_dim !== config.hidden_size;
    this.embed_tokens = new Embedding(config.vocab_size, config.word_embed_proj_dim, { padding_idx: config.pad_token_id });
    this.embed_positions = new OPTLearnedPositionalEmbedding(config.max_position_embeddings, config.hidden_size);
    this.project_out = proj ? new Linear(config.hidden_size, config.word_embed_proj_dim, false) : null;
    this.project_in = proj ? new Linear(config.word_embed_proj_dim, config.hidden_size, false) : null;
    // transformers keeps the final norm only for pre-LN models (OPT-350m is post-LN)
    this.final_layer_norm = config.do_layer_norm_before && !config._remove_final_layer_norm
      ? new LayerNorm(config.hidden_size, { elementwise_affine: config.layer_norm_elementwise_affine })
      : null;
    this.layers = new ModuleList(Array.from({ length: config.num_hidden_layers }, (_, i) => new OPTDecoderLayer(config, i)));
  }

  override get_input_embeddings(): Embedding {
    return this.embed_tokens;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): BaseModelOutputWithPast {
    const inputs = model_inputs(first, rest);
    const step = decoder_step({ ...inputs, position_ids: inputs.position_ids ?? this.positions(inputs) }, this.config);
    let tokens = this.embed_tokens(step.input_ids) as Tensor;
    if (this.project_in) tokens = this.project_in(tokens);
    let h = tokens.add(this.embed_positions(step.position_ids));
    const ctx: LayerContext = { mask: causal_mask(step.attention_mask, step.length, step.seen + step.length, h.dtype), past: step.past };
    const hidden_states: Tensor[] = [];
    for (const layer of this.layers) {
      if (step.output_hidden_states) hidden_states.push(h);
      h = layer(h, ctx);
    }
    if (this.final_layer_norm) h = this.final_layer_norm(h);
    if (this.project_out) h = this.project_out(h);
    if (step.output_hidden_states) hidden_states.push(h);
    return { last_hidden_state: h, past_key_values: step.past, ...(step.output_hidden_states ? { hidden_states } : {}) };
  }

  // transformers counts OPT's positions over the attention mask: cumsum(mask) * mask - 1 (so -1
  // at padding), for the tokens after the cached ones
  private positions(inputs: ModelInputs): Tensor | null {
    const ids = inputs.input_ids;
    const mask = inputs.attention_mask;
    if (!mask || !ids) return null;
    const count = ids._shape[1]!;
    return positions_from_mask(mask, count).where(mask.narrow(1, mask._shape[1]! - count, count).ne(0), -1);
  }
}

export class OPTModel extends OPTPreTrainedModel {
  decoder: OPTDecoder;

  constructor(config: OPTConfig) {
    super(config);
    this.decoder = new OPTDecoder(config);
  }
  override get_input_embeddings(): Embedding {
    return this.decoder.embed_tokens;
  }
  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): BaseModelOutputWithPast {
    return this.decoder(model_inputs(first, rest)) as BaseModelOutputWithPast;
  }
}

export class OPTForCausalLM extends OPTPreTrainedModel {
  static override _tied_weights_keys = ["lm_head.weight"];
  model: OPTModel;
  lm_head: Linear;

  constructor(config: OPTConfig) {
    super(config);
    this.model = new OPTModel(config);
    this.lm_head = new Linear(config.word_embed_proj_dim, config.vocab_size, false);
  }

  override can_generate(): boolean {
    return true;
  }
  override get_input_embeddings(): Embedding {
    return this.model.decoder.embed_tokens;
  }
  override get_output_embeddings(): Linear {
    return this.lm_head;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): CausalLMOutputWithPast {
    const out = this.model(model_inputs(first, rest)) as BaseModelOutputWithPast;
    return causal_lm_output(out, (h) => this.lm_head(h));
  }
}
