// save_pretrained's files: tokenizer.json, tokenizer_config.json, special_tokens_map.json, each
// written atomically so a failed save leaves no half-written file behind.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { write_text_atomic } from "../../atomic_file.js";

/** Writes each named JSON document into `dir` (created if missing); returns the paths written. */
export function write_json_files(dir: string, docs: Record<string, unknown>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(docs).map(([name, doc]) => {
    const file = path.join(dir, name);
    write_text_atomic(file, JSON.stringify(doc, null, 2) + "\n");
    return file;
  });
}
