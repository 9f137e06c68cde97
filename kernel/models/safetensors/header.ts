// The safetensors header: an 8-byte little-endian length, then that many bytes of JSON mapping each
// tensor name to { dtype, shape, data_offsets } (offsets relative to the data section), plus an
// optional "__metadata__" map of strings. Checked as strictly as the Rust crate checks it (the
// tensors must tile the data section exactly: no overlap, no hole, nothing after), so a corrupt or
// truncated file fails here, naming the file, the tensor and the problem.
import { itemsize_of } from "./dtypes.js";

export interface TensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, TensorInfo>;
  /** the "__metadata__" map, null when the file has none (as safe_open's metadata() gives None) */
  metadata: Record<string, string> | null;
  /** byte offset of the data section in the file */
  data_start: number;
}

// the crate refuses larger headers; a length this big means the file is not safetensors at all
const MAX_HEADER_BYTES = 100_000_000;

export function bad(source: string, msg: string): never {
  throw new Error(`${source}: not a valid safetensors file: ${msg}`);
}

/** The JSON length from the first 8 bytes of a file of `file_size` bytes. */
export function header_length(first8: Uint8Array, file_size: number, source: string): number {
  if (file_size < 8) bad(source, `only ${file_size} bytes, too short for the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(file_size - 8)) {
    bad(source, `the header length (${n} bytes) runs past the end of the ${file_size}-byte file (truncated, or not a safetensors file)`);
  }
  if (n > MAX_HEADER_BYTES) bad(source, `the header length (${n} bytes) is over the format's limit of ${MAX_HEADER_BYTES}`);
  return Number(n);
}

function check_metadata(v: unknown, source: string): Record<string, string> | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "object" || Array.isArray(v)) bad(source, `"__metadata__" must map names to strings, got ${JSON.stringify(v)}`);
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== "string") bad(source, `"__metadata__" entry '${k}' must be a string, got ${JSON.stringify(s)}`);
  }
  return v as Record<string, string>;
}

function is_size(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

function check_tensor(name: string, v: unknown, data_len: number, source: string): TensorInfo {
  const info = v as Partial<TensorInfo> | null;
  if (!info || typeof info !== "object" || Array.isArray(info)) bad(source, `tensor '${name}' must be an object {dtype, shape, data_offsets}`);
  const itemsize = typeof info.dtype === "string" ? itemsize_of(info.dtype) : undefined;
  if (itemsize === undefined) bad(source, `tensor '${name}' has an unknown dtype ${JSON.stringify(info.dtype)}`);
  if (!Array.isArray(info.shape) || !info.shape.every(is_size)) bad(source, `tensor '${name}' has an invalid shape ${JSON.stringify(info.shape)}`);
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(is_size) || offsets[1] < offsets[0]) {
    bad(source, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)} (want [begin, end] with 0 <= begin <= end)`);
  }
  const [b, e] = offsets;
  if (e > data_len) bad(source, `tensor '${name}' ends at byte ${e} of a ${data_len}-byte data section (truncated file?)`);
  const expect = info.shape.reduce((p, d) => p * d, 1) * itemsize;
  if (e - b !== expect) {
    bad(source, `tensor '${name}' of shape [${info.shape.join(", ")}] and dtype ${info.dtype} needs ${expect} bytes, but its data_offsets give ${e - b}`);
  }
  return { dtype: info.dtype!, shape: info.shape, data_offsets: [b, e] };
}

// the tensors must cover [0, data_len) exactly, in offset order
function check_tiling(tensors: Record<string, TensorInfo>, data_len: number, source: string): void {
  const spans = Object.entries(tensors).sort(([, x], [, y]) => x.data_offsets[0] - y.data_offsets[0] || x.data_offsets[1] - y.data_offsets[1]);
  let end = 0;
  let prev = "";
  for (const [name, { data_offsets: [b, e] }] of spans) {
    if (b < end) bad(source, `tensors '${prev}' and '${name}' overlap (bytes ${b} to ${end} of the data section belong to both)`);
    if (b > end) bad(source, `bytes ${end} to ${b} of the data section belong to no tensor`);
    end = e;
    prev = name;
  }
  if (end !== data_len) bad(source, `the last ${data_len - end} bytes of the data section belong to no tensor`);
}

/** Parses the JSON header bytes of a file whose data section starts at `data_start` and holds `data_len` bytes. */
export function decode_header(json: Uint8Array, data_start: number, data_len: number, source: string): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(json));
  } catch (e) {
    bad(source, `the header is not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) bad(source, "the header is not a JSON object");
  const { __metadata__, ...entries } = parsed as Record<string, unknown>;
  const tensors: Record<string, TensorInfo> = Object.fromEntries(
    Object.entries(entries).map(([name, v]) => [name, check_tensor(name, v, data_len, source)]),
  );
  check_tiling(tensors, data_len, source);
  return { tensors, metadata: check_metadata(__metadata__, source), data_start };
}
