// transformers' extended attention masks: which keys each query may see, turned into the additive
// bias the attention scores get ((1 - keep) * finfo(dtype).min, as get_extended_attention_mask
// and invert_attention_mask write it).
import { DType, int64 } from "../tensor/dtype.js";
import { finfo } from "../tensor/info.js";
import { arange, ones } from "../tensor/ops/creation.js";
import { Tensor } from "../tensor/tensor.js";

/** 0 where `keep` is set, finfo(dtype).min elsewhere. */
export function additive_mask(keep: Tensor, dtype: DType): Tensor {
  return keep.to(dtype).neg().add(1).mul(finfo(dtype).min);
}

/** [batch, 1, 1, keys] from a [batch, keys] padding mask (all ones when null): what an encoder or
 *  a cross-attention sees. */
export function padding_keep(mask: Tensor | null | undefined, batch: number, key_length: number): Tensor {
  return (mask ?? ones([batch, key_length], { dtype: int64 })).view(batch, 1, 1, key_length);
}

/** [batch, 1, queries, keys] for a decoder whose `queries` new tokens follow `past_length` cached
 *  ones: query i sees key j when j <= past_length + i and the padding mask keeps j. */
export function causal_keep(mask: Tensor | null | undefined, batch: number, past_length: number, queries: number): Tensor {
  const key_length = past_length + queries;
  const causal = arange(key_length).unsqueeze(0).le(arange(past_length, key_length).unsqueeze(1));
  return padding_keep(mask, batch, key_length).mul(causal);
}
