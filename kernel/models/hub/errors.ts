// The errors of hf_hub_download, by huggingface_hub's names, so a caller can tell a missing file
// (optional files are normal) from a missing repository, a refused token or no network.
export class HubError extends Error {
  override name = "HubError";
}

export class RepositoryNotFoundError extends HubError {
  override name = "RepositoryNotFoundError";
}

export class GatedRepoError extends HubError {
  override name = "GatedRepoError";
}

export class RevisionNotFoundError extends HubError {
  override name = "RevisionNotFoundError";
}

export class EntryNotFoundError extends HubError {
  override name = "EntryNotFoundError";
  /** the commit the hub said it looked in (X-Repo-Commit), so the absence can be cached */
  constructor(message: string, readonly commit_hash: string | null = null) {
    super(message);
  }
}

/** Not in the cache, and the hub could not or may not be asked. */
export class LocalEntryNotFoundError extends HubError {
  override name = "LocalEntryNotFoundError";
  /** the revision's snapshot is cached but lacks the file: most likely an optional file the repo does not have */
  constructor(message: string, readonly snapshot_cached = false) {
    super(message);
  }
}
