// bitsandbytes 4-bit (NF4/FP4) blockwise quantization and double quantization against
// ../shared/fixtures/quant/nf4 (bitsandbytes' CUDA kernels; see that README): code tables, packed
// bytes, absmax, nested absmax/offset/8-bit codes and dequantized values bit for bit, the
// Linear4bit state_dict entries key by key.
import { describe, expect, it } from "vitest";
import { bnb, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { expect_bits, tensor_bytes } from "../helpers/bits.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface Case {
  tensor: string;
  quant_type: "nf4" | "fp4";
  shape: number[];
  dtype: string;
  numel: number;
  n_blocks: number;
  n_nested_blocks: number;
  packed_shape: number[];
  nested_offset: number;
  quant_state_json: string;
  mse_dequantized_vs_orig: number;
  mse_nested_dequantized_vs_orig: number;
  state_dict_file: string;
}

const F = bnb.functional;
const expected = fixture_json<{ blocksize: number; nested_blocksize: number; cases: Case[] }>("quant", "nf4", "expected.json");
const tensors = load_file(fixture("quant", "nf4", "nf4.safetensors"));

function get(name: string): Tensor {
  const t = tensors[name];
  if (!t) throw new Error(`fixture tensor ${name} missing from nf4.safetensors`);
  return t;
}

function mse(a: Tensor, b: Tensor): number {
  const x = a.reshape(-1).tolist() as number[], y = b.reshape(-1).tolist() as number[];
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return s / x.length;
}

// the fixture's MSEs are torch float32 means: relative slack for the summation order
function expect_rel(got: number, want: number, rel: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(rel * Math.abs(want));
}

function nibbles(packed: Tensor, n: number): number[] {
  const b = packed.reshape(-1).tolist() as number[];
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? b[i >> 1]! >> 4 : b[i >> 1]! & 15));
}

describe("bnb.functional code tables", () => {
  it("get_4bit_type gives bitsandbytes' NF4 and FP4 tables", () => {
    expect_bits(F.get_4bit_type("nf4"), get("code.nf4"), "nf4");
    expect_bits(F.get_4bit_type("fp4"), get("code.fp4"), "fp4");
  });
  it("create_dynamic_map(signed=True, 7, 8) is the fixture's dynamic map", () => {
    expect_bits(F.create_dynamic_map(true, 7, 8), get("code.dynamic"), "dynamic");
    expect_bits(F.create_dynamic_map({ signed: true }), get("code.dynamic"), "dynamic (options)");
  });
});

describe_backends("bnb.functional 4-bit vs the fixtures", () => {
  it("has the README's cases", () => {
    expect(expected.cases.length).toBeGreaterThanOrEqual(4);
    expect(expected.blocksize).toBe(64);
    expect(expected.nested_blocksize).toBe(256);
  });

  for (const c of expected.cases) {
    const p = `${c.tensor}.${c.quant_type}`;
    describe(`${p} ${c.dtype} [${c.shape.join(", ")}]`, () => {
      const W = get(`${c.tensor}.weight_orig`);

      it("quantize_4bit: packed bytes, nibbles and absmax exactly", () => {
        expect(String(W.dtype)).toBe(`torch.${c.dtype}`);
        const [packed, qs] = F.quantize_4bit(W, { blocksize: 64, quant_type: c.quant_type });
        expect([...packed.shape]).toEqual(c.packed_shape);
        expect_bits(packed, get(`${p}.packed`), "packed");
        expect(nibbles(packed, c.numel)).toEqual(get(`${p}.codes_unpacked`).tolist());
        expect(qs.absmax.numel()).toBe(c.n_blocks);
        expect_bits(qs.absmax, get(`${p}.absmax`), "absmax");
        expect(qs.shape).toEqual(c.shape);
        expect(String(qs.dtype)).toBe(`torch.${c.dtype}`);
        expect([qs.blocksize, qs.quant_type, qs.nested]).toEqual([64, c.quant_type, false]);
        expect_bits(qs.code!, get(`code.${c.quant_type}`), "code");
      });

      it("dequantize_4bit: exactly the fixture's values", () => {
        const [packed, qs] = F.quantize_4bit(W, { quant_type: c.quant_type });
        const d = F.dequantize_4bit(packed, qs);
        expect_bits(d, get(`${p}.dequantized`), "dequantized");
        expect_rel(mse(d, W), c.mse_dequantized_vs_orig, 1e-5, "mse");
        // from the fixture's own bytes and absmax, not ours
        const qs2 = new F.QuantState({ absmax: get(`${p}.absmax`), shape: c.shape, code: get(`code.${c.quant_type}`),
          blocksize: 64, quant_type: c.quant_type, dtype: c.dtype });
        expect_bits(F.dequantize_4bit(get(`${p}.packed`), qs2), get(`${p}.dequantized`), "dequantized from fixture state");
      });

      it("compress_statistics: offset, nested absmax, 8-bit absmax codes and dequantized values exactly", () => {
        const [packed, qs] = F.quantize_4bit(W, { quant_type: c.quant_type, compress_statistics: true });
        expect_bits(packed, get(`${p}.packed`), "packed");
        expect(qs.nested).toBe(true);
        expect_bits(qs.offset!.reshape(1), get(`${p}.nested.offset`), "offset");
        expect(qs.offset!.item()).toBe(c.nested_offset);
        expect_bits(qs.absmax, get(`${p}.nested.absmax_u8`), "absmax codes");
        const s2 = qs.state2!;
        expect(s2.absmax.numel()).toBe(c.n_nested_blocks);
        expect_bits(s2.absmax, get(`${p}.nested.nested_absmax`), "nested_absmax");
        expect_bits(s2.code!, get("code.dynamic"), "nested code");
        expect([s2.blocksize, String(s2.dtype)]).toEqual([256, "torch.float32"]);
        expect_bits(F.dequantize_blockwise(qs.absmax, s2).add(qs.offset!), get(`${p}.nested.absmax_dequantized`), "absmax dequantized");
        const d = F.dequantize_4bit(packed, qs);
        expect_bits(d, get(`${p}.nested.dequantized`), "nested dequantized");
        expect_rel(mse(d, W), c.mse_nested_dequantized_vs_orig, 1e-5, "nested mse");
      });

      it("quantize_blockwise of absmax minus the fixture's offset gives the fixture's codes", () => {
        const a = get(`${p}.absmax`).sub(get(`${p}.nested.offset`));
        const [q, s] = F.quantize_blockwise(a, { blocksize: 256 });
        expect_bits(q, get(`${p}.nested.absmax_u8`), "codes");
        expect_bits(s.absmax, get(`${p}.nested.nested_absmax`), "nested_absmax");
        const back = F.dequantize_blockwise(get(`${p}.nested.absmax_u8`), null,
          { absmax: get(`${p}.nested.nested_absmax`), code: get("code.dynamic"), blocksize: 256 });
        expect_bits(back.add(get(`${p}.nested.offset`)), get(`${p}.nested.absmax_dequantized`), "absmax dequantized");
      });

      it("the linear output with the double-quantized weight is the fixture's (fp32 accumulation)", () => {
        const [packed, qs] = F.quantize_4bit(W, { quant_type: c.quant_type, compress_statistics: true });
        const w = F.dequantize_4bit(packed, qs).float();
        const y = get(`${c.tensor}.input`).float().matmul(w.t()).add(get(`${c.tensor}.bias`).float()).to(W.dtype);
        const want = get(`${p}.nested.linear_output`);
        // summation order may move an fp32 sum by an ulp, hence a half-precision ulp of slack
        expect(torch.allclose(y.float(), want.float(), { rtol: 2 ** -10, atol: 1e-4 })).toBe(true);
      });

      it("QuantState.as_dict(packed=true) is the Linear4bit state_dict, key by key", () => {
        const sd = load_file(fixture("quant", "nf4", c.state_dict_file));
        const [packed, qs] = F.quantize_4bit(W, { quant_type: c.quant_type, compress_statistics: true });
        const d = qs.as_dict(true);
        const got: Record<string, Tensor> = { weight: packed, bias: get(`${c.tensor}.bias`) };
        for (const [k, v] of Object.entries(d)) got[`weight.${k}`] = v as Tensor;
        expect(Object.keys(got).sort()).toEqual(Object.keys(sd).sort());
        for (const k of Object.keys(sd)) expect_bits(got[k]!, sd[k]!, k);
        const json = new TextDecoder().decode(tensor_bytes(got[`weight.quant_state.bitsandbytes__${c.quant_type}`]!));
        expect(json).toBe(c.quant_state_json);
        // and back: from_dict of the checkpoint's own entries dequantizes to the fixture's values
        const qs_dict: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(sd)) if (k.startsWith("weight.")) qs_dict[k.slice(7)] = v;
        const back = F.QuantState.from_dict(qs_dict);
        expect_bits(F.dequantize_4bit(sd.weight!, back), get(`${p}.nested.dequantized`), "from_dict dequantized");
        const plain = qs.as_dict();
        expect(plain.nested_offset).toBe(c.nested_offset);
        expect([plain.blocksize, plain.dtype, plain.nested_blocksize, plain.nested_dtype]).toEqual([64, c.dtype, 256, "float32"]);
      });
    });
  }
});

describe_backends("bnb.functional 4-bit by hand", () => {
  it("a 3-value tensor: nearest NF4 codes, first value in the high nibble, padded with a 0 nibble", () => {
    const A = torch.tensor([0.5, -1, 0.25]);  // absmax 1: 0.5 -> 0.4407 (12), -1 -> 0, 0.25 -> 0.2461 (10)
    const [packed, qs] = F.quantize_4bit(A, { quant_type: "nf4" });
    expect(packed.tolist()).toEqual([[192], [160]]);
    expect(qs.absmax.tolist()).toEqual([1]);
    expect(F.dequantize_4bit(packed, qs).tolist()).toEqual([0.44070982933044434, -1, 0.24611230194568634]);
  });

  it("FP4: 0.5 of the absmax is nibble 0b101 (6/12), negatives set the sign bit", () => {
    const A = torch.tensor([[-2, 1, 0, 0.5]]);  // y = -1, 0.5, 0, 0.25 -> 0b1011, 0b0101, 0, 0b0111
    const [packed, qs] = F.quantize_4bit(A, { quant_type: "fp4" });
    expect(packed.tolist()).toEqual([[0xb5], [0x07]]);
    expect(F.dequantize_4bit(packed, qs).tolist()).toEqual([[-2, 1, 0, 0.5]]);
  });

  it("NF4: a value on a threshold (the CUDA literal as float32) takes the lower code, the next float32 the upper", () => {
    // the README's midpoints (lower|upper code) as CUDA's float literals, each decimal rounded once to
    // float32 (as a C compiler does; bits from an exact rational rounding of the decimal). Four
    // round down and four up, where rounding through float64 would go the other way.
    const mids: [number, number][] = [
      [0x3d22faff, 7], [0x3ec753f9, 11], [0x3f248daf, 13], [0x3f5c89d9, 14], [0x3f006d03, 12], [0x3e5067e0, 9],
      [0x3e9582d4, 10], [0x3df64863, 8], [0xbeadea76, 3], [0xbe0d38bc, 5], [0xbd3a7871, 6], [0xbe703cec, 4],
      [0xbf1c5270, 1], [0xbeeb8480, 2], [0xbf591cd9, 0],
    ];
    const f32 = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0]!;
    // the next float32 up: one more in magnitude above 0, one less below
    const above = (b: number) => f32(b & 0x80000000 ? b - 1 : b + 1);
    // absmax 1, so y = x exactly
    const A = torch.tensor([1, ...mids.map(([b]) => f32(b)), ...mids.map(([b]) => above(b))], { dtype: torch.float32 });
    const got = nibbles(F.quantize_4bit(A, { quant_type: "nf4" })[0], A.numel()).slice(1);
    expect(got).toEqual([...mids.map(([, lower]) => lower), ...mids.map(([, lower]) => lower + 1)]);
  });

  it("a partial last block has its own absmax (65 values, blocksize 64)", () => {
    const v = Array.from({ length: 65 }, (_, i) => (i === 64 ? 0.125 : i === 3 ? -4 : 1));
    const [packed, qs] = F.quantize_4bit(torch.tensor(v), { quant_type: "nf4" });
    expect(packed.shape).toEqual([33, 1]);
    expect(qs.absmax.tolist()).toEqual([4, 0.125]);
    // 1/4 -> 0.2461 (10); -1 -> 0; the last value is its block's max -> 1.0 (15), padded with 0
    expect(nibbles(packed, 65).slice(0, 5)).toEqual([10, 10, 10, 0, 10]);
    expect((packed.reshape(-1).tolist() as number[])[32]).toBe(0xf0);
    const d = F.dequantize_4bit(packed, qs).tolist() as number[];
    expect([d[0], d[3], d[64]]).toEqual([Math.fround(0.24611230194568634 * 4), -4, 0.125]);
  });

  it("keeps the dtype and shape of bf16 input, rounding the fp32 product once", () => {
    const A = torch.tensor([[1, -3], [0.5, 2]], { dtype: torch.bfloat16 });
    const [packed, qs] = F.quantize_4bit(A, { quant_type: "nf4", compress_statistics: true });
    const d = F.dequantize_4bit(packed, qs);
    expect(String(d.dtype)).toBe("torch.bfloat16");
    expect(d.shape).toEqual([2, 2]);
    expect(qs.as_dict().dtype).toBe("bfloat16");
  });
});

describe_backends("bnb.functional edge cases", () => {
  it("an all-zero block quantizes to nibble 0 and dequantizes to zeros, never NaN (as the CUDA kernel)", () => {
    for (const quant_type of ["nf4", "fp4"] as const) {
      const A = torch.zeros([2, 64], { dtype: torch.float16 });
      A.set([1, 0], 1);  // second block not all zero
      const [packed, qs] = F.quantize_4bit(A, { quant_type, compress_statistics: quant_type === "fp4" });
      expect(nibbles(packed, 64).every((x) => x === 0)).toBe(true);
      const d = F.dequantize_4bit(packed, qs).float().tolist() as number[][];
      expect(d[0]!.every((x) => x === 0)).toBe(true);
      expect(d[1]![0]).toBe(1);
      expect(d.flat().some(Number.isNaN)).toBe(false);
    }
  });

  it("NaN or Inf input is refused with the index", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const A = torch.tensor([1, 2, bad, 4]);
      expect(() => F.quantize_4bit(A, { quant_type: "nf4" })).toThrow(/flat index 2.*finite/);
      expect(() => F.quantize_blockwise(A)).toThrow(/finite/);
    }
  });

  it("bad quant_type, blocksize, quant_storage and dtypes name the problem", () => {
    const A = torch.ones([8]);
    expect(() => F.quantize_4bit(A, { quant_type: "int4" as "nf4" })).toThrow(/quant_type must be "nf4" or "fp4", got "int4"/);
    expect(() => F.get_4bit_type("af4" as "nf4")).toThrow(/quant_type/);
    expect(() => F.quantize_4bit(A, { blocksize: 100 })).toThrow(/blocksize must be one of 4096, .* 64.*got 100/);
    expect(() => F.quantize_blockwise(A, { blocksize: 32 })).toThrow(/blocksize/);
    expect(() => F.quantize_4bit(A, { quant_storage: torch.float32 })).toThrow(/quant_storage/);
    expect(() => F.quantize_4bit(torch.ones([4], { dtype: torch.int32 }))).toThrow(/float16, bfloat16 or float32.*int32/);
    expect(() => F.quantize_4bit(torch.ones([0]))).toThrow(/empty/);
    expect(() => F.create_dynamic_map(true, 9, 8)).toThrow(/max_exponent_bits/);
  });

  it("dequantize_4bit refuses a state that does not fit the bytes", () => {
    const [packed, qs] = F.quantize_4bit(torch.ones([10]), { quant_type: "nf4" });
    expect(() => F.dequantize_4bit(packed.reshape(-1).narrow(0, 0, 4), qs)).toThrow(/packs into 5 bytes, A has 4/);
    expect(() => F.dequantize_4bit(packed.float(), qs)).toThrow(/uint8/);
    expect(() => F.dequantize_4bit(packed, null as unknown as InstanceType<typeof F.QuantState>)).toThrow(/QuantState/);
  });
});
