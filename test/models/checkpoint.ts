// A damaged copy of a fixture checkpoint: the same config.json with some tensors left out of
// model.safetensors, for from_pretrained's error paths.
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { load_file } from "../../kernel/models/safetensors.js";
import { fixture } from "../helpers/fixtures.js";

const CODES: Record<string, string> = { float32: "F32", bfloat16: "BF16", float16: "F16", int64: "I64" };

/** A temp directory holding `name`'s config.json and its weights minus `drop`. */
export function checkpoint_without(name: string, drop: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), `lowbit-${name}-`));
  copyFileSync(fixture("models", name, "config.json"), path.join(dir, "config.json"));
  const tensors = Object.entries(load_file(fixture("models", name, "model.safetensors"))).filter(([k]) => !drop.includes(k));
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [k, t] of tensors) {
    const data = t.contiguous()._data;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    header[k] = { dtype: CODES[t.dtype.name], shape: t._shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path.join(dir, "model.safetensors"), Buffer.concat([len, json, ...chunks]));
  return dir;
}
