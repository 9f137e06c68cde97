// safetensors: reading and writing against an independent reader/writer (a few lines of Python
// with json + struct + torch.frombuffer, run by Debian's PyTorch), byte-identical re-saves of files
// that the real safetensors wrote, and every way a file can be broken.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { load_file, load_metadata, safe_open, save_file } from "../../kernel/models/safetensors.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { expect_bits, tensor_bytes } from "../helpers/bits.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lowbit-safetensors-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Each element as a string: floats by their bit pattern (as a signed integer of the same width),
// integers exactly, bools as Python prints them. Both sides encode the same way.
const PY_COMMON = `
import json, struct, sys, torch
DT = {'BOOL': torch.bool, 'U8': torch.uint8, 'I8': torch.int8, 'I16': torch.int16, 'I32': torch.int32,
      'I64': torch.int64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F32': torch.float32, 'F64': torch.float64}
BITS = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float32: torch.int32, torch.float64: torch.int64}
def enc(t):
    v = t.view(BITS[t.dtype]) if t.dtype in BITS else t
    return [str(x) for x in v.flatten().tolist()]
`;

// The independent reader: header, key order and every tensor's values of a file.
const PY_READ = PY_COMMON + `
b = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', b[:8])
raw = b[8:8 + n].decode('utf-8')
keys = json.loads(raw, object_pairs_hook=lambda pairs: [k for k, _ in pairs])
h = json.loads(raw)
meta = h.pop('__metadata__', None)
data = bytearray(b[8 + n:])
out = {}
for name, info in h.items():
    s, e = info['data_offsets']
    dt = DT[info['dtype']]
    t = torch.frombuffer(data[s:e], dtype=dt) if e > s else torch.empty(0, dtype=dt)
    out[name] = {'dtype': info['dtype'], 'shape': info['shape'], 'offsets': [s, e], 'values': enc(t.reshape(info['shape']))}
print(json.dumps({'header_len': n, 'raw_header': raw, 'keys': keys, 'metadata': meta, 'data_len': len(data), 'tensors': out}))
`;

// The independent writer: torch makes the values (specials included), the file is laid out by hand
// in an order of its own (names reversed, data in yet another order), as other writers may do.
const PY_WRITE = PY_COMMON + `
torch.manual_seed(0)
specials = [0.0, -0.0, 1/3, float('inf'), float('-inf'), float('nan'), 1e-45, 6e-8, 1e-40, 65504.0, 3.0e38, -2.5]
ts = {
  'f32': torch.tensor(specials, dtype=torch.float32).reshape(3, 4),
  'f64': torch.cat([torch.tensor(specials, dtype=torch.float64), torch.randn(4, dtype=torch.float64)]),
  'f16': torch.tensor(specials, dtype=torch.float16),
  'bf16': torch.tensor(specials, dtype=torch.bfloat16).reshape(2, 2, 3),
  'i64': torch.tensor([-2**63, 2**63 - 1, 0, -1, 2**53 + 1], dtype=torch.int64),
  'i32': torch.tensor([-2**31, 2**31 - 1, 7], dtype=torch.int32),
  'i16': torch.tensor([-2**15, 2**15 - 1], dtype=torch.int16),
  'i8': torch.tensor([-128, 127, 0], dtype=torch.int8),
  'u8': torch.tensor([0, 255, 17], dtype=torch.uint8),
  'b': torch.tensor([True, False, True], dtype=torch.bool),
  'scalar': torch.tensor(2.5, dtype=torch.float32),
  'empty': torch.zeros(0, 3, dtype=torch.float32),
}
ST = {v: k for k, v in DT.items()}
order = sorted(ts, key=lambda k: (ts[k].element_size(), k))
header, blobs, off = {'__metadata__': {'format': 'pt', 'note': 'written by hand'}}, [], 0
for k in order:
    raw = ts[k].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if ts[k].numel() else b''
    header[k] = {'dtype': ST[ts[k].dtype], 'shape': list(ts[k].shape), 'data_offsets': [off, off + len(raw)]}
    blobs.append(raw); off += len(raw)
hb = json.dumps(dict(reversed(list(header.items())))).encode()
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(hb))); f.write(hb); f.write(b''.join(blobs))
print(json.dumps({k: {'dtype': ST[t.dtype], 'shape': list(t.shape), 'values': enc(t)} for k, t in ts.items()}))
`;

function python(script: string, ...args: string[]): any {  // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = spawnSync("/usr/bin/python3", ["-c", script, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const ST_NAME: Record<string, string> = {
  bool: "BOOL", uint8: "U8", int8: "I8", int16: "I16", int32: "I32", int64: "I64",
  float16: "F16", bfloat16: "BF16", float32: "F32", float64: "F64",
};
const SIGNED = { 1: Int8Array, 2: Int16Array, 4: Int32Array, 8: BigInt64Array } as const;

function enc(t: Tensor): string[] {
  const b = tensor_bytes(t);
  if (t.dtype === torch.bool) return Array.from(b, (x) => (x ? "True" : "False"));
  if (t.dtype === torch.uint8) return Array.from(b, String);
  const bytes = b.slice();  // aligned copy
  const view = new SIGNED[t.itemsize as 1](bytes.buffer, 0, t.numel());
  return Array.from(view as ArrayLike<number | bigint>, String);
}

// every dtype, with the values that break careless conversions
function all_dtypes(): Record<string, Tensor> {
  const specials = [0, -0, 1 / 3, Infinity, -Infinity, NaN, 1e-45, 6e-8, 1e-40, 65504, 3e38, -2.5];
  return {
    "w.f32": torch.tensor(specials, { dtype: torch.float32 }).reshape(3, 4),
    "w.f64": torch.tensor(specials, { dtype: torch.float64 }),
    "a.f16": torch.tensor(specials, { dtype: torch.float16 }),
    "b.bf16": torch.tensor(specials, { dtype: torch.bfloat16 }).reshape(2, 6),
    "c.i64": torch.tensor([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n] as never, { dtype: torch.int64 }),
    "d.i32": torch.tensor([-(2 ** 31), 2 ** 31 - 1, 7], { dtype: torch.int32 }),
    "e.i16": torch.tensor([-(2 ** 15), 2 ** 15 - 1], { dtype: torch.int16 }),
    "f.i8": torch.tensor([-128, 127, 0], { dtype: torch.int8 }),
    "g.u8": torch.tensor([0, 255, 17], { dtype: torch.uint8 }),
    "h.bool": torch.tensor([true, false, true]),
    "0": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
  };
}

describe("save_file", () => {
  it("every dtype: the independent reader sees the same values, in the Rust crate's layout", () => {
    const tensors = all_dtypes();
    const file = path.join(tmp, "all.safetensors");
    save_file(tensors, file, { format: "pt" });
    const py = python(PY_READ, file);
    expect(py.header_len % 8).toBe(0);
    expect(py.raw_header).toMatch(/^\{.*\} *$/);
    expect(py.metadata).toEqual({ format: "pt" });
    // the crate's Dtype enum, largest first (I64 F64 F32 I32 BF16 F16 I16 I8 U8 BOOL), then names
    expect(py.keys).toEqual(["__metadata__", "c.i64", "w.f64", "0", "empty", "w.f32", "d.i32", "b.bf16", "a.f16", "e.i16", "f.i8", "g.u8", "h.bool"]);
    let end = 0;
    for (const name of py.keys.slice(1)) {
      const got = py.tensors[name], t = tensors[name]!;
      expect(got.offsets[0], name).toBe(end);
      end = got.offsets[1];
      expect(got.dtype, name).toBe(ST_NAME[t.dtype.name]);
      expect(got.shape, name).toEqual([...t.shape]);
      expect(got.values, name).toEqual(enc(t));
    }
    expect(end).toBe(py.data_len);
  });

  it("round trip: load_file gives back every tensor bit for bit", () => {
    const tensors = all_dtypes();
    const file = path.join(tmp, "round.safetensors");
    save_file(tensors, file);
    const back = load_file(file);
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) expect_bits(back[name]!, t, name);
    expect(load_metadata(file)).toEqual({});
    const f = safe_open(file);
    expect(f.metadata()).toBeNull();
    f.close();
  });

  it("re-saving a checkpoint that transformers wrote gives the same bytes", () => {
    for (const dir of ["tiny-gpt-neox", "tiny-gpt-neox-bf16", "tiny-t5", "tiny-blip", "tiny-opt", "tiny-llama"]) {
      const src = fixture("models", dir, "model.safetensors");
      const out = path.join(tmp, `${dir}.safetensors`);
      save_file(load_file(src), out, load_metadata(src));
      expect(Buffer.compare(readFileSync(out), readFileSync(src)), dir).toBe(0);
    }
  });

  it("writes non-contiguous tensors as their values, and aliased tensors both in full", () => {
    const base = torch.arange(12, { dtype: torch.float32 }).reshape(3, 4);
    const tensors = { t: base.t(), strided: base.get(":", "::2"), a: base, b: base.view(12) };
    const file = path.join(tmp, "views.safetensors");
    save_file(tensors, file);
    const py = python(PY_READ, file);
    for (const [name, t] of Object.entries(tensors)) {
      expect(py.tensors[name].shape, name).toEqual([...t.shape]);
      expect(py.tensors[name].values, name).toEqual(enc(t));
    }
  });

  it("an error midway leaves the old file as it was and no temporary file behind", () => {
    const dir = mkdtempSync(path.join(tmp, "atomic-"));
    const file = path.join(dir, "model.safetensors");
    save_file({ x: torch.ones(4) }, file);
    const before = readFileSync(file);
    const broken = torch.ones(3);
    broken.cpu = () => { throw new Error("device lost"); };
    expect(() => save_file({ a: torch.zeros(2), z: broken }, file)).toThrow(/device lost/);
    expect(Buffer.compare(readFileSync(file), before)).toBe(0);
    expect(readdirSync(dir)).toEqual(["model.safetensors"]);
    expect(() => save_file({ x: 3 as never }, file)).toThrow(/'x' is not a tensor/);
    expect(() => save_file({ x: torch.ones(1) }, file, { n: 1 as never })).toThrow(/metadata values must be strings, 'n'/);
    expect(() => save_file({ x: torch.ones(1) }, path.join(dir, "no", "such.safetensors"))).toThrow(/is not a directory/);
  });
});

describe("load_file", () => {
  it("every dtype and special value that torch wrote, in any header order", () => {
    const file = path.join(tmp, "by_python.safetensors");
    const want = python(PY_WRITE, file);
    const got = load_file(file);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [name, w] of Object.entries<any>(want)) {  // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(ST_NAME[got[name]!.dtype.name], name).toBe(w.dtype);
      expect([...got[name]!.shape], name).toEqual(w.shape);
      expect(enc(got[name]!), name).toEqual(w.values);
    }
    expect(load_metadata(file)).toEqual({ format: "pt", note: "written by hand" });
  });

  it("names, dtypes and shapes of the model fixtures", () => {
    const ref = fixture_json("models", "tiny-gpt-neox-bf16", "reference.json").safetensors_tensors;
    const got = load_file(fixture("models", "tiny-gpt-neox-bf16", "model.safetensors"));
    const entries = Array.isArray(ref) ? ref : Object.entries(ref).map(([name, v]) => ({ name, ...(v as object) }));
    expect(Object.keys(got).sort()).toEqual(entries.map((e: { name: string }) => e.name).sort());
    for (const e of entries) {
      expect(String(got[e.name]!.dtype)).toMatch(/bfloat16/);
      expect([...got[e.name]!.shape]).toEqual(e.shape);
    }
  });

  it("converts each tensor to the requested dtype as it is read", () => {
    const file = fixture("models", "tiny-gpt-neox-bf16", "model.safetensors");
    const raw = load_file(file);
    const f32 = load_file(file, { dtype: torch.float32 });
    for (const [name, t] of Object.entries(raw)) expect_bits(f32[name]!, t.to(torch.float32), name);
  });

  it("safe_open reads single tensors; keys() are sorted", () => {
    const f = safe_open(fixture("models", "tiny-gpt-neox", "model.safetensors"), { framework: "pt" });
    try {
      expect(f.keys()).toEqual([...f.keys()].sort());
      expect(f.metadata()).toEqual({ format: "pt" });
      const all = load_file(fixture("models", "tiny-gpt-neox", "model.safetensors"));
      expect_bits(f.get_tensor("embed_out.weight"), all["embed_out.weight"]!, "embed_out.weight");
      expect(() => f.get_tensor("nope")).toThrow(/has no tensor named 'nope'/);
    } finally {
      f.close();
    }
  });
});

describe("broken files get an error naming the file and the problem", () => {
  // a file from parts: a header object (or raw header text) and a data section
  function write(name: string, header: unknown, data = new Uint8Array(0), length?: bigint): string {
    const h = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(length ?? BigInt(h.length));
    const file = path.join(tmp, `${name}.safetensors`);
    writeFileSync(file, Buffer.concat([n, h, data]));
    return file;
  }
  const f32 = (shape: number[], b: number, e: number) => ({ dtype: "F32", shape, data_offsets: [b, e] });
  const cases: [string, () => string, RegExp][] = [
    ["too short", () => { const f = path.join(tmp, "short.safetensors"); writeFileSync(f, "abc"); return f; }, /only 3 bytes/],
    ["header length past the end", () => write("hlen", { a: f32([1], 0, 4) }, new Uint8Array(4), 1000n), /header length \(1000 bytes\) runs past the end/],
    ["header length absurd", () => write("hbig", "{}", new Uint8Array(0), 2n ** 62n), /runs past the end/],
    ["header not JSON", () => write("nojson", "{\"a\": [1, 2", new Uint8Array(0)), /header is not JSON/],
    ["header not an object", () => write("array", "[1,2]"), /header is not a JSON object/],
    ["offsets out of range", () => write("range", { a: f32([2], 0, 8) }, new Uint8Array(4)), /tensor 'a' ends at byte 8 of a 4-byte data section \(truncated/],
    ["offsets overlap", () => write("overlap", { a: f32([2], 0, 8), b: f32([2], 4, 12) }, new Uint8Array(12)), /tensors 'a' and 'b' overlap/],
    ["a hole between tensors", () => write("hole", { a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Uint8Array(12)), /bytes 4 to 8 of the data section belong to no tensor/],
    ["bytes after the last tensor", () => write("tail", { a: f32([1], 0, 4) }, new Uint8Array(6)), /last 2 bytes of the data section belong to no tensor/],
    ["shape and byte count disagree", () => write("shape", { a: f32([3], 0, 8) }, new Uint8Array(8)), /tensor 'a' of shape \[3\] and dtype F32 needs 12 bytes, but its data_offsets give 8/],
    ["bad offsets", () => write("offs", { a: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /tensor 'a' has invalid data_offsets/],
    ["bad shape", () => write("badshape", { a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'a' has an invalid shape/],
    ["a dtype the format does not define", () => write("q4", { a: { dtype: "Q4", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor 'a' has an unknown dtype "Q4"/],
    ["metadata that is not strings", () => write("meta", { __metadata__: { n: 1 }, a: f32([1], 0, 4) }, new Uint8Array(4)), /"__metadata__" entry 'n' must be a string/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const file = make();
      expect(() => load_file(file)).toThrow(message);
      expect(() => load_file(file)).toThrow(file);
    });
  }

  it("a truncated download of a real checkpoint", () => {
    const src = readFileSync(fixture("models", "tiny-gpt-neox", "model.safetensors"));
    const file = path.join(tmp, "cut.safetensors");
    writeFileSync(file, src.subarray(0, src.length - 1000));
    expect(() => load_file(file)).toThrow(/cut\.safetensors: not a valid safetensors file: tensor '.*' ends at byte \d+ of a \d+-byte data section \(truncated/);
  });

  it("an F8_E4M3 tensor: an error naming it and the file, while the file's other tensors still load", () => {
    const file = write("fp8", { a: f32([1], 0, 4), q: { dtype: "F8_E4M3", shape: [2], data_offsets: [4, 6] } }, new Uint8Array(6));
    expect(() => load_file(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: tensor 'q' has dtype F8_E4M3, which lowbit cannot load`));
    const f = safe_open(file);
    expect([...f.get_tensor("a").shape]).toEqual([1]);
    f.close();
  });

  it("a missing file names the path", () => {
    expect(() => load_file(path.join(tmp, "absent.safetensors"))).toThrow(/ENOENT.*absent\.safetensors/);
    expect(existsSync(path.join(tmp, "absent.safetensors"))).toBe(false);
  });
});
