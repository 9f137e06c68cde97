// http_get: download into <blob>.incomplete, appending. A connection cut midway is resumed with a
// Range request from the bytes already there (a few times, as huggingface_hub does), and so is an
// .incomplete left by an earlier run that was killed.
import { closeSync, ftruncateSync, fstatSync, openSync, writeSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { BytesBar } from "../bytes_bar.js";
import { progress_bars_disabled } from "./env.js";
import { HubError } from "./errors.js";
import { connection_cause, is_connection_error, TIMEOUT_MS } from "./http.js";
import { raise_for_status, type FileRef } from "./metadata.js";

const RETRIES = 5;
const RETRY_WAIT_MS = 500;

interface Bar {
  add(n: number): void;
  close(): void;
}
const NO_BAR: Bar = { add() {}, close() {} };

// One GET from `from` on, appended to fd. Returns normally at the end of the body; throws on a cut.
async function get_once(url: string, headers: Record<string, string>, fd: number, from: number, f: FileRef, bar: () => Bar): Promise<void> {
  const idle = new AbortController();
  let timer = setTimeout(() => idle.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(url, { headers: from > 0 ? { ...headers, range: `bytes=${from}-` } : headers, signal: idle.signal });
    raise_for_status(res, f);
    // a server that ignores Range sends the whole file again: start over
    if (from > 0 && res.status !== 206) ftruncateSync(fd, 0);
    const b = bar();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), TIMEOUT_MS);
      for (let done = 0; done < chunk.byteLength; ) done += writeSync(fd, chunk, done);
      b.add(chunk.byteLength);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads `url` into `incomplete` (resuming what is there) until it holds `expected_size` bytes. */
export async function http_get(url: string, incomplete: string, headers: Record<string, string>, expected_size: number | null, f: FileRef): Promise<void> {
  const fd = openSync(incomplete, "a");
  let bar: Bar | null = null;
  const open_bar = (from: number): Bar => (bar ??= progress_bars_disabled() ? NO_BAR : new BytesBar(`Downloading ${f.filename}`, expected_size, from));
  const size = () => fstatSync(fd).size;
  try {
    for (let attempt = 0; ; attempt++) {
      // more than expected is not a prefix of this file (the repo changed since): start over
      if (expected_size !== null && size() > expected_size) ftruncateSync(fd, 0);
      const from = size();
      if (from === expected_size) return;
      try {
        await get_once(url, headers, fd, from, f, () => open_bar(from));
        if (expected_size === null || size() === expected_size) return;
      } catch (e) {
        if (!is_connection_error(e)) throw e;
        if (attempt >= RETRIES) throw new HubError(`${f.repo_id}/${f.filename}: the download was cut ${attempt + 1} times (${connection_cause(e)}); run again to resume from the ${size()} bytes already in ${incomplete}`);
      }
      if (attempt >= RETRIES) {
        throw new HubError(`${f.repo_id}/${f.filename}: the download has ${size()} bytes but the hub announced ${expected_size}; run again, or pass { force_download: true }`);
      }
      await sleep(RETRY_WAIT_MS * (attempt + 1));
    }
  } finally {
    (bar as Bar | null)?.close();
    closeSync(fd);
  }
}
