// Reading safetensors straight into place: each tensor gets its own storage and its bytes are read
// from the file into it, one tensor at a time, so loading a checkpoint needs about its size in
// memory (never the whole file in one buffer next to the tensors made from it).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { as_dtype, type DType } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { dtype_of, SUPPORTED } from "./dtypes.js";
import { decode_header, header_length, type SafetensorsHeader } from "./header.js";

// readSync moves at most 2 GiB per call
const CHUNK = 1 << 30;

function read_exact(fd: number, into: Uint8Array, position: number, source: string): void {
  for (let done = 0; done < into.byteLength; ) {
    const n = readSync(fd, into, done, Math.min(CHUNK, into.byteLength - done), position + done);
    if (n === 0) throw new Error(`${source}: the file ended early (it shrank while being read?)`);
    done += n;
  }
}

export interface GetTensorOptions {
  /** convert to this dtype right after reading (one tensor at a time, so only one copy is ever doubled) */
  dtype?: DType | string | null;
}

export interface LoadOptions extends GetTensorOptions {
  device?: "cpu";
}

/** safetensors.safe_open: the header is read at once, tensors only when asked for. close() when done. */
export class SafeOpen {
  readonly header: SafetensorsHeader;
  private fd: number | null;

  /** @internal use safe_open */
  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    try {
      const size = fstatSync(this.fd).size;
      const first8 = new Uint8Array(Math.min(8, size));
      read_exact(this.fd, first8, 0, path);
      const n = header_length(first8, size, path);
      const json = new Uint8Array(n);
      read_exact(this.fd, json, 8, path);
      this.header = decode_header(json, 8 + n, size - 8 - n, path);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Tensor names, sorted (as safe_open's keys()). */
  keys(): string[] {
    return Object.keys(this.header.tensors).sort();
  }

  /** The header's "__metadata__" map, or null. */
  metadata(): Record<string, string> | null {
    return this.header.metadata;
  }

  get_tensor(name: string, o: GetTensorOptions = {}): Tensor {
    if (this.fd === null) throw new Error(`${this.path}: get_tensor('${name}') after close()`);
    if (!Object.hasOwn(this.header.tensors, name)) throw new Error(`${this.path} has no tensor named '${name}'`);
    const info = this.header.tensors[name]!;
    const dtype = dtype_of(info.dtype);
    if (!dtype) {
      throw new Error(`${this.path}: tensor '${name}' has dtype ${info.dtype}, which lowbit cannot load (it reads ${SUPPORTED.join(", ")}); convert it to one of those in Python first`);
    }
    const [b, e] = info.data_offsets;
    const data = new dtype.array((e - b) / dtype.itemsize);
    read_exact(this.fd, new Uint8Array(data.buffer, data.byteOffset, e - b), this.header.data_start + b, this.path);
    const t = new Tensor(data, dtype, info.shape);
    const want = o.dtype == null ? dtype : as_dtype(o.dtype);
    return want === dtype ? t : t.to(want);
  }

  /** Names in file order, so that reading them all walks the file front to back. */
  names_in_file_order(): string[] {
    const t = this.header.tensors;
    return Object.keys(t).sort((x, y) => t[x]!.data_offsets[0] - t[y]!.data_offsets[0] || t[x]!.data_offsets[1] - t[y]!.data_offsets[1]);
  }

  /** Bytes of a tensor's data in the file. */
  nbytes(name: string): number {
    const [b, e] = this.header.tensors[name]!.data_offsets;
    return e - b;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** safe_open(filename, { framework: "pt" }): only "pt" tensors on the CPU exist here. */
export function safe_open(filename: string, o: { framework?: "pt"; device?: "cpu" } = {}): SafeOpen {
  if (o.framework !== undefined && o.framework !== "pt") throw new Error(`safe_open: framework '${o.framework}' is not available; use "pt"`);
  if (o.device !== undefined && o.device !== "cpu") throw new Error(`safe_open: device '${o.device}' is not available; load on "cpu" and move the tensors after`);
  return new SafeOpen(filename);
}

/** safetensors.torch.load_file: every tensor of a file by name (optionally converted to `dtype`). */
export function load_file(filename: string, o: LoadOptions = {}): Record<string, Tensor> {
  const file = safe_open(filename, { device: o.device });
  try {
    return Object.fromEntries(file.names_in_file_order().map((name) => [name, file.get_tensor(name, o)]));
  } finally {
    file.close();
  }
}

/** The header's "__metadata__" (empty when there is none), without reading any tensor. */
export function load_metadata(filename: string): Record<string, string> {
  const file = safe_open(filename);
  file.close();
  return file.metadata() ?? {};
}
