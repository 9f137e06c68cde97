// hf_hub_download: the local path of one file of a hub repository, downloaded into the shared
// cache if it is not there yet. Same decisions as huggingface_hub: a commit hash already in the
// cache needs no request; otherwise a HEAD names the commit and blob, and only a blob not yet
// cached is downloaded; without the network (or offline) the cache answers alone.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { COMMIT_HASH, RepoCache } from "./cache.js";
import { DEFAULT_REVISION, hf_endpoint, hub_cache_dir, is_offline, resolve_token } from "./env.js";
import { EntryNotFoundError, HubError, LocalEntryNotFoundError, RevisionNotFoundError } from "./errors.js";
import { http_get } from "./download.js";
import { connection_cause, hub_headers, is_connection_error } from "./http.js";
import type { HubOptions } from "./index.js";
import { get_hf_file_metadata, type FileRef } from "./metadata.js";

// one download per blob at a time in this process; a second caller waits for the first
const in_flight = new Map<string, Promise<void>>();

function resolve_url(endpoint: string, repo_id: string, revision: string, filename: string): string {
  return `${endpoint}/${repo_id}/resolve/${encodeURIComponent(revision)}/${filename.split("/").map(encodeURIComponent).join("/")}`;
}

// The answer of the cache alone, or an error saying why it has none.
function from_cache(cache: RepoCache, f: FileRef, why: string): string {
  const found = cache.lookup(f.filename, f.revision);
  if (found === "absent") throw new EntryNotFoundError(`${f.repo_id} has no file named ${f.filename} at revision ${f.revision} (as cached in ${cache.storage}/.no_exist)`);
  if (found) return found;
  throw new LocalEntryNotFoundError(`${f.repo_id}/${f.filename} (revision ${f.revision}) is not in the cache at ${cache.cache_dir}; ${why}`, cache.has_snapshot(f.revision));
}

async function fetch_blob(url: string, blob: string, headers: Record<string, string>, size: number | null, f: FileRef, force: boolean): Promise<void> {
  const incomplete = `${blob}.incomplete`;
  if (force) rmSync(incomplete, { force: true });
  mkdirSync(path.dirname(blob), { recursive: true });
  await http_get(url, incomplete, headers, size, f);
  renameSync(incomplete, blob);
}

export async function hf_hub_download(repo_id: string, filename: string, o: HubOptions = {}): Promise<string> {
  const revision = o.revision ?? DEFAULT_REVISION;
  const cache = new RepoCache(hub_cache_dir(o.cache_dir), repo_id);
  const endpoint = hf_endpoint();
  const f: FileRef = { endpoint, repo_id, filename, revision, token_sent: false };

  // a commit never changes: what the cache knows of it (the file, or its absence) is final
  if (COMMIT_HASH.test(revision) && !o.force_download && cache.lookup(filename, revision)) return from_cache(cache, f, "");
  if (o.local_files_only) return from_cache(cache, f, "run once without local_files_only to download it");
  if (is_offline()) return from_cache(cache, f, "run once online or unset HF_HUB_OFFLINE");

  const url = resolve_url(endpoint, repo_id, revision, filename);
  const token = resolve_token(o.token);
  f.token_sent = token !== null;
  const headers = hub_headers(token);
  let meta;
  try {
    meta = await get_hf_file_metadata(url, headers, f);
  } catch (e) {
    if (e instanceof EntryNotFoundError && e.commit_hash) {
      cache.mark_no_exist(e.commit_hash, filename);
      cache.write_ref(revision, e.commit_hash);
    }
    if (e instanceof EntryNotFoundError || e instanceof RevisionNotFoundError) throw e;
    const unreachable = is_connection_error(e) ? `${endpoint} could not be reached (${connection_cause(e)})` : null;
    if (o.force_download) throw unreachable ? new HubError(`${unreachable}, so force_download cannot download ${repo_id}/${filename}`) : e;
    // no network, or the hub refused or failed: a cached copy still serves (as in huggingface_hub)
    if (unreachable) return from_cache(cache, f, `and ${unreachable}; check the connection, or set HF_ENDPOINT to a mirror`);
    const cached = cache.lookup(filename, revision);
    if (typeof cached === "string" && cached !== "absent") return cached;
    throw e;
  }
  if (!meta.commit_hash) throw new HubError(`${url} answered without an X-Repo-Commit header: ${endpoint} does not look like a Hugging Face hub (check HF_ENDPOINT)`);
  if (!meta.etag) throw new HubError(`${url} answered without an ETag, so the file cannot be cached reliably`);

  const blob = cache.blob(meta.etag);
  const pointer = cache.pointer(meta.commit_hash, filename);
  cache.write_ref(revision, meta.commit_hash);
  if (!o.force_download && existsSync(pointer)) return pointer;
  if (o.force_download || !existsSync(blob)) {
    // a redirect (to the CDN) gets no token: it is for the hub only, and a presigned URL rejects one
    const cdn = meta.location !== url;
    const { authorization: _, ...anonymous } = headers;
    let job = in_flight.get(blob);
    if (!job) {
      job = fetch_blob(meta.location, blob, cdn ? anonymous : headers, meta.size, f, !!o.force_download).finally(() => in_flight.delete(blob));
      in_flight.set(blob, job);
    }
    await job;
  }
  cache.link(blob, pointer);
  return pointer;
}
