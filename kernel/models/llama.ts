// Llama, as transformers' modeling_llama: RMSNorm, rotary embeddings over the whole head with
// base rope_theta, grouped-query attention (num_key_value_heads), a SiLU-gated MLP, no biases.
import { Embedding, Linear, ModuleList, RMSNorm } from "../nn/index.js";
import { Module } from "../nn/module.js";
import { causal_mask, scaled_dot_product_attention } from "../nn/attention.js";
import { apply_rotary_pos_emb, RotaryEmbedding } from "../nn/rotary.js";
import { Tensor } from "../tensor/tensor.js";
import { get_activation } from "./activations.js";
import { PretrainedConfig } from "./configuration_utils.js";
import type { Cache } from "./generation/cache.js";
import {
  BaseModelOutputWithPast, CausalLMOutputWithPast, decoder_step, causal_lm_output, model_inputs, ModelInputs, PreTrainedModel,
} from "./modeling_utils.js";

export class LlamaConfig extends PretrainedConfig {
  static override model_type = "llama";
  static override required = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"];
  static override defaults = {
    vocab_size: 32000, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: null, hidden_act: "silu", max_position_embeddings: 2048, initializer_range: 0.02,
    rms_norm_eps: 1e-6, use_cache: true, pad_token_id: null, bos_token_id: 1, eos_token_id: 2, pretraining_tp: 1,
    tie_word_embeddings: false, rope_theta: 10000.0, rope_scaling: null, attention_bias: false, attention_dropout: 0.0,
    mlp_bias: false,
  };
  declare intermediate_size: number;
  declare num_key_value_heads: number;
  declare hidden_act: string;
  declare max_position_embeddings: number;
  declare rms_norm_eps: number;
  declare rope_theta: number;
  declare attention_bias: boolean;
  declare mlp_bias: boolean;

  constructor(dict: Record<string, unknown> = {}, source?: string) {
    super(dict, source);
    const where = source ?? "the config";
    this.num_key_value_heads ??= this.num_attention_heads;
    if (this.hidden_size % this.num_attention_heads !== 0) throw new Error(`${where}: hidden_size ${this.hidden_size} is not divisible by num_attention_heads ${this.num_attention_heads}`);
    if (this.num_attention_heads % this.num_key_value_heads !== 0) throw new Error(`${where}: num_attention_heads ${this.num_attention_heads} is not a multiple of num_key_value_heads ${this.num_key_value_heads}`);
    if (this.rope_scaling !== null && this.rope_scaling !== undefined) throw new Error(`${where}: rope_scaling ${JSON.stringify(this.rope_scaling)} is not supported yet (only plain RoPE)`);
  }
}

interface LayerContext {
  mask: Tensor | null;
  cos: Tensor;
  sin: Tensor;
  past: Cache | null;
}

export class LlamaAttention extends Module {
  num_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  layer_idx: number;
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;

  constructor(config: LlamaConfig, layer_idx: number) {
    super();
    this.num_heads = config.num_attention_heads;
    this.num_key_value_heads = config.num_key_value_heads;
    this.head_dim = config.hidden_size / this.num_heads;
    this.layer_idx = layer_idx;
    const kv = this.num_key_value_heads * this.head_dim;
    this.q_proj = new Linear(config.hidden_size, this.num_heads * this.head_dim, config.attention_bias);
    this.k_proj = new Linear(config.hidden_size, kv, config.attention_bias);
    this.v_proj = new Linear(config.hidden_size, kv, config.attention_bias);
    this.o_proj = new Linear(this.num_heads * this.head_dim, config.hidden_size, config.attention_bias);
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const [B, T] = x._shape as [number, number];
    const heads = (t: Tensor, n: number) => t.view(B, T, n, this.head_dim).transpose(1, 2);
    const q = apply_rotary_pos_emb(heads(this.q_proj(x), this.num_heads), ctx.cos, ctx.sin);
    let k = apply_rotary_pos_emb(heads(this.k_proj(x), this.num_key_value_heads), ctx.cos, ctx.sin);
    let v = heads(this.v_proj(x), this.num_key_value_heads);
    if (ctx.past) [k, v] = ctx.past.update(k, v, this.layer_idx);
    const attn = scaled_dot_product_attention(q, k, v, { attn_mask: ctx.mask });
    return this.o_proj(attn.transpose(1, 2).reshape(B, T, this.num_heads * this.head_dim));
  }
}

export class LlamaMLP extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  private declare act: (x: Tensor) => Tensor;

  constructor(config: LlamaConfig) {
    super();
    this.gate_proj = new Linear(config.hidden_size, config.intermediate_size, config.mlp_bias);
    this.up_proj = new Linear(config.hidden_size, config.intermediate_size, config.mlp_bias);
    this.down_proj = new Linear(config.intermediate_size, config.hidden_size, config.mlp_bias);
    Object.defineProperty(this, "act", { value: get_activation(config.hidden_act), enumerable: false, writable: true });
  }

  override forward(x: Tensor): Tensor {
    return this.down_proj(this.act(this.gate_proj(x)).mul(this.up_proj(x)));
  }
}

export class LlamaDecoderLayer extends Module {
  self_attn: LlamaAttention;
  mlp: LlamaMLP;
  input_layernorm: RMSNorm;
  post_attention_layernorm: RMSNorm;

  constructor(config: LlamaConfig, layer_idx: number) {
    super();
    this.self_attn = new LlamaAttention(config, layer_idx);
    this.mlp = new LlamaMLP(config);
    this.input_layernorm = new RMSNorm(config.hidden_size, { eps: config.rms_norm_eps });
    this.post_attention_layernorm = new RMSNorm(config.hidden_size, { eps: config.rms_norm_eps });
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const h = x.add(this.self_attn(this.input_layernorm(x), ctx));
    return h.add(this.mlp(this.post_attention_layernorm(h)));
  }
}

export class LlamaPreTrainedModel extends PreTrainedModel {
  static override config_class = LlamaConfig;
  static override base_model_prefix = "model";
  static override _keys_to_ignore_on_load_unexpected = [/\.self_attn\.rotary_emb\.inv_freq$/];
  declare config: LlamaConfig;
}

export class LlamaModel extends LlamaPreTrainedModel {
  embed_tokens: Embedding;
  layers: ModuleList;
  norm: RMSNorm;
  private declare rotary_emb: RotaryEmbedding;

  constructor(config: LlamaConfig) {
    super(config);
    this.embed_tokens = new Embedding(config.vocab_size, config.hidden_size, { padding_idx: config.pad_token_id });
    this.layers = new ModuleList(Array.from({ length: config.num_hidden_layers }, (_, i) => new LlamaDecoderLayer(config, i)));
    this.norm = new RMSNorm(config.hidden_size, { eps: config.rms_norm_eps });
    Object.defineProperty(this, "rotary_emb", {
      value: new RotaryEmbedding(config.hidden_size / config.num_attention_heads, { base: config.rope_theta, max_position_embeddings: config.max_position_embeddings }),
      enumerable: false, writable: true,
    });
  }

  override get_input_embeddings(): Embedding {
    return this.embed_tokens;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): BaseModelOutputWithPast {
    const step = decoder_step(model_inputs(first, rest), this.config);
    let h = this.embed_tokens(step.input_ids) as Tensor;
    const [cos, sin] = this.rotary_emb.forward(step.position_ids, h.dtype);
    const ctx: LayerContext = { mask: causal_mask(step.attention_mask, step.length, step.seen + step.length, h.dtype), cos, sin, past: step.past };
    const hidden_states: Tensor[] = [];
    for (const layer of this.layers) {
      if (step.output_hidden_states) hidden_states.push(h);
      h = layer(h, ctx);
    }
    h = this.norm(h);
    if (step.output_hidden_states) hidden_states.push(h);
    return { last_hidden_state: h, past_key_values: step.past, ...(step.output_hidden_states ? { hidden_states } : {}) };
  }
}

export class LlamaForCausalLM extends LlamaPreTrainedModel {
  static override _tied_weights_keys = ["lm_head.weight"];
  model: LlamaModel;
  lm_head: Linear;

  constructor(config: LlamaConfig) {
    super(config);
    this.model = new LlamaModel(config);
    this.lm_head = new Linear(config.hidden_size, config.vocab_size, false);
  }

  override can_generate(): boolean {
    return true;
  }
  override get_input_embeddings(): Embedding {
    return this.model.embed_tokens;
  }
  override get_output_embeddings(): Linear {
    return this.lm_head;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): CausalLMOutputWithPast {
    const out = this.model(model_inputs(first, rest)) as BaseModelOutputWithPast;
    return causal_lm_output(out, (h) => this.lm_head(h));
  }
}
