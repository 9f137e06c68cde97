// safetensors.torch.save_file, laid out byte for byte as the Rust crate writes it: tensors sorted by
// dtype (the crate's enum order, largest alignment first) then by name, the JSON header with
// "__metadata__" first and the tensors in data order, padded with spaces to a multiple of 8 bytes.
import { Tensor } from "../../tensor/tensor.js";
import { write_all, write_file_atomic } from "../../atomic_file.js";
import { crate_rank, safetensors_name } from "./dtypes.js";

function check(tensors: Record<string, Tensor>, metadata: Record<string, string> | null, filename: string): void {
  if (tensors === null || typeof tensors !== "object") throw new TypeError(`save_file(${filename}): tensors must be an object mapping names to tensors`);
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`save_file(${filename}): '${name}' is not a tensor`);
  }
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== "string") throw new TypeError(`save_file(${filename}): metadata values must be strings, '${k}' is ${JSON.stringify(v)}`);
  }
}

// Rust compares names as UTF-8 bytes; JS `<` compares UTF-16 units, which differs beyond the BMP
function by_name(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function header_bytes(order: [string, Tensor][], metadata: Record<string, string> | null): Uint8Array {
  // built by hand: a JS object would move integer-like names ("0", "1") to the front
  const parts: string[] = [];
  if (metadata) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, t] of order) {
    const end = offset + t.nbytes;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${safetensors_name(t.dtype)}","shape":${JSON.stringify([...t.shape])},"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(",")}}`, "utf8");
  const padded = Buffer.alloc(Math.ceil(json.byteLength / 8) * 8, " ");
  json.copy(padded);
  return padded;
}

function data_bytes(t: Tensor): Uint8Array {
  const c = t.cpu().contiguous();
  return new Uint8Array(c._data.buffer, c._data.byteOffset + c._offset * c.itemsize, c.nbytes);
}

/** Writes `tensors` (made contiguous; tensors sharing storage are each written in full) to `filename`. */
export function save_file(tensors: Record<string, Tensor>, filename: string, metadata: Record<string, string> | null = null): void {
  check(tensors, metadata, filename);
  const order = Object.entries(tensors).sort(([an, a], [bn, b]) => crate_rank(safetensors_name(b.dtype)) - crate_rank(safetensors_name(a.dtype)) || by_name(an, bn));
  const header = header_bytes(order, metadata);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  write_file_atomic(filename, (fd) => {
    write_all(fd, length);
    write_all(fd, header);
    for (const [, t] of order) write_all(fd, data_bytes(t));
  });
}
