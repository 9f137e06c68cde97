// Files are written beside their target under a hidden temporary name and renamed over it only
// once complete, so an error or a kill midway never leaves a half-written file where a good one was.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

// writeSync moves at most 2 GiB per call
const CHUNK = 1 << 30;

export function write_all(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, Math.min(CHUNK, bytes.byteLength - done));
}

/** Writes `target` through write(fd) on a temporary file, then renames it into place. */
export function write_file_atomic(target: string, write: (fd: number) => void): void {
  const dir = path.dirname(path.resolve(target));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`cannot write ${target}: ${dir} is not a directory`);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx");
  try {
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A text file (JSON, configs) written atomically. */
export function write_text_atomic(target: string, text: string): void {
  write_file_atomic(target, (fd) => write_all(fd, Buffer.from(text, "utf8")));
}
