// transformers' logits processors and warpers, applied to the next-token scores [batch, vocab]
// in transformers 4.40's order (processors, then temperature, top-k, top-p, min-p).
import { bool, float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { softmax } from "../../tensor/ops/activation.js";
import { empty } from "../../tensor/ops/util.js";
import type { GenerationConfig } from "./configuration_utils.js";

export interface LogitsProcessor {
  __call__(input_ids: Tensor, scores: Tensor): Tensor;
}

export class LogitsProcessorList extends Array<LogitsProcessor> {
  __call__(input_ids: Tensor, scores: Tensor): Tensor {
    let s = scores;
    for (const p of this) s = p.__call__(input_ids, s);
    return s;
  }
}

// Each row's scores as float32, for the few warpers that sort (lowbit has no native sort/topk;
// this runs once per generated token, on [batch, vocab]).
function rows_of(scores: Tensor): { data: Float32Array; rows: number; n: number } {
  const c = scores.to(float32).contiguous();
  const n = c._shape[c.ndim - 1]!;
  return { data: (c._data as Float32Array).subarray(c._offset, c._offset + c.numel()), rows: c.numel() / n, n };
}

// scores with -inf where `remove` is set
function filtered(scores: Tensor, remove: Uint8Array): Tensor {
  const mask = empty(scores._shape, bool);
  (mask._data as Uint8Array).set(remove);
  return scores.masked_fill(mask, -Infinity);
}

/** Keeps the k highest scores of each row (ties with the k-th kept, as torch.topk's threshold). */
export class TopKLogitsWarper implements LogitsProcessor {
  constructor(readonly top_k: number, readonly filter_value = -Infinity, readonly min_tokens_to_keep = 1) {
    if (!Number.isInteger(top_k) || top_k <= 0) throw new RangeError(`top_k has to be a strictly positive integer, but is ${top_k}`);
  }
  __call__(_input_ids: Tensor, scores: Tensor): Tensor {
    const { data, rows, n } = rows_of(scores);
    const k = Math.min(Math.max(this.top_k, this.min_tokens_to_keep), n);
    const remove = new Uint8Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * n, (r + 1) * n);
      const kth = Float32Array.from(row).sort().reverse()[k - 1]!;
      for (let i = 0; i < n; i++) remove[r * n + i] = row[i]! < kth ? 1 : 0;
    }
    return filtered(scores, remove);
  }
}

/** Nucleus filtering: keeps the smallest set of top tokens whose probability reaches top_p. */
export class TopPLogitsWarper implements LogitsProcessor {
  constructor(readonly top_p: number, readonly filter_value = -Infinity, readonly min_tokens_to_keep = 1) {
    if (!(top_p >= 0 && top_p <= 1)) throw new RangeError(`top_p has to be a float between 0 and 1, but is ${top_p}`);
  }
  __call__(_input_ids: Tensor, scores: Tensor): Tensor {
    const { data, rows, n } = rows_of(scores);
    const remove = new Uint8Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * n, (r + 1) * n);
      // transformers sorts ascending (stable), takes the cumulative softmax and removes the
      // low tail whose mass is <= 1 - top_p, always keeping min_tokens_to_keep at the top
      const order = [...row.keys()].sort((a, b) => row[a]! - row[b]! || a - b);
      const sorted = new Tensor(Float32Array.from(order, (i) => row[i]!), float32, [n]);
      const probs = softmax(sorted, 0)._data as Float32Array;
      // torch's CPU cumsum accumulates float32 in double; the comparison is in float32
      const bound = Math.fround(1 - this.top_p);
      let cum = 0;
      for (let j = 0; j < n; j++) {
        cum += probs[j]!;
        if (Math.fround(cum) <= bound && j < n - this.min_tokens_to_keep) remove[r * n + order[j]!] = 1;
      }
    }
    return filtered(scores, remove);
  }
}

/** Divides the scores by the temperature. */
export class TemperatureLogitsWarper implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new RangeError(`temperature has to be a strictly positive float, but is ${temperature}`);
  }
  __call__(_input_ids: Tensor, scores: Tensor): Tensor {
    return scores.div(this.temperature);
  }
}

/** Removes tokens whose probability is below min_p times the top token's. */
export class MinPLogitsWarper implements LogitsProcessor {
  constructor(readonly min_p: number, readonly filter_value = -Infinity, readonly min_tokens_to_keep = 1) {
    if (!(min_p >= 0 && min_p <= 1)) throw new RangeError(`min_p has to be a float between 0 and 1, but is ${min_p}`);
  }
  __call__(_input_ids: Tensor, scores: Tensor): Tensor {
    const probs = scores.softmax(-1);
    const threshold = probs.amax(-1, true).mul(this.min_p);
    const { data, rows, n } = rows_of(probs);
    const below = probs.lt(threshold);
    // the min_tokens_to_keep most probable tokens always stay
    const keep = Math.min(this.min_tokens_to_keep, n);
    const remove = (below.contiguous()._data as Uint8Array).slice();
    for (let r = 0; r < rows; r++) {
      const row = data.subarray(r * n, (r + 1) * n);
      const top = [...row.keys()].sort((a, b) => row[b]! - row[a]! || a - b).slice(0, keep);
      for (const i of top) remove[r * n + i] = 0;
    }
    return filtered(scores, remove);
  }
}

/** The warpers sampling uses, from a generation config, in transformers' order. */
export function logits_warper(gc: GenerationConfig): LogitsProcessorList {
  const list = new LogitsProcessorList();
  const keep = gc.num_beams > 1 ? 2 : 1;
  if (gc.temperature !== null && gc.temperature !== undefined && gc.temperature !== 1.0) list.push(new TemperatureLogitsWarper(gc.temperature));
  if (gc.top_k !== null && gc.top_k !== 0) list.push(new TopKLogitsWarper(gc.top_k, -Infinity, keep));
  if (gc.top_p !== null && gc.top_p < 1.0) list.push(new TopPLogitsWarper(gc.top_p, -Infinity, keep));
  if (gc.min_p !== null) list.push(new MinPLogitsWarper(gc.min_p, -Infinity, keep));
  return list;
}
