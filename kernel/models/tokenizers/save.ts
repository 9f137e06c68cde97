// save_pretrained's files: tokenizer.json, tokenizer_config.json, special_tokens_map.json, each
// written through a temporary file so a failed save leaves no half-written file behind.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes each named JSON document into `dir` (created if missing); returns the paths written. */
export function write_json_files(dir: string, docs: Record<string, unknown>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(docs).map(([name, doc]) => {
    const file = path.join(dir, name);
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(doc, null, 2) + "\n");
    renameSync(tmp, file);
    return file;
  });
}
