// Rotary position embeddings (RoPE) in transformers' rotate_half layout: dims [0, rot/2) pair
// with [rot/2, rot), inv_freq = 1 / base^(2i / rot), and dims past `rot` pass through (GPT-NeoX's
// rotary_pct). cos/sin come from one table per dtype, grown on demand, indexed by position ids.
import { DType, float32 } from "../tensor/dtype.js";
import { index_select } from "../tensor/ops/indexing.js";
import { narrow } from "../tensor/ops/shape_ops.js";
import { empty } from "../tensor/ops/util.js";
import { Tensor } from "../tensor/tensor.js";

export class RotaryEmbedding {
  readonly dim: number;
  readonly base: number;
  /** inv_freq as transformers computes it in float32. */
  readonly inv_freq: Float32Array;
  private tables = new Map<DType, { cos: Tensor; sin: Tensor }>();

  constructor(dim: number, o: { base?: number; max_position_embeddings?: number } = {}) {
    if (dim % 2 !== 0 || dim <= 0) throw new RangeError(`RotaryEmbedding: dim must be a positive even number, got ${dim}`);
    this.dim = dim;
    this.base = o.base ?? 10000;
    this.inv_freq = Float32Array.from({ length: dim / 2 }, (_, i) => 1 / Math.fround(Math.pow(this.base, Math.fround((2 * i) / dim))));
    this.table(o.max_position_embeddings ?? 2048, float32);
  }

  /** cos and sin [B, 1, T, dim/2] of position_ids [B, T] (the halves transformers repeats). */
  forward(position_ids: Tensor, dtype: DType): [Tensor, Tensor] {
    const [B, T] = position_ids._shape as [number, number];
    const flat = position_ids.reshape(-1);
    const needed = flat.numel() ? Number(flat.max().item()) + 1 : 0;
    const { cos, sin } = this.table(needed, dtype);
    const pick = (t: Tensor) => index_select(t, 0, flat).view(B, 1, T, this.dim / 2);
    return [pick(cos), pick(sin)];
  }

  private table(positions: number, dtype: DType): { cos: Tensor; sin: Tensor } {
    const have = this.tables.get(dtype);
    if (have && have.cos._shape[0]! >= positions) return have;
    const n = Math.max(positions, 2 * (have?.cos._shape[0] ?? 0));
    const half = this.dim / 2;
    const cos = empty([n, half], float32), sin = empty([n, half], float32);
    const c = cos._data as Float32Array, s = sin._data as Float32Array;
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(Math.fround(p) * this.inv_freq[i]!);
        c[p * half + i] = Math.cos(angle);
        s[p * half + i] = Math.sin(angle);
      }
    }
    const t = { cos: cos.to(dtype), sin: sin.to(dtype) };
    this.tables.set(dtype, t);
    return t;
  }
}

/** x [..., T, D] with its first 2 * cos.size(-1) dims rotated: x1*cos - x2*sin, x2*cos + x1*sin
 *  (= x*cos + rotate_half(x)*sin); the rest of each head is copied through. */
export function apply_rotary_pos_emb(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const D = x._shape[x.ndim - 1]!;
  const half = cos._shape[cos.ndim - 1]!;
  const x1 = narrow(x, -1, 0, half), x2 = narrow(x, -1, half, half);
  const out = empty(x._shape, x.dtype);
  narrow(out, -1, 0, half).copy_(x1.mul(cos).sub(x2.mul(sin)));
  narrow(out, -1, half, half).copy_(x2.mul(cos).add(x1.mul(sin)));
  if (2 * half < D) narrow(out, -1, 2 * half, D - 2 * half).copy_(narrow(x, -1, 2 * half, D - 2 * half));
  return out;
}
