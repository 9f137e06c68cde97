// GPT-NeoX (Pythia), as transformers' modeling_gpt_neox: a fused query_key_value projection laid
// out per head as [q|k|v], rotary embeddings on the first rotary_pct of each head, and parallel
// (x + attn(ln1 x) + mlp(ln2 x)) or sequential residuals. Module names are the checkpoints'.
import { Dropout, Embedding, LayerNorm, Linear, ModuleList } from "../nn/index.js";
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

export class GPTNeoXConfig extends PretrainedConfig {
  static override model_type = "gpt_neox";
  static override required = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads"];
  static override defaults = {
    vocab_size: 50432, hidden_size: 6144, num_hidden_layers: 44, num_attention_heads: 64, intermediate_size: 24576,
    hidden_act: "gelu", rotary_pct: 0.25, rotary_emb_base: 10000, attention_dropout: 0.0, hidden_dropout: 0.0,
    classifier_dropout: 0.1, max_position_embeddings: 2048, initializer_range: 0.02, layer_norm_eps: 1e-5,
    use_cache: true, bos_token_id: 0, eos_token_id: 2, tie_word_embeddings: false, use_parallel_residual: true,
    rope_scaling: null, attention_bias: true,
  };
  declare intermediate_size: number;
  declare hidden_act: string;
  declare rotary_pct: number;
  declare rotary_emb_base: number;
  declare max_position_embeddings: number;
  declare layer_norm_eps: number;
  declare use_parallel_residual: boolean;
  declare attention_bias: boolean;
  declare attention_dropout: number;
  declare hidden_dropout: number;

  constructor(dict: Record<string, unknown> = {}, source?: string) {
    super(dict, source);
    if (this.hidden_size % this.num_attention_heads !== 0) {
      throw new Error(`${source ?? "the config"}: hidden_size ${this.hidden_size} is not divisible by num_attention_heads ${this.num_attention_heads}`);
    }
    if (this.rope_scaling !== null && this.rope_scaling !== undefined) {
      throw new Error(`${source ?? "the config"}: rope_scaling ${JSON.stringify(this.rope_scaling)} is not supported yet (only plain RoPE)`);
    }
  }
}

/** Per-call state the layers share. */
interface LayerContext {
  mask: Tensor | null;
  cos: Tensor;
  sin: Tensor;
  past: Cache | null;
}

export class GPTNeoXAttention extends Module {
  num_attention_heads: number;
  head_size: number;
  rotary_ndims: number;
  layer_idx: number;
  query_key_value: Linear;
  dense: Linear;
  attention_dropout: Dropout;

  constructor(config: GPTNeoXConfig, layer_idx: number) {
    super();
    this.num_attention_heads = config.num_attention_heads;
    this.head_size = config.hidden_size / config.num_attention_heads;
    this.rotary_ndims = Math.trunc(this.head_size * config.rotary_pct);
    this.layer_idx = layer_idx;
    this.query_key_value = new Linear(config.hidden_size, 3 * config.hidden_size, config.attention_bias);
    this.dense = new Linear(config.hidden_size, config.hidden_size, config.attention_bias);
    this.attention_dropout = new Dropout(config.attention_dropout);
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const [B, T] = x._shape as [number, number];
    const H = this.num_attention_heads, D = this.head_size;
    // [B, T, H, q|k|v, D]: each head's three projections sit together
    const qkv = this.query_key_value(x).view(B, T, H, 3 * D);
    const part = (i: number) => qkv.narrow(-1, i * D, D).transpose(1, 2);
    const q = apply_rotary_pos_emb(part(0), ctx.cos, ctx.sin);
    let k = apply_rotary_pos_emb(part(1), ctx.cos, ctx.sin);
    let v = part(2);
    if (ctx.past) [k, v] = ctx.past.update(k, v, this.layer_idx);
    const attn = scaled_dot_product_attention(q, k, v, { attn_mask: ctx.mask });
    return this.dense(attn.transpose(1, 2).reshape(B, T, H * D));
  }
}

export class GPTNeoXMLP extends Module {
  dense_h_to_4h: Linear;
  dense_4h_to_h: Linear;
  private declare act: (x: Tensor) => Tensor;

  constructor(config: GPTNeoXConfig) {
    super();
    this.dense_h_to_4h = new Linear(config.hidden_size, config.intermediate_size);
    this.dense_4h_to_h = new Linear(config.intermediate_size, config.hidden_size);
    Object.defineProperty(this, "act", { value: get_activation(config.hidden_act), enumerable: false, writable: true });
  }

  override forward(x: Tensor): Tensor {
    return this.dense_4h_to_h(this.act(this.dense_h_to_4h(x)));
  }
}

export class GPTNeoXLayer extends Module {
  use_parallel_residual: boolean;
  input_layernorm: LayerNorm;
  post_attention_layernorm: LayerNorm;
  post_attention_dropout: Dropout;
  post_mlp_dropout: Dropout;
  attention: GPTNeoXAttention;
  mlp: GPTNeoXMLP;

  constructor(config: GPTNeoXConfig, layer_idx: number) {
    super();
    this.use_parallel_residual = config.use_parallel_residual;
    this.input_layernorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.post_attention_layernorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.post_attention_dropout = new Dropout(config.hidden_dropout);
    this.post_mlp_dropout = new Dropout(config.hidden_dropout);
    this.attention = new GPTNeoXAttention(config, layer_idx);
    this.mlp = new GPTNeoXMLP(config);
  }

  override forward(x: Tensor, ctx: LayerContext): Tensor {
    const attn = this.post_attention_dropout(this.attention(this.input_layernorm(x), ctx));
    if (this.use_parallel_residual) {
      const mlp = this.post_mlp_dropout(this.mlp(this.post_attention_layernorm(x)));
      return mlp.add(attn).add(x);
    }
    const h = attn.add(x);
    return this.post_mlp_dropout(this.mlp(this.post_attention_layernorm(h))).add(h);
  }
}

export class GPTNeoXPreTrainedModel extends PreTrainedModel {
  static override config_class = GPTNeoXConfig;
  static override base_model_prefix = "gpt_neox";
  // buffers that checkpoints written by older transformers versions still carry
  static override _keys_to_ignore_on_load_unexpected = [/\.attention\.(masked_bias|bias|rotary_emb\.inv_freq)$/];
  declare config: GPTNeoXConfig;
}

export class GPTNeoXModel extends GPTNeoXPreTrainedModel {
  embed_in: Embedding;
  emb_dropout: Dropout;
  layers: ModuleList;
  final_layer_norm: LayerNorm;
  private declare rotary_emb: RotaryEmbedding;

  constructor(config: GPTNeoXConfig) {
    super(config);
    this.embed_in = new Embedding(config.vocab_size, config.hidden_size);
    this.emb_dropout = new Dropout(config.hidden_dropout);
    this.layers = new ModuleList(Array.from({ length: config.num_hidden_layers }, (_, i) => new GPTNeoXLayer(config, i)));
    this.final_layer_norm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    const head_size = config.hidden_size / config.num_attention_heads;
    Object.defineProperty(this, "rotary_emb", {
      value: new RotaryEmbedding(Math.trunc(head_size * config.rotary_pct), { base: config.rotary_emb_base, max_position_embeddings: config.max_position_embeddings }),
      enumerable: false, writable: true,
    });
  }

  override get_input_embeddings(): Embedding {
    return this.embed_in;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): BaseModelOutputWithPast {
    const step = decoder_step(model_inputs(first, rest), this.config);
    let h = this.emb_dropout(this.embed_in(step.input_ids)) as Tensor;
    const [cos, sin] = this.rotary_emb.forward(step.position_ids, h.dtype);
    const ctx: LayerContext = { mask: causal_mask(step.attention_mask, step.length, step.seen + step.length, h.dtype), cos, sin, past: step.past };
    const hidden_states: Tensor[] = [];
    for (const layer of this.layers) {
      if (step.output_hidden_states) hidden_states.push(h);
      h = layer(h, ctx);
    }
    h = this.final_layer_norm(h);
    if (step.output_hidden_states) hidden_states.push(h);
    return { last_hidden_state: h, past_key_values: step.past, ...(step.output_hidden_states ? { hidden_states } : {}) };
  }
}

export class GPTNeoXForCausalLM extends GPTNeoXPreTrainedModel {
  gpt_neox: GPTNeoXModel;
  embed_out: Linear;

  constructor(config: GPTNeoXConfig) {
    super(config);
    this.gpt_neox = new GPTNeoXModel(config);
    this.embed_out = new Linear(config.hidden_size, config.vocab_size, false);
  }

  override can_generate(): boolean {
    return true;
  }
  override get_input_embeddings(): Embedding {
    return this.gpt_neox.embed_in;
  }
  override get_output_embeddings(): Linear {
    return this.embed_out;
  }

  override forward(first?: Tensor | ModelInputs, rest?: ModelInputs): CausalLMOutputWithPast {
    const out = this.gpt_neox(model_inputs(first, rest)) as BaseModelOutputWithPast;
    return causal_lm_output(out, (h) => this.embed_out(h));
  }
}
