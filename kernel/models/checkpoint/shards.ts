// How transformers (4.40, shard_checkpoint) splits a state dict into shards and names them: in the
// dict's order, a new shard starts when the next tensor would take the current one past
// max_shard_size (a tensor larger than that gets a shard of its own); a tensor sharing storage
// with one already placed goes to that one's shard and is not counted again.
import type { Tensor } from "../../tensor/tensor.js";

export const WEIGHTS_NAME = "model.safetensors";
export const WEIGHTS_INDEX_NAME = "model.safetensors.index.json";

/** Below this many bytes a checkpoint loads or saves in about a second: no progress bar by default. */
export const LONG_WORK_BYTES = 256e6;

export interface ShardPlan {
  /** file name -> the tensors it holds, in state-dict order */
  shards: Map<string, [string, Tensor][]>;
  /** null when everything fits in one model.safetensors */
  index: { metadata: { total_size: number }; weight_map: Record<string, string> } | null;
}

// torch's id_tensor_storage: the same bytes of the same buffer
function storage_key(t: Tensor): string {
  return `${t._data.byteOffset}:${t._data.byteLength}`;
}

export function shard_name(i: number, n: number): string {
  const pad = (k: number) => String(k).padStart(5, "0");
  return WEIGHTS_NAME.replace(".safetensors", `-${pad(i + 1)}-of-${pad(n)}.safetensors`);
}

export function plan_shards(state: Record<string, Tensor>, max_shard_size: number): ShardPlan {
  const blocks: [string, Tensor][][] = [[]];
  const block_of = new Map<ArrayBufferLike, Map<string, number>>();
  let block_size = 0;
  let total_size = 0;
  for (const [name, t] of Object.entries(state)) {
    const seen = block_of.get(t._data.buffer)?.get(storage_key(t));
    if (seen !== undefined) {
      blocks[seen]!.push([name, t]);
      continue;
    }
    if (block_size + t.nbytes > max_shard_size && blocks.at(-1)!.length > 0) {
      blocks.push([]);
      block_size = 0;
    }
    blocks.at(-1)!.push([name, t]);
    block_size += t.nbytes;
    total_size += t.nbytes;
    if (!block_of.has(t._data.buffer)) block_of.set(t._data.buffer, new Map());
    block_of.get(t._data.buffer)!.set(storage_key(t), blocks.length - 1);
  }
  if (blocks.length === 1) return { shards: new Map([[WEIGHTS_NAME, blocks[0]!]]), index: null };
  const shards = new Map(blocks.map((b, i) => [shard_name(i, blocks.length), b]));
  const weight_map = Object.fromEntries([...shards].flatMap(([file, b]) => b.map(([name]) => [name, file])));
  return { shards, index: { metadata: { total_size }, weight_map } };
}
