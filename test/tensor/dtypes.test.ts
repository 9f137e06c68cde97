// torch's dtype facts and conversions, against ../shared/fixtures/quant/dtypes (PyTorch 1.13).
import { describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { f32_bits } from "../../kernel/tensor/half.js";
import { format_fixed } from "../../kernel/tensor/print.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { fixture, fixture_json, num } from "../helpers/fixtures.js";

const expected = fixture_json("quant", "dtypes", "expected.json");

// The raw bit patterns of a tensor's elements (16-bit floats as stored, f32 via its bits).
function bits(t: Tensor): number[] {
  const c = t.contiguous();
  if (c.dtype === torch.float32) return Array.from(c._data as Float32Array, (x) => f32_bits(x));
  return Array.from(c._data as Uint16Array);
}

describe("iinfo", () => {
  for (const [name, info] of Object.entries<any>(expected.iinfo)) {
    it(name, () => {
      const ii = torch.iinfo(torch[name as "int8"]);
      expect(ii.bits).toBe(info.bits);
      expect(String(ii.min)).toBe(info.min_str);
      expect(String(ii.max)).toBe(info.max_str);
      expect(ii.dtype).toBe(name);
    });
  }
  it("rejects floating types, naming finfo", () => {
    expect(() => torch.iinfo(torch.float32)).toThrow(/finfo/);
  });
});

describe("finfo", () => {
  for (const [name, info] of Object.entries<any>(expected.finfo)) {
    it(name, () => {
      const fi = torch.finfo(torch[name as "float16"]);
      for (const field of ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"] as const) {
        expect(fi[field], field).toBe(info[field]);
      }
      expect(String(fi)).toBe(info.repr);
    });
  }
});

describe_backends("conversions from float64", () => {
  const cases = expected.conversions_from_float64 as any[];
  for (const c of cases) {
    it(c.name, () => {
      const x = torch.tensor([num(c.input)], { dtype: torch.float64 });
      for (const dt of ["float32", "float16", "bfloat16"] as const) {
        const y = x.to(torch[dt]);
        expect(bits(y)[0], `${dt} bits`).toBe(Number(c[dt].bits));
        const v = y.item() as number;
        if (Number.isFinite(v)) expect(format_fixed(v, 60), `${dt} 60f`).toBe(c[dt].value_60f);
      }
    });
  }
  for (const file of ["conversions", "random_conversions"]) {
    it(`${file}.safetensors: every element, from float64 and from float32`, () => {
      const t = load_file(fixture("quant", "dtypes", `${file}.safetensors`));
      const x = t.input_f64!;
      expect(bits(x.to(torch.float32))).toEqual(bits(t.to_f32!));
      expect(bits(x.to(torch.float16))).toEqual(bits(t.to_f16!));
      expect(bits(x.to(torch.bfloat16))).toEqual(bits(t.to_bf16!));
      const x32 = x.to(torch.float32);
      expect(bits(x32.to(torch.float16))).toEqual(bits(t.f32_to_f16!));
      expect(bits(x32.to(torch.bfloat16))).toEqual(bits(t.f32_to_bf16!));
    });
  }
});

describe_backends("float32 -> integer casts", () => {
  it("truncate into int32, then keep the low bits (every fixture case)", () => {
    const t = load_file(fixture("quant", "dtypes", "casts.safetensors"));
    for (const dt of ["int8", "uint8", "int16", "int32"] as const) {
      expect(t.input_f32!.to(torch[dt]).tolist(), dt).toEqual(t[`to_${dt}`]!.tolist());
    }
    for (const c of expected.float32_to_int_casts as any[]) {
      const x = torch.tensor([num(c.input_f32)], { dtype: torch.float32 });
      for (const dt of ["int8", "uint8", "int16", "int32"] as const) expect(x.to(torch[dt]).item(), `${c.input_f32} -> ${dt}`).toBe(c[dt]);
    }
  });
});

describe_backends("torch.round", () => {
  it("rounds half to even in float32, float16 and bfloat16, bit for bit", () => {
    const t = load_file(fixture("quant", "dtypes", "round.safetensors"));
    for (const s of ["f32", "f16", "bf16"]) {
      expect(bits(torch.round(t[`input_${s}`]!)), s).toEqual(bits(t[`round_${s}`]!));
    }
  });
});

describe_backends("the course's dot product", () => {
  it("torch.rand(1000) after manual_seed(0) is the fixture's vector; fp32 dot within 1e-6; bf16 dot accumulates in fp32", () => {
    const t = load_file(fixture("quant", "dtypes", "dot.safetensors"));
    const d = expected.dot;
    torch.manual_seed(d.seed);
    const a = torch.rand(1000);
    expect(bits(a)).toEqual(bits(t.a_fp32!));
    const dot32 = torch.dot(a, a).item() as number;
    expect(Math.abs(dot32 - d.dot_fp32) / d.dot_fp32).toBeLessThan(1e-6);
    const ab = a.to(torch.bfloat16);
    expect(bits(ab)).toEqual(bits(t.a_bf16!));
    const dotb = torch.dot(ab, ab);
    expect(dotb.dtype).toBe(torch.bfloat16);
    // PyTorch 2: fp32 accumulation, one rounding (not torch 1.13's bf16 accumulation, 256.0)
    expect(dotb.item()).toBe(d.dot_bf16_fp32_accumulate);
  });
});
