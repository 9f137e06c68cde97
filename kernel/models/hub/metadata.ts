// get_hf_file_metadata: what a HEAD of the resolve URL says about a file (commit, ETag, size, where
// to download it), and the hub's error answers turned into errors that say what to do.
import { EntryNotFoundError, GatedRepoError, HubError, RepositoryNotFoundError, RevisionNotFoundError } from "./errors.js";
import { head } from "./http.js";

export interface HfFileMetadata {
  commit_hash: string | null;
  etag: string | null;
  /** where the bytes are: the resolve URL itself, or the CDN it redirects to */
  location: string;
  size: number | null;
}

export interface FileRef {
  endpoint: string;
  repo_id: string;
  filename: string;
  revision: string;
  token_sent: boolean;
}

// ETags come quoted, sometimes weak: W/"abc" and "abc" both name the blob abc
function normalize_etag(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** Throws the error an HTTP error answer means (hf_raise_for_status). */
export function raise_for_status(res: Response, f: FileRef): void {
  if (res.ok || (res.status >= 300 && res.status < 400)) return;
  const code = res.headers.get("x-error-code");
  const said = res.headers.get("x-error-message");
  const detail = `HTTP ${res.status}${said ? `: ${said}` : ""}`;
  const page = `${f.endpoint}/${f.repo_id}`;
  if (code === "RevisionNotFound") {
    throw new RevisionNotFoundError(`${f.revision} is not a branch, tag or commit of ${f.repo_id} (${detail}); see ${page} for its revisions`);
  }
  if (code === "EntryNotFound" || (res.status === 404 && !code)) {
    throw new EntryNotFoundError(`${f.repo_id} has no file named ${f.filename} at revision ${f.revision} (${detail}); see ${page}/tree/${f.revision} for its files`, res.headers.get("x-repo-commit"));
  }
  if (code === "GatedRepo" || res.status === 403) {
    throw new GatedRepoError(`${f.repo_id} is gated or private and ${f.token_sent ? "the token sent may not" : "no token was sent to"} read it (${detail}): request access at ${page}, then set HF_TOKEN (or pass { token }) to a token of that account`);
  }
  if (code === "RepoNotFound" || res.status === 401) {
    const token = f.token_sent ? "the token sent was refused or cannot see it" : "no token was sent";
    throw new RepositoryNotFoundError(`${f.repo_id}: repository not found on ${f.endpoint} (${detail}). Check the id; if the repository is private or gated, ${token}: set HF_TOKEN (or pass { token }) to a token with access`);
  }
  throw new HubError(`${f.repo_id}: the hub answered ${detail} for ${f.filename}`);
}

export async function get_hf_file_metadata(url: string, headers: Record<string, string>, f: FileRef): Promise<HfFileMetadata> {
  const res = await head(url, headers);
  raise_for_status(res, f);
  const h = res.headers;
  const size = Number(h.get("x-linked-size") ?? h.get("content-length") ?? NaN);
  return {
    commit_hash: h.get("x-repo-commit"),
    etag: normalize_etag(h.get("x-linked-etag") ?? h.get("etag")),
    location: h.get("location") ?? res.url,
    size: Number.isSafeInteger(size) && size >= 0 ? size : null,
  };
}
