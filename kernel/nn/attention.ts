// Attention shared by the transformer models: scaled dot-product attention with grouped KV heads
// read in place (no repeat of K/V), and transformers' additive causal/padding mask.
import { bool, DType } from "../tensor/dtype.js";
import { finfo } from "../tensor/info.js";
import { softmax } from "../tensor/ops/activation.js";
import { ones, zeros } from "../tensor/ops/creation.js";
import { matmul } from "../tensor/ops/linalg.js";
import { fmt_shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

export interface AttentionOptions {
  /** Added to the scores (float, e.g. from causal_mask, or a position bias), or a bool mask
   *  whose true entries take part (torch's convention); broadcast to [B, Hq, T, L]. */
  attn_mask?: Tensor | null;
  /** Multiplies the scores; 1/sqrt(head_dim) by default (T5 uses 1). */
  scale?: number | null;
}

/** F.scaled_dot_product_attention for query [B, Hq, T, D] and key/value [B, Hkv, L, D] with Hq a
 *  multiple of Hkv: query head h reads KV head floor(h / (Hq / Hkv)). Softmax runs in float32
 *  and is cast back to the value dtype, as transformers' eager attention does. */
export function scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions = {}): Tensor {
  if (query.ndim !== 4 || key.ndim !== 4 || value.ndim !== 4) {
    throw new RangeError(`scaled_dot_product_attention: expected 4-d query/key/value, got ${fmt_shape(query._shape)}, ${fmt_shape(key._shape)}, ${fmt_shape(value._shape)}`);
  }
  const [B, Hq, T, D] = query._shape as [number, number, number, number];
  const Hkv = key._shape[1]!, L = key._shape[2]!;
  if (Hq % Hkv !== 0) throw new RangeError(`scaled_dot_product_attention: ${Hq} query heads do not divide into ${Hkv} key/value heads`);
  const group = Hq / Hkv;
  const scale = o.scale ?? 1 / Math.sqrt(D);
  // the `group` query heads of one KV head become rows of one product with that head's keys
  const q = group === 1 ? query : query.reshape(B, Hkv, group * T, D);
  let scores = matmul(q, key.transpose(-2, -1));
  if (scale !== 1) scores = scores.mul(scale);
  scores = scores.view(B, Hq, T, L);
  const mask = o.attn_mask;
  if (mask) scores = mask.dtype === bool ? scores.masked_fill(mask.logical_not(), -Infinity) : scores.add(mask);
  let probs = softmax(scores, -1, { dtype: "float32" });
  if (probs.dtype !== value.dtype) probs = probs.to(value.dtype);
  if (group !== 1) probs = probs.view(B, Hkv, group * T, L);
  return matmul(probs, value).view(B, Hq, T, D);
}

/** transformers' 4-d decoder mask [B, 1, T, L] for T queries that are the last T of L positions:
 *  0 where query i may see key j (j <= L - T + i and attention_mask[b, j] != 0), the dtype's
 *  lowest value elsewhere. null when nothing is masked (one query, no padding). */
export function causal_mask(attention_mask: Tensor | null, query_len: number, key_len: number, dtype: DType): Tensor | null {
  const padded = attention_mask && !attention_mask.ne(0).all().item() ? attention_mask.eq(0) : null;
  if (attention_mask && attention_mask._shape[attention_mask.ndim - 1] !== key_len) {
    throw new RangeError(`attention_mask covers ${attention_mask._shape[attention_mask.ndim - 1]} positions, but there are ${key_len} (past + new tokens)`);
  }
  if (query_len === 1 && !padded) return null;
  let blocked = ones([query_len, key_len], { dtype: bool }).triu(key_len - query_len + 1);
  if (padded) blocked = blocked.logical_or(padded.view(padded._shape[0]!, 1, 1, key_len));
  else blocked = blocked.view(1, 1, query_len, key_len);
  return zeros(blocked._shape, { dtype }).masked_fill(blocked, finfo(dtype).min);
}

/** transformers' invert_attention_mask: [B, 1, 1, L] from a [B, L] padding mask, 0 at kept keys
 *  and the dtype's lowest value at padding; for encoders and cross-attention, which see every
 *  position. null when nothing is masked. */
export function padding_mask(attention_mask: Tensor | null | undefined, dtype: DType): Tensor | null {
  if (!attention_mask || attention_mask.ne(0).all().item()) return null;
  const [B, L] = attention_mask._shape as [number, number];
  return zeros([B, 1, 1, L], { dtype }).masked_fill(attention_mask.eq(0).view(B, 1, 1, L), finfo(dtype).min);
}
