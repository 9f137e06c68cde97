// safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. Every field is checked before use, so a
// corrupt or truncated file gets an error that names the problem instead of garbage tensors.
import { readFileSync } from "node:fs";
import { as_dtype, DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

const DTYPES: Record<string, string> = {
  BOOL: "bool", U8: "uint8", I8: "int8", I16: "int16", I32: "int32", I64: "int64",
  F16: "float16", BF16: "bfloat16", F32: "float32", F64: "float64",
};

export interface TensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, TensorInfo>;
  metadata: Record<string, string>;
  /** byte offset of the data section in the file */
  data_start: number;
}

function bad(source: string, msg: string): never {
  throw new Error(`${source}: not a valid safetensors file: ${msg}`);
}

export function parse_header(buf: Uint8Array, source = "safetensors"): SafetensorsHeader {
  if (buf.byteLength < 8) bad(source, `only ${buf.byteLength} bytes, too short for the 8-byte header length`);
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (n > buf.byteLength - 8) bad(source, `header claims ${n} bytes but the file has ${buf.byteLength - 8} after the length (truncated?)`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + n)));
  } catch (e) {
    bad(source, `header is not JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) bad(source, "header is not a JSON object");
  const data_start = 8 + n;
  const data_len = buf.byteLength - data_start;
  const tensors: Record<string, TensorInfo> = {};
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(json)) {
    if (name === "__metadata__") {
      metadata = v as Record<string, string>;
      continue;
    }
    const info = v as TensorInfo;
    if (!info || typeof info !== "object" || !(info.dtype in DTYPES)) {
      bad(source, `tensor '${name}' has an unsupported dtype ${JSON.stringify(info?.dtype)} (supported: ${Object.keys(DTYPES).join(", ")})`);
    }
    if (!Array.isArray(info.shape) || info.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      bad(source, `tensor '${name}' has an invalid shape ${JSON.stringify(info.shape)}`);
    }
    const [b, e] = info.data_offsets ?? [];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b! < 0 || e! < b!) bad(source, `tensor '${name}' has invalid data_offsets`);
    if (e! > data_len) bad(source, `tensor '${name}' ends at byte ${e} of a ${data_len}-byte data section (truncated?)`);
    const dt = as_dtype(DTYPES[info.dtype]!);
    const expect = info.shape.reduce((p, d) => p * d, 1) * dt.itemsize;
    if (e! - b! !== expect) {
      bad(source, `tensor '${name}' of shape [${info.shape.join(", ")}] and dtype ${info.dtype} needs ${expect} bytes, the file gives ${e! - b!}`);
    }
    tensors[name] = info;
  }
  return { tensors, metadata, data_start };
}

/** The tensor `name` of a parsed file, copied out of `buf` into its own storage. */
export function read_tensor(buf: Uint8Array, header: SafetensorsHeader, name: string): Tensor {
  const info = header.tensors[name];
  if (!info) throw new Error(`no tensor named '${name}' (have: ${Object.keys(header.tensors).join(", ")})`);
  const dtype: DType = as_dtype(DTYPES[info.dtype]!);
  const [b, e] = info.data_offsets;
  // a copy into a fresh buffer, aligned for any element size (Buffer#slice would be a view)
  const bytes = Uint8Array.prototype.slice.call(buf, header.data_start + b, header.data_start + e);
  const n = (e - b) / dtype.itemsize;
  return new Tensor(new dtype.array(bytes.buffer, 0, n), dtype, info.shape);
}

/** safetensors.torch.load_file: every tensor of a file, by name, with the header's metadata. */
export function load_file(path: string): Record<string, Tensor> {
  const buf = readFileSync(path);
  const header = parse_header(buf, path);
  const out: Record<string, Tensor> = {};
  for (const name of Object.keys(header.tensors)) out[name] = read_tensor(buf, header, name);
  return out;
}

export function load_metadata(path: string): Record<string, string> {
  return parse_header(readFileSync(path), path).metadata;
}
