// bnb.nn.Linear4bit / LinearNF4 / LinearFP4 against ../shared/fixtures/quant/nf4 (bitsandbytes' CUDA
// kernels): the serialized state_dict key by key and bit for bit, loading it back, and the forward
// against the fixture's linear output (dtype(X·W'ᵀ + b), W' the double-quantized weight dequantized to
// the layer's dtype, fp32 accumulation). The native kernel sums in another order than the fixture's
// GPU: the outputs may differ by the fp32 summation bound (n·u·Σ|x·w'|, n = ceil(K/8) + 24, as in
// test/native/wq_gemm.test.ts) and then one ulp of the 16-bit output.
import { describe, expect, it } from "vitest";
import { bnb, nn, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { expect_bits } from "../helpers/bits.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface Case { tensor: string; quant_type: "nf4" | "fp4"; shape: [number, number]; dtype: string; state_dict_file: string }

const expected = fixture_json<{ cases: Case[] }>("quant", "nf4", "expected.json");
const tensors = load_file(fixture("quant", "nf4", "nf4.safetensors"));
const get = (name: string): Tensor => {
  const t = tensors[name];
  if (!t) throw new Error(`fixture tensor ${name} missing from nf4.safetensors`);
  return t;
};

const Layer = { nf4: bnb.nn.LinearNF4, fp4: bnb.nn.LinearFP4 };

function float_linear(c: Case): nn.Linear {
  const [out_f, in_f] = c.shape;
  const lin = new nn.Linear(in_f, out_f, true, { dtype: c.dtype });
  lin.weight.copy_(get(`${c.tensor}.weight_orig`));
  lin.bias!.copy_(get(`${c.tensor}.bias`));
  return lin;
}

/** got within the summation bound of want (both [rows, N] in a 16-bit dtype); W' is [N, K] float32. */
function expect_linear_close(got: Tensor, want: Tensor, x: Tensor, w: Tensor, mantissa: number, what: string): void {
  expect(String(got.dtype)).toBe(String(want.dtype));
  expect([...got.shape]).toEqual([...want.shape]);
  const K = x.shape[x.ndim - 1]!;
  const mag = x.float().abs().matmul(w.abs().t()).tolist() as number[][];
  const g = got.float().tolist() as number[][], e = want.float().tolist() as number[][];
  for (let r = 0; r < g.length; r++)
    for (let n = 0; n < g[r]!.length; n++) {
      const bound = (Math.ceil(K / 8) + 24) * 2 ** -24 * mag[r]![n]!;
      const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(e[r]![n]!), 2 ** -14))) - mantissa);
      if (!(Math.abs(g[r]![n]! - e[r]![n]!) <= bound + ulp)) expect.fail(`${what}: [${r}, ${n}] = ${g[r]![n]}, fixture ${e[r]![n]}`);
    }
}

const MANTISSA: Record<string, number> = { float16: 10, bfloat16: 7, float32: 23 };

for (const c of expected.cases) {
  const p = `${c.tensor}.${c.quant_type}`;
  describe_backends(`Linear4bit ${p} ${c.dtype} [${c.shape.join(", ")}]`, () => {
    const sd = load_file(fixture("quant", "nf4", c.state_dict_file));

    it("from_linear: uint8 weight, quant state, and the state_dict of bitsandbytes bit for bit", () => {
      const layer = Layer[c.quant_type].from_linear(float_linear(c));
      expect(layer.weight.dtype).toBe(torch.uint8);
      expect([...layer.weight.shape]).toEqual([Math.ceil(c.shape[0] * c.shape[1] / 2), 1]);
      expect(String(layer.weight)).toContain("dtype=torch.uint8");
      expect(layer.weight.quant_state).toBe(layer.quant_state);
      expect([layer.weight.quant_type, layer.weight.blocksize, layer.weight.compress_statistics]).toEqual([c.quant_type, 64, true]);
      const mine = layer.state_dict();
      expect(Object.keys(mine).sort()).toEqual(Object.keys(sd).sort());
      for (const k of Object.keys(sd)) expect_bits(mine[k]!, sd[k]!, k);
      expect(Object.keys(new nn.Sequential(layer).state_dict()).length).toBeGreaterThan(0);
    });

    it("forward: the fixture's linear output", () => {
      const layer = Layer[c.quant_type].from_linear(float_linear(c));
      const x = get(`${c.tensor}.input`);
      const want = get(`${p}.nested.linear_output`);
      const w = get(`${p}.nested.dequantized`).float();
      expect_linear_close(layer.forward(x), want, x, w, MANTISSA[c.dtype]!, "forward");
      // one row at a time takes the GEMV path
      const rows = x.shape[0]!;
      for (let r = 0; r < rows; r++) {
        expect_linear_close(layer.forward(x.narrow(0, r, 1)), want.narrow(0, r, 1), x.narrow(0, r, 1), w, MANTISSA[c.dtype]!, `row ${r}`);
      }
      // and equals dequantize_4bit then F.linear with fp32 accumulation, the functional way
      const [packed, qs] = bnb.functional.quantize_4bit(get(`${c.tensor}.weight_orig`), { quant_type: c.quant_type, compress_statistics: true });
      expect_linear_close(bnb.matmul_4bit(x, packed.t(), qs, get(`${c.tensor}.bias`)), want, x, w, MANTISSA[c.dtype]!, "matmul_4bit");
    });

    it("load_state_dict of the bitsandbytes checkpoint: same state, same output", () => {
      const layer = new Layer[c.quant_type](c.shape[1], c.shape[0], true, { dtype: c.dtype });
      const res = layer.load_state_dict(sd);
      expect(res).toEqual({ missing_keys: [], unexpected_keys: [] });
      expect(layer.is_quantized).toBe(true);
      const back = layer.state_dict();
      for (const k of Object.keys(sd)) expect_bits(back[k]!, sd[k]!, k);
      const x = get(`${c.tensor}.input`);
      expect_linear_close(layer.forward(x), get(`${p}.nested.linear_output`), x, get(`${p}.nested.dequantized`).float(), MANTISSA[c.dtype]!, "loaded");
    });
  });
}

describe("Linear4bit checkpoints: bad input names the key", () => {
  const c = expected.cases.find((x) => x.tensor === "main" && x.quant_type === "nf4")!;
  const sd = load_file(fixture("quant", "nf4", c.state_dict_file));
  const fresh = () => new bnb.nn.LinearNF4(c.shape[1], c.shape[0], true, { dtype: c.dtype });
  const without = (k: string) => Object.fromEntries(Object.entries(sd).filter(([key]) => key !== k));

  for (const k of ["weight.absmax", "weight.quant_map", "weight.nested_absmax", "weight.nested_quant_map"]) {
    it(`missing ${k}`, () => {
      // without nested_absmax the layer sees a nested state missing one half
      expect(() => fresh().load_state_dict(without(k))).toThrow(k.includes("nested") ? /missing "weight\.nested_/ : new RegExp(`missing "${k.replace(".", "\\.")}"`));
    });
  }
  it("missing the packed quant state JSON", () => {
    expect(() => fresh().load_state_dict(without("weight.quant_state.bitsandbytes__nf4"))).toThrow(/missing "weight\.quant_state\.bitsandbytes__nf4"/);
  });
  it("mis-shaped entries", () => {
    const layer = fresh();
    expect(() => layer.load_state_dict({ ...sd, "weight.absmax": sd["weight.absmax"]!.narrow(0, 0, 10) })).toThrow(/"weight\.absmax" must be 384 uint8 codes/);
    expect(() => layer.load_state_dict({ ...sd, weight: sd.weight!.narrow(0, 0, 100) })).toThrow(/"weight" must be uint8 with 12288 packed bytes/);
    expect(() => layer.load_state_dict({ ...sd, "weight.quant_map": sd["weight.quant_map"]!.narrow(0, 0, 8) })).toThrow(/"weight\.quant_map" must be the 16 values/);
    expect(() => layer.load_state_dict({ ...sd, "weight.nested_absmax": sd["weight.nested_absmax"]!.narrow(0, 0, 1) })).toThrow(/"weight\.nested_absmax" must be 2 values/);
    expect(() => new bnb.nn.LinearNF4(64, 32).load_state_dict(sd)).toThrow(/describes a weight of shape \[128, 192\], this layer's is \[32, 64\]/);
    expect(() => layer.load_state_dict({ ...sd, bias: torch.zeros([3]) })).toThrow(/size mismatch for bias/);
    expect(() => layer.load_state_dict({ ...sd, extra: torch.zeros([3]) })).toThrow(/Unexpected key\(s\) in state_dict: "extra"/);
    expect(layer.is_quantized).toBe(false);  // nothing was written by the failed loads
  });
});

describe("Linear4bit behaviour", () => {
  it("quantizes on .to(device), not before; forward before that says what to do", () => {
    torch.manual_seed(0);
    const layer = new bnb.nn.Linear4bit(64, 8, true, { quant_type: "nf4" });
    expect(layer.weight.dtype).toBe(torch.float32);
    expect(() => layer.forward(torch.randn([1, 64]))).toThrow(/not quantized yet; call \.to\("cpu"\)/);
    expect(() => layer.cuda()).toThrow(/CUDA/);
    expect(layer.weight.dtype).toBe(torch.float32);  // a failed move leaves it as it was
    layer.to("cpu");
    expect(layer.weight.dtype).toBe(torch.uint8);
    expect(layer.weight.bnb_quantized).toBe(true);
    expect([...layer.weight.shape]).toEqual([256, 1]);
    expect(layer.forward(torch.randn([2, 64])).shape).toEqual([2, 8]);
  });

  it("compute_dtype: bfloat16 compute for a float32 input, output back in float32", () => {
    torch.manual_seed(1);
    const lin = new nn.Linear(128, 16);
    const layer = bnb.nn.Linear4bit.from_linear(lin, { quant_type: "nf4", compute_dtype: torch.bfloat16 });
    const x = torch.randn([3, 128]);
    const y = layer.forward(x);
    expect(y.dtype).toBe(torch.float32);
    const [packed, qs] = bnb.functional.quantize_4bit(lin.weight, { quant_type: "nf4", compress_statistics: true });
    const want = bnb.matmul_4bit(x.to(torch.bfloat16), packed, qs, lin.bias!.to(torch.bfloat16)).float();
    expect_bits(y, want, "bf16 compute");
    // without compute_dtype a float32 input computes in float32
    const f = bnb.nn.Linear4bit.from_linear(lin, { quant_type: "nf4" });
    expect(f.forward(x).dtype).toBe(torch.float32);
    expect(f.compute_dtype).toBe(torch.float32);
  });

  it("all-zero weight blocks: no NaN; exact zeros without double quantization; 1xN and Nx1 layers", () => {
    const w = torch.zeros([4, 128]);
    w.narrow(0, 2, 1).copy_(torch.ones([1, 128]));
    const lin = new nn.Linear(128, 4, false);
    lin.weight.copy_(w);
    const x = torch.ones([1, 128]);
    for (const quant_type of ["nf4", "fp4"] as const) {
      const y = bnb.nn.Linear4bit.from_linear(lin, { quant_type, compress_statistics: false }).forward(x).tolist() as number[][];
      expect(y[0]).toEqual([0, 0, 128, 0]);
      // double quantization stores a zero absmax as code · nested_absmax + offset, which need not be
      // 0 (bitsandbytes does the same); the output stays finite and equals dequantize-then-linear
      const q = bnb.nn.Linear4bit.from_linear(lin, { quant_type });
      const yq = q.forward(x);
      expect((yq.tolist() as number[][])[0]!.every(Number.isFinite)).toBe(true);
      const want = nn.functional.linear(x, bnb.functional.dequantize_4bit(q.weight, q.weight.quant_state!), null);
      expect(torch.allclose(yq, want, { rtol: 1e-6, atol: 1e-6 })).toBe(true);
    }
    for (const [i, o] of [[1, 9], [9, 1], [1, 1]] as const) {
      torch.manual_seed(2);
      const l = new nn.Linear(i, o);
      const q = bnb.nn.LinearNF4.from_linear(l, {});
      const x = torch.randn([2, i]);
      const w2 = bnb.functional.dequantize_4bit(q.weight, q.weight.quant_state!);
      const want = nn.functional.linear(x, w2, l.bias);
      expect(torch.allclose(q.forward(x), want, { rtol: 1e-6, atol: 1e-6 })).toBe(true);
    }
  });

  it("NaN/Inf float weights are refused when quantizing, naming the index", () => {
    const lin = new nn.Linear(64, 2);
    lin.weight.narrow(0, 1, 1).fill_(NaN);
    expect(() => bnb.nn.LinearNF4.from_linear(lin)).toThrow(/holds NaN at flat index 64/);
  });

  it("gemv_4bit takes one row and equals matmul_4bit", () => {
    torch.manual_seed(3);
    const w = torch.randn([32, 256]);
    const [packed, qs] = bnb.functional.quantize_4bit(w, { quant_type: "fp4", compress_statistics: true });
    const x = torch.randn([1, 256]);
    expect_bits(bnb.functional.gemv_4bit(x, packed.t(), { state: qs }), bnb.matmul_4bit(x, packed, qs), "gemv_4bit");
    expect(() => bnb.functional.gemv_4bit(torch.randn([2, 256]), packed, { state: qs })).toThrow(/single row/);
  });
});
