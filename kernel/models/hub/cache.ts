// The Hugging Face cache layout, shared with Python (files either side downloaded are reused):
//   <cache>/models--org--name/blobs/<etag>                 the file's bytes, named by its ETag
//   <cache>/models--org--name/snapshots/<commit>/<file>     a relative symlink to the blob
//   <cache>/models--org--name/refs/<branch or tag>          the commit it pointed to when last asked
//   <cache>/models--org--name/.no_exist/<commit>/<file>     empty: the hub said the file is absent
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function repo_folder_name(repo_id: string): string {
  return ["models", ...repo_id.split("/")].join("--");
}

/** Where a repository's files live in the cache, and how to find one without the network. */
export class RepoCache {
  readonly storage: string;

  constructor(readonly cache_dir: string, readonly repo_id: string) {
    this.storage = path.join(cache_dir, repo_folder_name(repo_id));
  }

  blob(etag: string): string {
    return path.join(this.storage, "blobs", etag);
  }

  pointer(commit: string, filename: string): string {
    return path.join(this.storage, "snapshots", commit, ...filename.split("/"));
  }

  no_exist(commit: string, filename: string): string {
    return path.join(this.storage, ".no_exist", commit, ...filename.split("/"));
  }

  /** The commit a revision names: itself if a commit hash, else what refs/<revision> recorded. */
  commit_of(revision: string): string | null {
    if (COMMIT_HASH.test(revision)) return revision;
    const ref = path.join(this.storage, "refs", ...revision.split("/"));
    return existsSync(ref) && statSync(ref).isFile() ? readFileSync(ref, "utf8").trim() : null;
  }

  /** Records that a branch or tag pointed to `commit` (nothing to record for a commit hash). */
  write_ref(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = path.join(this.storage, "refs", ...revision.split("/"));
    if (existsSync(ref) && readFileSync(ref, "utf8") === commit) return;
    mkdirSync(path.dirname(ref), { recursive: true });
    writeFileSync(ref, commit);
  }

  mark_no_exist(commit: string, filename: string): void {
    const marker = this.no_exist(commit, filename);
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, "");
  }

  /** Points snapshots/<commit>/<file> at the blob with a relative link (a copy where links fail). */
  link(blob: string, pointer: string): void {
    mkdirSync(path.dirname(pointer), { recursive: true });
    if (lstat_or_null(pointer)) rmSync(pointer);
    try {
      symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
    } catch {
      copyFileSync(blob, pointer);
    }
  }

  /** huggingface_hub's try_to_load_from_cache: the cached path, "absent" when the hub said the
   *  file does not exist at that commit, or null when the cache cannot say. */
  lookup(filename: string, revision: string): string | "absent" | null {
    const commit = this.commit_of(revision);
    if (!commit) return null;
    const pointer = this.pointer(commit, filename);
    if (existsSync(pointer)) return pointer;
    return existsSync(this.no_exist(commit, filename)) ? "absent" : null;
  }

  /** Whether anything of the revision is cached (then a file missing from it is likely absent upstream). */
  has_snapshot(revision: string): boolean {
    const commit = this.commit_of(revision);
    return commit !== null && existsSync(path.join(this.storage, "snapshots", commit));
  }
}

function lstat_or_null(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}
