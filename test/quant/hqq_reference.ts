// Runs hqq_reference.py (hqq's algorithm restated in torch, float32 CPU) on weights made here and
// decodes its answers.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor } from "../../kernel/index.js";

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "hqq_reference.py");
const PYTHON = "/usr/bin/python3";

export interface RefCase {
  name: string;
  weight: Tensor;
  nbits: number;
  group_size: number | null;
  axis: 0 | 1;
  optimize: boolean;
  round_zero: boolean;
  /** the weight is torch.manual_seed(seed); torch.randn(shape): the script checks that */
  seed?: number;
}

export interface RefResult {
  codes: Uint8Array;
  view: number[];
  packed: Uint8Array;
  scale: Float32Array;
  zero: Float32Array;
  param_shape: number[];
  deq32: Float32Array;
  /** float16 bits */
  deq16: Uint16Array;
  rtn_error: number;
  error: number;
  rounds: number;
}

function f32_bytes(t: Tensor): string {
  const c = t.contiguous();
  const d = (c._data as Float32Array).subarray(c._offset, c._offset + c.numel());
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64");
}

function bytes(b64: string): Uint8Array {
  const b = Buffer.from(b64, "base64");
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** numerics "torch": hqq's arithmetic as torch runs it; "exact": with float64-exact means and
 *  pow (see hqq_reference.py), the two primitives lowbit computes that way. */
export function run_reference(cases: RefCase[], numerics: "torch" | "exact"): Record<string, RefResult> {
  const input = JSON.stringify({
    numerics,
    cases: cases.map((c) => ({
      name: c.name, shape: c.weight.shape, data: f32_bytes(c.weight), nbits: c.nbits, group_size: c.group_size,
      axis: c.axis, optimize: c.optimize, round_zero: c.round_zero, seed: c.seed ?? null,
    })),
  });
  const r = spawnSync(PYTHON, [SCRIPT], { input, encoding: "utf8", maxBuffer: 1 << 28, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${SCRIPT} failed (it needs Debian's python3-torch): ${r.error ?? r.stderr}`);
  const raw = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
  const out: Record<string, RefResult> = {};
  for (const [name, v] of Object.entries(raw)) {
    out[name] = {
      codes: bytes(v.codes as string),
      view: v.view as number[],
      packed: bytes(v.packed as string),
      scale: new Float32Array(bytes(v.scale as string).buffer),
      zero: new Float32Array(bytes(v.zero as string).buffer),
      param_shape: v.param_shape as number[],
      deq32: new Float32Array(bytes(v.deq32 as string).buffer),
      deq16: new Uint16Array(bytes(v.deq16 as string).buffer),
      rtn_error: v.rtn_error as number,
      error: v.error as number,
      rounds: v.rounds as number,
    };
  }
  return out;
}
