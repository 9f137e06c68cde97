// save_checkpoint: a state dict written as transformers' save_pretrained writes its weights:
// model.safetensors, or model-0000i-of-0000N.safetensors shards plus model.safetensors.index.json.
// Only those files are touched: shards left by an earlier save into the same directory are removed
// (as transformers does), the user's other files are not.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Tensor } from "../../tensor/tensor.js";
import { write_all, write_file_atomic } from "../../atomic_file.js";
import { BytesBar } from "../bytes_bar.js";
import { save_file } from "../safetensors.js";
import { convert_file_size_to_int } from "./file_size.js";
import { python_json_dumps } from "./python_json.js";
import { LONG_WORK_BYTES, plan_shards, WEIGHTS_INDEX_NAME, WEIGHTS_NAME } from "./shards.js";

export interface SaveCheckpointOptions {
  /** the most bytes of tensors per shard: a number, or "5GB" (10^9), "200MB", "2GiB" (2^30), ... */
  max_shard_size?: number | string;
  /** each file's "__metadata__" */
  metadata?: Record<string, string>;
  /** a bar over the bytes written; by default shown for large checkpoints */
  progress?: boolean;
}

// transformers' pattern for its own shard files: <prefix>-00001-of-00003.safetensors (or .bin)
const SHARD = /^model-\d{5}-of-\d{5}\.(safetensors|bin)$/;

function remove_stale(dir: string, keep: Set<string>): void {
  for (const name of readdirSync(dir)) {
    // an old single file or index would shadow (or point past) the new files when loading
    const ours = SHARD.test(name) || name === WEIGHTS_NAME || name === WEIGHTS_INDEX_NAME;
    if (ours && !keep.has(name) && statSync(path.join(dir, name)).isFile()) rmSync(path.join(dir, name));
  }
}

export function save_checkpoint(dir: string, state: Record<string, Tensor>, o: SaveCheckpointOptions = {}): void {
  const max = convert_file_size_to_int(o.max_shard_size ?? "5GB");
  const metadata = o.metadata ?? { format: "pt" };
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`save_checkpoint: ${dir} should be a directory, not a file`);
  mkdirSync(dir, { recursive: true });
  const { shards, index } = plan_shards(state, max);
  const bytes = (tensors: [string, Tensor][]) => tensors.reduce((n, [, t]) => n + t.nbytes, 0);
  const total = [...shards.values()].reduce((n, b) => n + bytes(b), 0);
  const bar = (o.progress ?? total >= LONG_WORK_BYTES) ? new BytesBar("Saving checkpoint", total) : null;
  try {
    for (const [file, tensors] of shards) {
      save_file(Object.fromEntries(tensors), path.join(dir, file), metadata);
      bar?.add(bytes(tensors));
    }
  } finally {
    bar?.close();
  }
  // the index last, so that it never names a shard not yet written
  if (index) {
    write_file_atomic(path.join(dir, WEIGHTS_INDEX_NAME), (fd) => write_all(fd, Buffer.from(python_json_dumps(index) + "\n")));
  }
  remove_stale(dir, new Set([...shards.keys(), ...(index ? [WEIGHTS_INDEX_NAME] : [])]));
}
