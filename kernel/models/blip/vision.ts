// BLIP's vision tower (transformers' BlipVisionModel, v4.40): a ViT with a CLS token, learned
// position embeddings, pre-LN layers whose packed qkv projection is laid out [q|k|v][head][head_dim],
// and a post_layernorm over every token (its output is what the text decoder cross-attends to).
import { ModuleList } from "../../nn/modules/container.js";
import { Linear } from "../../nn/modules/linear.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { Module } from "../../nn/module.js";
import { Parameter } from "../../nn/parameter.js";
import { linear } from "../../nn/functional.js";
import { scaled_dot_product_attention } from "../../nn/attention.js";
import { empty } from "../../tensor/ops/util.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { cat } from "../../tensor/ops/shape_ops.js";
import { fmt_shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { get_activation } from "../activations.js";
import { BlipVisionConfig } from "./configuration.js";

/** nn.Conv2d with kernel_size = stride = patch_size (HF's patch_embedding, same weight and bias),
 *  run as one matmul over the non-overlapping patches; it returns the patches as tokens,
 *  [batch, grid_h * grid_w (row-major), out_channels], which is conv(x).flatten(2).transpose(1, 2). */
export class PatchConv2d extends Module {
  in_channels: number;
  out_channels: number;
  patch_size: number;
  weight: Parameter;
  bias: Parameter;
  constructor(in_channels: number, out_channels: number, patch_size: number) {
    super();
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.patch_size = patch_size;
    const dtype = get_default_dtype();
    this.weight = new Parameter(empty([out_channels, in_channels, patch_size, patch_size], dtype).zero_());
    this.bias = new Parameter(empty([out_channels], dtype).zero_());
  }
  override forward(x: Tensor): Tensor {
    const p = this.patch_size;
    const [B, C, H, W] = x._shape as [number, number, number, number];
    if (x.ndim !== 4 || C !== this.in_channels || H % p !== 0 || W % p !== 0) {
      throw new RangeError(`patch_embedding: expected pixel_values [batch, ${this.in_channels}, H, W] with H and W multiples of ${p}, got ${fmt_shape(x._shape)}`);
    }
    const patches = x.reshape(B, C, H / p, p, W / p, p).permute(0, 2, 4, 1, 3, 5).reshape(B, (H / p) * (W / p), C * p * p);
    return linear(patches, this.weight.reshape(this.out_channels, C * p * p), this.bias);
  }
  override extra_repr(): string {
    return `${this.in_channels}, ${this.out_channels}, kernel_size=(${this.patch_size}, ${this.patch_size}), stride=(${this.patch_size}, ${this.patch_size})`;
  }
}

export class BlipVisionEmbeddings extends Module {
  class_embedding: Parameter;
  patch_embedding: PatchConv2d;
  position_embedding: Parameter;
  constructor(config: BlipVisionConfig) {
    super();
    const dtype = get_default_dtype();
    const n_positions = (config.image_size / config.patch_size) ** 2 + 1;
    this.class_embedding = new Parameter(empty([1, 1, config.hidden_size], dtype).zero_());
    // HF hard-codes RGB input
    this.patch_embedding = new PatchConv2d(3, config.hidden_size, config.patch_size);
    this.position_embedding = new Parameter(empty([1, n_positions, config.hidden_size], dtype).zero_());
  }
  override forward(pixel_values: Tensor): Tensor {
    const dtype = this.patch_embedding.weight.dtype;
    const patches = this.patch_embedding(pixel_values.to(dtype));
    const B = patches._shape[0]!, N = patches._shape[1]! + 1;
    if (N > this.position_embedding._shape[1]!) {
      throw new RangeError(`BLIP vision: ${N - 1} patches need ${N} position embeddings, the model has ${this.position_embedding._shape[1]} (resize the image to the config's image_size)`);
    }
    const cls = this.class_embedding.expand(B, 1, -1).to(dtype);
    return cat([cls, patches], 1).add(this.position_embedding.get(":", `:${N}`, ":").to(dtype));
  }
}

export class BlipAttention extends Module {
  embed_dim: number;
  num_heads: number;
  head_dim: number;
  scale: number;
  qkv: Linear;
  projection: Linear;
  constructor(config: BlipVisionConfig) {
    super();
    this.embed_dim = config.hidden_size;
    this.num_heads = config.num_attention_heads;
    this.head_dim = Math.floor(this.embed_dim / this.num_heads);
    if (this.head_dim * this.num_heads !== this.embed_dim) {
      throw new RangeError(`BLIP vision: hidden_size ${this.embed_dim} is not divisible by num_attention_heads ${this.num_heads}`);
    }
    this.scale = this.head_dim ** -0.5;
    this.qkv = new Linear(this.embed_dim, 3 * this.embed_dim);
    this.projection = new Linear(this.embed_dim, this.embed_dim);
  }
  override forward(h: Tensor): Tensor {
    const [B, T] = h._shape as [number, number];
    const qkv = this.qkv(h).reshape(B, T, 3, this.num_heads, this.head_dim).permute(2, 0, 3, 1, 4);
    const [q, k, v] = [qkv.get(0), qkv.get(1), qkv.get(2)];
    const attn = scaled_dot_product_attention(q, k, v, { scale: this.scale });
    return this.projection(attn.permute(0, 2, 1, 3).reshape(B, T, this.embed_dim));
  }
}

export class BlipMLP extends Module {
  activation_fn: (x: Tensor) => Tensor;
  fc1: Linear;
  fc2: Linear;
  constructor(config: BlipVisionConfig) {
    super();
    this.activation_fn = get_activation(config.hidden_act);
    this.fc1 = new Linear(config.hidden_size, config.intermediate_size);
    this.fc2 = new Linear(config.intermediate_size, config.hidden_size);
  }
  override forward(h: Tensor): Tensor {
    return this.fc2(this.activation_fn(this.fc1(h)));
  }
}

export class BlipEncoderLayer extends Module {
  self_attn: BlipAttention;
  layer_norm1: LayerNorm;
  mlp: BlipMLP;
  layer_norm2: LayerNorm;
  constructor(config: BlipVisionConfig) {
    super();
    this.self_attn = new BlipAttention(config);
    this.layer_norm1 = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.mlp = new BlipMLP(config);
    this.layer_norm2 = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
  }
  override forward(h: Tensor): Tensor {
    h = h.add(this.self_attn(this.layer_norm1(h)));
    return h.add(this.mlp(this.layer_norm2(h)));
  }
}

export class BlipEncoder extends Module {
  layers: ModuleList;
  constructor(config: BlipVisionConfig) {
    super();
    this.layers = new ModuleList(Array.from({ length: config.num_hidden_layers }, () => new BlipEncoderLayer(config)));
  }
  /** The last layer's output and, when asked, the embeddings followed by every layer's output. */
  override forward(h: Tensor, output_hidden_states = false): { last_hidden_state: Tensor; hidden_states: Tensor[] | null } {
    const hidden_states: Tensor[] | null = output_hidden_states ? [h] : null;
    for (const layer of this.layers) {
      h = layer(h);
      hidden_states?.push(h);
    }
    return { last_hidden_state: h, hidden_states };
  }
}

export interface BlipVisionOutput {
  /** post_layernorm over every token: the image embeddings */
  last_hidden_state: Tensor;
  /** post_layernorm applied once more to the CLS token, as HF does */
  pooler_output: Tensor;
  hidden_states: Tensor[] | null;
}

export class BlipVisionModel extends Module {
  config: BlipVisionConfig;
  embeddings: BlipVisionEmbeddings;
  encoder: BlipEncoder;
  post_layernorm: LayerNorm;
  constructor(config: BlipVisionConfig) {
    super();
    this.config = config;
    this.embeddings = new BlipVisionEmbeddings(config);
    this.encoder = new BlipEncoder(config);
    this.post_layernorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
  }
  override forward(o: { pixel_values: Tensor; output_hidden_states?: boolean }): BlipVisionOutput {
    const enc = this.encoder(this.embeddings(o.pixel_values), o.output_hidden_states ?? false);
    const last_hidden_state = this.post_layernorm(enc.last_hidden_state);
    return { last_hidden_state, pooler_output: this.post_layernorm(last_hidden_state.get(":", 0, ":")), hidden_states: enc.hidden_states };
  }
}
