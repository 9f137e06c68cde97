// load_checkpoint: every tensor of a model, from model.safetensors or from the shards that
// model.safetensors.index.json lists, through the hub cache for hub ids. Each tensor is read
// straight into its own storage and converted to `dtype` right away, so loading takes about the
// checkpoint's size in memory.
import { readFileSync, statSync } from "node:fs";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { BytesBar } from "../bytes_bar.js";
import { cached_file, hub_cache_dir, hub_options, is_offline, try_cached_file, type HubOptions } from "../hub/index.js";
import { safe_open } from "../safetensors.js";
import { LONG_WORK_BYTES, WEIGHTS_INDEX_NAME, WEIGHTS_NAME } from "./shards.js";

export interface LoadCheckpointOptions extends HubOptions {
  /** convert every floating-point tensor to this dtype as it is read, as transformers' torch_dtype
   *  does (null or absent: as stored); integer tensors keep theirs */
  dtype?: DType | string | null;
  /** a bar over the bytes read; by default shown for sharded or large checkpoints */
  progress?: boolean;
}

function read_index(file: string): Record<string, string> {
  let index: { weight_map?: unknown };
  try {
    index = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not a valid checkpoint index (${(e as Error).message})`);
  }
  const map = index?.weight_map;
  if (!map || typeof map !== "object" || Array.isArray(map) || !Object.values(map).every((v) => typeof v === "string")) {
    throw new Error(`${file}: not a valid checkpoint index: "weight_map" must map tensor names to shard file names`);
  }
  for (const shard of new Set(Object.values(map as Record<string, string>))) {
    if (shard.split("/").includes("..") || shard.startsWith("/")) throw new Error(`${file}: shard '${shard}' is not a file of the checkpoint`);
  }
  return map as Record<string, string>;
}

async function fetch_shards(id: string, index_file: string, shards: string[], o: HubOptions): Promise<string[]> {
  const paths: string[] = [];
  for (const shard of shards) {
    try {
      paths.push(await cached_file(id, shard, o));
    } catch (e) {
      throw new Error(`${id}: shard ${shard}, listed in ${index_file}, is missing (${(e as Error).message})`);
    }
  }
  return paths;
}

function read_all(files: string[], o: LoadCheckpointOptions, expect: Record<string, string> | null): Record<string, Tensor> {
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  const bar = (o.progress ?? (files.length > 1 || total >= LONG_WORK_BYTES)) ? new BytesBar(files.length > 1 ? "Loading checkpoint shards" : "Loading checkpoint", total) : null;
  const out: [string, Tensor][] = [];
  try {
    for (const f of files) {
      const file = safe_open(f);
      try {
        for (const name of file.names_in_file_order()) {
          const t = file.get_tensor(name);
          out.push([name, o.dtype != null && t.dtype.is_floating_point ? t.to(o.dtype) : t]);
          bar?.add(file.nbytes(name));
        }
        bar?.add(file.header.data_start);  // the length and header, the rest of the file
      } finally {
        file.close();
      }
    }
  } finally {
    bar?.close();
  }
  const state = Object.fromEntries(out);
  for (const [name, shard] of Object.entries(expect ?? {})) {
    if (!Object.hasOwn(state, name)) throw new Error(`the checkpoint index places tensor '${name}' in ${shard}, but that shard does not hold it`);
  }
  return state;
}

export async function load_checkpoint(path_or_repo_id: string, o: LoadCheckpointOptions = {}): Promise<Record<string, Tensor>> {
  const hub = hub_options(o);
  const single = await try_cached_file(path_or_repo_id, WEIGHTS_NAME, hub);
  if (single) return read_all([single], o, null);
  const index_file = await try_cached_file(path_or_repo_id, WEIGHTS_INDEX_NAME, hub);
  if (!index_file) {
    const where = is_offline() || o.local_files_only ? ` in the cache at ${hub_cache_dir(o.cache_dir)} (offline: the hub was not asked)` : "";
    throw new Error(`${path_or_repo_id} has neither ${WEIGHTS_NAME} nor ${WEIGHTS_INDEX_NAME}${where}; lowbit reads safetensors checkpoints only (in Python, model.save_pretrained(dir, safe_serialization=True) writes them)`);
  }
  const weight_map = read_index(index_file);
  const shards = [...new Set(Object.values(weight_map))].sort();
  return read_all(await fetch_shards(path_or_repo_id, index_file, shards, hub), o, weight_map);
}
