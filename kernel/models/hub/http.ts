// Requests to the hub. HEAD follows only relative redirects (a renamed repository) and stops at
// one to another host (the CDN of a large file), whose address and headers are what we want.
import { package_version } from "../../package.js";

/** How long to wait for the hub's answer to a HEAD, and for the next bytes of a download (huggingface_hub's 10 s). */
export const TIMEOUT_MS = 10_000;

export function hub_headers(token: string | null): Record<string, string> {
  const h: Record<string, string> = { "user-agent": `lowbit/${package_version()}; node/${process.versions.node}` };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** The network failed (no route, refused, reset, timed out), as opposed to an HTTP answer. */
export function is_connection_error(e: unknown): boolean {
  const err = e as { name?: string; message?: string } | null;
  return !!err && (err.name === "TimeoutError" || err.name === "AbortError" || (err instanceof TypeError && /fetch failed|terminated/.test(err.message ?? "")));
}

/** Why a connection failed, for messages: the innermost cause (e.g. "connect ECONNREFUSED 127.0.0.1:1"). */
export function connection_cause(e: unknown): string {
  let err = e as { cause?: unknown; message?: string };
  while (err.cause) err = err.cause as typeof err;
  return err.message ?? String(e);
}

const MAX_REDIRECTS = 10;

export async function head(url: string, headers: Record<string, string>, hops = 0): Promise<Response> {
  // identity: the size we learn must be that of the bytes we will store, not of a gzip of them
  const res = await fetch(url, { method: "HEAD", headers: { ...headers, "accept-encoding": "identity" }, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  const location = res.headers.get("location");
  if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    if (hops >= MAX_REDIRECTS) throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
    return head(new URL(location, url).toString(), headers, hops + 1);
  }
  return res;
}
