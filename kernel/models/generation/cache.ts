// The key/value cache of attention layers. transformers' DynamicCache concatenates every step;
// here each layer owns a buffer [batch, heads, capacity, head_dim] that the new keys are written
// into, and attention reads a view of the filled part. Capacity grows by doubling (amortised
// O(1) per token); generate() sizes it for the whole run up front, so decoding never copies.
import { narrow } from "../../tensor/ops/shape_ops.js";
import { empty } from "../../tensor/ops/util.js";
import { fmt_shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/** What an attention layer needs of a cache: the contract every model's cache follows. */
export interface Cache {
  /** Appends `key`/`value` [batch, heads, new, head_dim] of layer `layer_idx` and returns the
   *  layer's keys and values so far, [batch, heads, seen + new, head_dim]. */
  update(key: Tensor, value: Tensor, layer_idx: number): [Tensor, Tensor];
  /** Tokens already cached (in layer `layer_idx`). */
  get_seq_length(layer_idx?: number): number;
}

interface LayerBuffers {
  key: Tensor;
  value: Tensor;
  length: number;
}

export class DynamicCache implements Cache {
  private layers: LayerBuffers[] = [];
  /** Tokens to make room for on the first write (generate() passes prompt + max_new_tokens). */
  readonly max_cache_len: number;

  constructor(o: { max_cache_len?: number } = {}) {
    this.max_cache_len = o.max_cache_len ?? 0;
  }

  get_seq_length(layer_idx = 0): number {
    return this.layers[layer_idx]?.length ?? 0;
  }

  update(key: Tensor, value: Tensor, layer_idx: number): [Tensor, Tensor] {
    if (key.ndim !== 4 || value.ndim !== 4) throw new RangeError(`DynamicCache.update: expected [batch, heads, seq, head_dim] keys and values, got ${fmt_shape(key._shape)} and ${fmt_shape(value._shape)}`);
    if (layer_idx > this.layers.length) throw new RangeError(`DynamicCache.update: layer ${layer_idx} written before layer ${this.layers.length}`);
    const n = key._shape[2]!;
    let layer = this.layers[layer_idx];
    const needed = (layer?.length ?? 0) + n;
    if (!layer || needed > layer.key._shape[2]!) layer = this.layers[layer_idx] = grow(layer, key, value, needed, this.max_cache_len);
    narrow(layer.key, 2, layer.length, n).copy_(key);
    narrow(layer.value, 2, layer.length, n).copy_(value);
    layer.length += n;
    return [narrow(layer.key, 2, 0, layer.length), narrow(layer.value, 2, 0, layer.length)];
  }
}

// New buffers of at least `needed` tokens (twice the old capacity, or the planned length),
// holding what the old ones held.
function grow(old: LayerBuffers | undefined, key: Tensor, value: Tensor, needed: number, planned: number): LayerBuffers {
  const capacity = Math.max(needed, planned, 2 * (old?.key._shape[2] ?? 0));
  const buffer = (t: Tensor) => empty([t._shape[0]!, t._shape[1]!, capacity, t._shape[3]!], t.dtype);
  const next: LayerBuffers = { key: buffer(key), value: buffer(value), length: old?.length ?? 0 };
  if (old && old.length) {
    narrow(next.key, 2, 0, old.length).copy_(narrow(old.key, 2, 0, old.length));
    narrow(next.value, 2, 0, old.length).copy_(narrow(old.value, 2, 0, old.length));
  }
  return next;
}
