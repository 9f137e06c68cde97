// Where a model's files come from: a local directory, or a hub id resolved through the Hugging
// Face cache layout. Every loader (configs, weights, tokenizers, processors) asks here, so one
// place decides local vs cached vs downloaded.
import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** transformers' hub keyword arguments, with the same snake_case names. */
export interface HubOptions {
  revision?: string;
  cache_dir?: string;
  local_files_only?: boolean;
  token?: string | boolean;
  force_download?: boolean;
}

/** The local path of `filename` for a directory or hub id; throws naming the file when it is missing. */
export async function cached_file(path_or_repo_id: string, filename: string, o: HubOptions = {}): Promise<string> {
  const p = await try_cached_file(path_or_repo_id, filename, o);
  if (p === null) throw new Error(`${path_or_repo_id} has no file named ${filename}`);
  return p;
}

/** Like cached_file, but null when the repository or directory simply lacks the file (optional files). */
export async function try_cached_file(path_or_repo_id: string, filename: string, _o: HubOptions = {}): Promise<string | null> {
  if (existsSync(path_or_repo_id) && statSync(path_or_repo_id).isDirectory()) {
    const p = path.join(path_or_repo_id, filename);
    return existsSync(p) ? p : null;
  }
  throw new Error(`${path_or_repo_id} is not a local directory, and downloading from the Hugging Face hub is not built yet`);
}
