// A local stand-in for the Hugging Face hub (node:http on 127.0.0.1, port 0) serving fixture
// directories as repositories, with the headers the real hub sends:
// - resolve URLs /{repo}/resolve/{revision}/{file}: X-Repo-Commit; small files answer 200 with
//   ETag = their git blob sha1; .safetensors files (LFS) answer 302 to a CDN path with ETag of the
//   pointer, X-Linked-Etag = sha256 of the content and X-Linked-Size;
// - errors as the hub gives them: 401/404 with X-Error-Code RepoNotFound (private repositories
//   look absent without the token), 401/403 GatedRepo, 404 RevisionNotFound, 404 EntryNotFound
//   with X-Repo-Commit; a renamed repository answers 307 with a relative Location;
// - /cdn/{sha256}: the bytes, with Range support, refusing any Authorization header (as a
//   presigned CDN URL does).
// It records every request, and can cut a download's connection midway.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface RepoSpec {
  dir: string;
  /** visible only with the server's token */
  private?: boolean;
  /** needs the token: 401 without one, 403 with a wrong one */
  gated?: boolean;
  /** tags naming the repository's one commit, besides "main" */
  tags?: string[];
}

/** a renamed repository: its old id answers with a relative redirect to the new one */
export interface MovedSpec {
  moved_to: string;
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface HubServer {
  url: string;
  token: string;
  requests: Recorded[];
  commit(repo_id: string): string;
  /** requests with this method whose URL includes `part` */
  count(method: string, part?: string): number;
  /** the next GET whose URL includes `part` sends `after_bytes` of its body, then the connection drops */
  cut_next(part: string, after_bytes: number): void;
  close(): Promise<void>;
}

export const git_blob_sha1 = (b: Buffer): string => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");
export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const is_lfs = (file: string): boolean => file.endsWith(".safetensors");

// An LFS pointer file, whose git sha1 is the ETag the hub gives LFS files besides X-Linked-Etag
function lfs_pointer(content: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`);
}

export async function start_hub_server(repos: Record<string, RepoSpec | MovedSpec>): Promise<HubServer> {
  const token = "hf_test_token_0123456789";
  const requests: Recorded[] = [];
  const cuts: { part: string; after: number }[] = [];
  const blobs = new Map<string, Buffer>();
  const commit = (repo_id: string): string => createHash("sha1").update(`commit of ${repo_id}`).digest("hex");

  function send_bytes(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string>): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const from = range ? Number(range[1]) : 0;
    if (from > 0 && from >= body.length) return void res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
    const part = body.subarray(from);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      "content-length": String(part.length),
      "accept-ranges": "bytes",
      ...(range ? { "content-range": `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    const cut = cuts.findIndex((c) => req.url!.includes(c.part));
    if (cut >= 0) {
      const { after } = cuts.splice(cut, 1)[0]!;
      res.flushHeaders();
      res.write(part.subarray(0, after), () => res.socket?.destroy());
      return;
    }
    res.end(part);
  }

  function error(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { "x-error-code": code, "x-error-message": message, "content-type": "application/json", ...extra });
    res.end(JSON.stringify({ error: message }));
  }

  function resolve(req: IncomingMessage, res: ServerResponse, repo_id: string, revision: string, file: string): void {
    const entry = repos[repo_id];
    if (entry && "moved_to" in entry) {
      res.writeHead(307, { location: `/${entry.moved_to}/resolve/${encodeURIComponent(revision)}/${file}` });
      return void res.end();
    }
    const spec = entry;
    const auth = req.headers.authorization;
    const authorized = auth === `Bearer ${token}`;
    if (!spec || (spec.private && !authorized)) {
      return error(res, auth ? 404 : 401, "RepoNotFound", auth ? "Repository not found" : "Invalid username or password.");
    }
    if (spec.gated && !authorized) {
      return error(res, auth ? 403 : 401, "GatedRepo", `Access to model ${repo_id} is restricted.`);
    }
    const sha = commit(repo_id);
    if (!["main", sha, ...(spec.tags ?? [])].includes(revision)) return error(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const p = path.join(spec.dir, ...file.split("/"));
    if (!existsSync(p) || !statSync(p).isFile()) {
      return error(res, 404, "EntryNotFound", `Entry not found`, { "x-repo-commit": sha });
    }
    const content = readFileSync(p);
    if (is_lfs(file)) {
      const oid = sha256(content);
      blobs.set(oid, content);
      const host = `http://${req.headers.host}`;
      res.writeHead(302, {
        location: `${host}/cdn/${oid}?expires=never`,
        "x-repo-commit": sha,
        etag: `"${git_blob_sha1(lfs_pointer(content))}"`,
        "x-linked-etag": `"${oid}"`,
        "x-linked-size": String(content.length),
      });
      return void res.end();
    }
    send_bytes(req, res, content, { "x-repo-commit": sha, etag: `"${git_blob_sha1(content)}"`, "content-type": "application/octet-stream" });
  }

  const server = http.createServer((req, res) => {
    res.on("finish", () => requests.push({ method: req.method!, url: req.url!, headers: req.headers, status: res.statusCode }));
    res.on("close", () => { if (!res.writableFinished) requests.push({ method: req.method!, url: req.url!, headers: req.headers, status: -1 }); });
    const url = new URL(req.url!, "http://x");
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      if (req.headers.authorization) return error(res, 400, "BadRequest", "Only one auth mechanism allowed");
      const body = blobs.get(cdn[1]!);
      return body ? send_bytes(req, res, body, { etag: `"${cdn[1]}"` }) : error(res, 404, "NotFound", "no such blob");
    }
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return error(res, 404, "NotFound", "not a resolve URL");
    resolve(req, res, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), m[3]!.split("/").map(decodeURIComponent).join("/"));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    commit,
    count: (method, part = "") => requests.filter((r) => r.method === method && r.url.includes(part)).length,
    cut_next: (part, after) => void cuts.push({ part, after }),
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}
