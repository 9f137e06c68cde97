// transformers' EncoderDecoderCache, for decoders that cross-attend (T5, BLIP's text decoder): the
// self-attention keys/values grow by a token a step in a DynamicCache, while the cross-attention
// keys/values depend only on the encoder output, so each layer computes them on the first step
// and reuses them after.
import { Tensor } from "../../tensor/tensor.js";
import { DynamicCache, type Cache } from "./cache.js";

export class EncoderDecoderCache implements Cache {
  readonly self_attention_cache: DynamicCache;
  private readonly cross_attention_cache: ([Tensor, Tensor] | undefined)[] = [];

  constructor(self_attention_cache: DynamicCache = new DynamicCache()) {
    this.self_attention_cache = self_attention_cache;
  }

  /** Self-attention: appends this step's keys/values and returns the layer's so far. */
  update(key: Tensor, value: Tensor, layer_idx: number): [Tensor, Tensor] {
    return this.self_attention_cache.update(key, value, layer_idx);
  }

  get_seq_length(layer_idx = 0): number {
    return this.self_attention_cache.get_seq_length(layer_idx);
  }

  /** Cross-attention: the layer's keys/values over the encoder output, from `compute` the first
   *  time and from the cache after. */
  cross_attention(layer_idx: number, compute: () => [Tensor, Tensor]): [Tensor, Tensor] {
    return (this.cross_attention_cache[layer_idx] ??= compute());
  }
}
