// quant.quantize_rtn and quant.quantized_linear against PyTorch (/usr/bin/python3, run once for the
// file): the round-to-nearest codes, scales and zeros computed by torch's float32 ops, and y =
// F.linear(x, W') in float64 over the dequantized W' = (q - zero)·scale (int8: q·scale). The native
// kernel sums in float32: allowed n·u·Σ|x·w'| with n = ceil(K/8) + 24 (see test/native/wq_gemm.test.ts).
// Shapes cover groups that do not divide the row, all-zero groups, 1xN and Nx1 weights.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nn, quant, torch, Tensor } from "../../kernel/index.js";
import { describe_backends } from "../helpers/backends.js";
import { Rng } from "../helpers/prng.js";

interface Case { name: string; N: number; K: number; M: number; bits: 8 | 4 | 2; group: number; w: number[]; x: number[] }
interface TorchOut { q: number[]; scale: number[]; zero: number[]; y: number[]; mag: number[] }

const TORCH = String.raw`
import json, sys, torch
out = []
for c in json.load(sys.stdin):
    N, K, M, bits, g = c["N"], c["K"], c["M"], c["bits"], c["group"]
    w = torch.tensor(c["w"], dtype=torch.float32).reshape(N, K)
    x = torch.tensor(c["x"], dtype=torch.float32).reshape(M, K)
    if bits == 8:
        m = w.abs().amax(1)
        s = torch.where(m == 0, torch.ones_like(m), m / 127)
        q = torch.round(w / s[:, None])
        z = torch.zeros(0)
        wd = q * s[:, None]
    else:
        top = 2 ** bits - 1
        G = -(-K // g)
        # zero padding changes neither min(., 0) nor max(., 0)
        wp = torch.nn.functional.pad(w, (0, G * g - K)).reshape(N, G, g)
        lo = wp.amin(2).clamp(max=0)
        hi = wp.amax(2).clamp(min=0)
        s = torch.where(hi == lo, torch.ones_like(hi), (hi - lo) / top)
        z = torch.round(-lo / s).clamp(max=top)
        q = (torch.round(wp / s[..., None]) + z[..., None]).clamp(0, top)
        wd = ((q - z[..., None]) * s[..., None]).reshape(N, G * g)[:, :K]
        q = q.reshape(N, G * g)[:, :K]
    y = torch.nn.functional.linear(x.double(), wd.double())
    mag = torch.nn.functional.linear(x.double().abs(), wd.double().abs())
    out.append({"q": q.flatten().tolist(), "scale": s.flatten().tolist(), "zero": z.flatten().tolist(),
                "y": y.flatten().tolist(), "mag": mag.flatten().tolist()})
json.dump(out, sys.stdout)
`;

function cases(): Case[] {
  const rng = new Rng(7301);
  const make = (name: string, N: number, K: number, M: number, bits: 8 | 4 | 2, group: number, zero_rows: number[] = []): Case => {
    const w = Array.from({ length: N * K }, (_, i) => (zero_rows.includes(Math.floor(i / K)) ? 0 : Math.fround(rng.normal() * 0.05)));
    return { name, N, K, M, bits, group, w, x: Array.from({ length: M * K }, () => Math.fround(rng.normal())) };
  };
  const out: Case[] = [];
  for (const bits of [8, 4, 2] as const) {
    out.push(make(`${bits}-bit 24x256 group 128`, 24, 256, 1, bits, 128));
    out.push(make(`${bits}-bit 10x100 group 32 (ragged), batch 3`, 10, 100, 3, bits, 32));
    out.push(make(`${bits}-bit with all-zero rows`, 6, 192, 2, bits, 64, [1, 4]));
    out.push(make(`${bits}-bit 1x300`, 1, 300, 2, bits, 128));
    out.push(make(`${bits}-bit 17x1`, 17, 1, 1, bits, 128));
  }
  return out;
}

function unpack(w: quant.QuantizedWeight): number[] {
  const [N, K] = w.shape;
  if (w.format === "int8") return Array.from(w.data as Int8Array);
  const bits = w.format === "uint4" ? 4 : 2, per = 8 / bits, rb = Math.ceil(K / per);
  const q: number[] = [];
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) q.push((w.data[n * rb + Math.floor(k / per)]! >> (bits * (k % per))) & ((1 << bits) - 1));
  return q;
}

const all = cases();
const run = spawnSync("/usr/bin/python3", ["-c", TORCH], { input: JSON.stringify(all), encoding: "utf8", maxBuffer: 1 << 28 });
const have_torch = run.status === 0;
const want: TorchOut[] = have_torch ? JSON.parse(run.stdout) : [];

(have_torch ? describe_backends : describe.skip)("quantize_rtn and quantized_linear vs torch", () => {
  all.forEach((c, i) => {
    it(c.name, () => {
      const t = want[i]!;
      const W = new Tensor(Float32Array.from(c.w), torch.float32, [c.N, c.K]);
      const qw = quant.quantize_rtn(W, { bits: c.bits, group_size: c.group });
      expect(qw.format).toBe(c.bits === 8 ? "int8" : c.bits === 4 ? "uint4" : "uint2");
      // torch keeps -0 from round(-0.0); the codes are the same integers
      const num = (a: ArrayLike<number>) => Array.from(a, (v) => v + 0);
      expect(num(unpack(qw))).toEqual(num(t.q));
      expect(num(qw.scale)).toEqual(num(t.scale));
      if (c.bits !== 8) expect(num(qw.zero!)).toEqual(num(t.zero));
      const x = new Tensor(Float32Array.from(c.x), torch.float32, [c.M, c.K]);
      const y = quant.quantized_linear(x, qw).tolist() as number[][];
      const bound = (Math.ceil(c.K / 8) + 24) * 2 ** -24;
      y.flat().forEach((v, j) => {
        if (!(Math.abs(v - t.y[j]!) <= bound * t.mag[j]! + 2 ** -24 * Math.abs(t.y[j]!))) expect.fail(`y[${j}] = ${v}, torch ${t.y[j]}`);
      });
      // all-zero rows dequantize to exact zeros: their outputs are exactly 0, never NaN
      for (let n = 0; n < c.N; n++) if (c.w.slice(n * c.K, (n + 1) * c.K).every((v) => v === 0)) expect(y.map((r) => r[n])).toEqual(y.map(() => 0));
      // and the same as dequantize_weight then F.linear (native fp32 GEMM)
      expect(torch.allclose(quant.quantized_linear(x, qw), nn.functional.linear(x, quant.dequantize_weight(qw)), { rtol: 1e-5, atol: 1e-5 })).toBe(true);
    });
  });
});

describe("quantized_linear: bad input", () => {
  const W = new Tensor(Float32Array.from({ length: 64 }, (_, i) => i / 64), torch.float32, [2, 32]);
  it("NaN/Inf weights, scales and shapes", () => {
    const bad = W.clone();
    bad.narrow(0, 1, 1).narrow(1, 3, 1).fill_(Infinity);
    expect(() => quant.quantize_rtn(bad, { bits: 4 })).toThrow(/holds Infinity at \[1, 3\]/);
    const qw = quant.quantize_rtn(W, { bits: 4, group_size: 16 });
    const nan = { ...qw, scale: Float32Array.of(1, 1, NaN, 1) };
    expect(() => quant.quantized_linear(torch.ones([1, 32]), nan)).toThrow(/scale\[2\] is NaN/);
    expect(() => quant.quantized_linear(torch.ones([1, 31]), qw)).toThrow(/last dimension must be in_features = 32/);
    expect(() => quant.quantized_linear(torch.ones([1, 32]), { ...qw, data: qw.data.subarray(1) })).toThrow(/need 32 bytes, got 31/);
    expect(() => quant.quantized_linear(torch.ones([1, 32], { dtype: torch.float64 }), qw)).toThrow(/float32, bfloat16 or float16/);
    expect(() => quant.quantize_rtn(W, { bits: 3 as 4 })).toThrow(/bits must be 8, 4 or 2/);
  });
  it("NaN in the input propagates as in F.linear", () => {
    const qw = quant.quantize_rtn(W, { bits: 8 });
    const x = torch.ones([2, 32]);
    x.narrow(0, 0, 1).narrow(1, 5, 1).fill_(NaN);
    const y = quant.quantized_linear(x, qw).tolist() as number[][];
    expect(y[0]!.every(Number.isNaN)).toBe(true);
    expect(y[1]!.every(Number.isFinite)).toBe(true);
  });
});
