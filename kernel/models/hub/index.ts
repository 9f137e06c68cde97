// Where a model's files come from: a local directory, or a hub id resolved through the Hugging
// Face cache layout. Every loader (configs, weights, tokenizers, processors) asks here, so one
// place decides local vs cached vs downloaded.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { EntryNotFoundError, LocalEntryNotFoundError } from "./errors.js";
import { hf_hub_download } from "./hf_hub_download.js";

export { hf_endpoint, hub_cache_dir, is_offline } from "./env.js";
export * from "./errors.js";
export { hf_hub_download };

/** transformers' hub keyword arguments, with the same snake_case names. */
export interface HubOptions {
  revision?: string;
  cache_dir?: string;
  local_files_only?: boolean;
  token?: string | boolean;
  force_download?: boolean;
}

/** The hub keys of a wider options object (from_pretrained's, a tokenizer's), nothing else. */
export function hub_options(o: HubOptions): HubOptions {
  return { revision: o.revision, cache_dir: o.cache_dir, local_files_only: o.local_files_only, token: o.token, force_download: o.force_download };
}

// huggingface_hub's validate_repo_id: "name" or "org/name", of word characters, "-" and "."
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]+$/;

function check_repo_id(id: string): void {
  const local_looking = id.startsWith(".") || id.startsWith("/") || id.startsWith("~") || path.isAbsolute(id);
  if (existsSync(id)) throw new Error(`${id} is not a directory; pass the directory that holds the model's files`);
  if (local_looking) throw new Error(`${id}: no such directory`);
  if (!REPO_ID.test(id) || id.includes("--") || id.includes("..") || id.length > 96) {
    throw new Error(`${id} is neither a local directory nor a Hugging Face hub id (like "EleutherAI/pythia-410m")`);
  }
}

function local_file(dir: string, filename: string): string | null {
  const p = path.join(dir, filename);
  return existsSync(p) ? p : null;
}

function is_directory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** The local path of `filename` for a directory or hub id; throws naming the file when it is missing. */
export async function cached_file(path_or_repo_id: string, filename: string, o: HubOptions = {}): Promise<string> {
  if (is_directory(path_or_repo_id)) {
    const p = local_file(path_or_repo_id, filename);
    if (p === null) throw new Error(`${path_or_repo_id} has no file named ${filename}`);
    return p;
  }
  check_repo_id(path_or_repo_id);
  return hf_hub_download(path_or_repo_id, filename, o);
}

/** Like cached_file, but null when the repository or directory simply lacks the file (optional
 *  files): the hub says so, the cache recorded that it did, or offline, the revision is cached
 *  without it. Every other failure (no such repository, refused token, not cached offline) throws. */
export async function try_cached_file(path_or_repo_id: string, filename: string, o: HubOptions = {}): Promise<string | null> {
  if (is_directory(path_or_repo_id)) return local_file(path_or_repo_id, filename);
  check_repo_id(path_or_repo_id);
  try {
    return await hf_hub_download(path_or_repo_id, filename, o);
  } catch (e) {
    if (e instanceof EntryNotFoundError || (e instanceof LocalEntryNotFoundError && e.snapshot_cached)) return null;
    throw e;
  }
}
