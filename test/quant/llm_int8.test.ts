// LLM.int8() (bitsandbytes' int8_vectorwise_quant / int8_linear_matmul / int8_mm_dequant and
// Linear8bitLt) against ../shared/fixtures/quant/llm_int8: tensors written by bitsandbytes'
// own kernel bodies (default backend, 95f9af3). Integer tensors and SCB/SCA must match exactly,
// and so do the fp16 outputs: the fixture README allows 1 fp16 ulp for the outlier addmm's fp32
// summation order, but the in-order sum used here reproduces every bit, so the tests ask for 0.
import { describe, expect, it } from "vitest";
import { bnb, nn, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

const F = bnb.functional;
const fx = load_file(fixture("quant", "llm_int8", "llm_int8.safetensors"));
const expected = fixture_json<{
  threshold: number; X_shape: number[]; W_shape: number[]; outlier_cols: number[]; planted_columns: number[];
  near_threshold_columns_not_outliers: number[]; state_dict_keys_Linear8bitLt: Record<string, string>;
}>("quant", "llm_int8", "expected.json");

function t(name: string): Tensor {
  const x = fx[name];
  if (!x) throw new Error(`fixture tensor ${name} missing from llm_int8.safetensors`);
  return x;
}

/** The raw element bits (fp16 as uint16, ints as themselves, fp32 via its bit pattern). */
function bits(x: Tensor): number[] {
  const c = x.contiguous();
  const d = c._data.subarray(c._offset, c._offset + c.numel());
  if (d instanceof Float32Array) return Array.from(new Uint32Array(Float32Array.from(d).buffer));
  if (d instanceof BigInt64Array) return Array.from(d, Number);
  return Array.from(d as ArrayLike<number>);
}

/** Largest distance in fp16 ulps (ordered bit patterns; same sign assumed near each other). */
function max_ulp_f16(got: Tensor, want: Tensor): number {
  expect(got.dtype).toBe(torch.float16);
  expect(got.shape).toEqual(want.shape);
  const ord = (b: number): number => (b & 0x8000 ? -(b & 0x7fff) : b);
  const g = bits(got), w = bits(want);
  return g.reduce((m, b, i) => Math.max(m, Math.abs(ord(b) - ord(w[i]!))), 0);
}

const [B, T, IN] = expected.X_shape as [number, number, number];
const OUT = expected.W_shape[0]!;

describe_backends("bnb.functional LLM.int8() pieces vs bitsandbytes", () => {
  it("int8_vectorwise_quant(W) gives the weight's CB (int8) and SCB (fp32 row absmax) exactly", () => {
    const [CB, SCB, cols] = F.int8_vectorwise_quant(t("W"));
    expect(CB.dtype).toBe(torch.int8);
    expect(SCB.dtype).toBe(torch.float32);
    expect(cols).toBeNull();
    expect(bits(CB)).toEqual(bits(t("CB")));
    expect(bits(SCB)).toEqual(bits(t("SCB")));
  });

  it("int8_vectorwise_quant(X, 6.0) gives CA, SCA and outlier_cols exactly (rows = tokens)", () => {
    const [CA, SCA, cols] = F.int8_vectorwise_quant(t("X"), expected.threshold);
    expect(CA.shape).toEqual([B * T, IN]);
    expect(bits(CA)).toEqual(bits(t("CA")));
    expect(bits(SCA)).toEqual(bits(t("SCA")));
    expect(cols!.dtype).toBe(torch.int64);
    expect(cols!.tolist()).toEqual(t("outlier_cols").tolist());
    expect(cols!.tolist()).toEqual(expected.outlier_cols);
  });

  it("finds the planted columns (100 holds exactly 6.0) and not the near-threshold 5.99 column", () => {
    const [, , cols] = F.int8_vectorwise_quant(t("X"), 6.0);
    const got = cols!.tolist() as number[];
    for (const c of expected.planted_columns) expect(got).toContain(c);
    for (const c of expected.near_threshold_columns_not_outliers) expect(got).not.toContain(c);
    const X = t("X").reshape(-1, IN);
    expect((X.get(":", 100).abs().max().item())).toBe(6);
    expect(X.get(":", 64).abs().max().item()).toBeLessThan(6);
    expect(X.get(":", 64).abs().max().item()).toBeGreaterThan(5.98);
  });

  it("int8_linear_matmul(CA, CB) is out_i32 exactly", () => {
    const out = F.int8_linear_matmul(t("CA"), t("CB"));
    expect(out.dtype).toBe(torch.int32);
    expect(out.shape).toEqual([B * T, OUT]);
    expect(bits(out)).toEqual(bits(t("out_i32")));
  });

  it("int8_mm_dequant(out_i32, SCA, SCB, bias) is int8_part bit for bit", () => {
    const part = F.int8_mm_dequant(t("out_i32"), t("SCA"), t("SCB"), t("bias"));
    expect(part.dtype).toBe(torch.float16);
    expect(bits(part)).toEqual(bits(t("int8_part")));
    // the options-object form
    expect(bits(F.int8_mm_dequant(t("out_i32"), t("SCA"), t("SCB"), { bias: t("bias") }))).toEqual(bits(t("int8_part")));
  });

  it("the outlier part: subA = X[:, cols] and subB = fp16(dequant(CB[:, cols], SCB))ᵀ exactly", () => {
    const cols = t("outlier_cols");
    expect(bits(t("X").reshape(-1, IN).index_select(1, cols))).toEqual(bits(t("subA")));
    const subB = F.int8_vectorwise_dequant(t("CB").index_select(1, cols), t("SCB")).half().T;
    expect(bits(subB)).toEqual(bits(t("subB")));
  });

  it("int8_vectorwise_dequant(CB, SCB) is weight_dequantized (CB·SCB/127 in fp32)", () => {
    const deq = F.int8_vectorwise_dequant(t("CB"), t("SCB"));
    expect(deq.dtype).toBe(torch.float32);
    expect(bits(deq)).toEqual(bits(t("weight_dequantized")));
  });

  it("the course's absmax example: [3.5, 5.1, -5.8, 4.8] -> [77, 112, -127, 105]", () => {
    const [CA, SCA] = F.int8_vectorwise_quant(torch.tensor([[3.5, 5.1, -5.8, 4.8]], { dtype: torch.float16 }));
    expect(CA.tolist()).toEqual([[77, 112, -127, 105]]);
    expect(SCA.tolist()).toEqual([5.80078125]);  // fp16(5.8)
  });

  it("planted outliers: exactly 6.0 is one, 5.99 is not; whole columns are zeroed, the row absmax skips them", () => {
    const A = torch.tensor([[6.0, 5.99, 1.0, -2.0], [0.5, 1.0, -6.5, 3.0], [1.0, 2.0, 0.25, -0.5]], { dtype: torch.float16 });
    const [CA, SCA, cols] = F.int8_vectorwise_quant(A, 6.0);
    expect(cols!.tolist()).toEqual([0, 2]);
    // row 0: absmax 5.98828125 (fp16 of 5.99) once 6.0 is removed; row 1: 3.0 without -6.5
    expect(SCA.tolist()).toEqual([5.98828125, 3, 2]);
    expect(CA.tolist()).toEqual([[0, 127, 0, -42], [0, 42, 0, 127], [0, 127, 0, -32]]);
    // one row: only the outlier elements are zero (no column zeroing)
    const [CA1, , cols1] = F.int8_vectorwise_quant(A.get("0:1"), 6.0);
    expect(cols1!.tolist()).toEqual([0]);
    expect(CA1.tolist()).toEqual([[0, 127, 21, -42]]);
    // no outliers: an empty int64 list, not null
    const [, , none] = F.int8_vectorwise_quant(A.get("2:3"), 6.0);
    expect(none!.dtype).toBe(torch.int64);
    expect(none!.shape).toEqual([0]);
  });

  it("an all-zero row (or one that holds only outliers) gives CA 0 and SCA 0, no NaN", () => {
    const A = torch.tensor([[0, 0, 0], [7, 0, -8], [1, 2, 4]], { dtype: torch.float16 });
    const [CA, SCA] = F.int8_vectorwise_quant(A, 6.0);
    expect(SCA.tolist()).toEqual([0, 0, 4]);
    expect(CA.tolist()).toEqual([[0, 0, 0], [0, 0, 0], [0, 64, 0]]);
    const [CA0, SCA0] = F.int8_vectorwise_quant(torch.zeros(2, 3, { dtype: torch.float16 }));
    expect(SCA0.tolist()).toEqual([0, 0]);
    expect(CA0.tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  it("int32 accumulation is exact where fp32 would round (|sum| > 2^24)", () => {
    const k = 2048;
    const a = torch.full([1, k], 127, { dtype: torch.int8 });
    const out = F.int8_linear_matmul(a, torch.full([1, k], 127, { dtype: torch.int8 }));
    expect(out.item()).toBe(127 * 127 * k);  // 33,032,192 is not a float32
    expect(Math.fround(127 * 127 * k + 1)).not.toBe(127 * 127 * k + 1);
  });

  it("bad input: NaN/Inf, wrong dtypes and shapes name the problem", () => {
    const nan = torch.tensor([[1, NaN]], { dtype: torch.float16 });
    expect(() => F.int8_vectorwise_quant(nan)).toThrow(/NaN\/Inf/);
    expect(() => F.int8_vectorwise_quant(nan, 6.0)).toThrow(/A\[0, 1\].*NaN/);
    expect(() => F.int8_vectorwise_quant(torch.tensor([[1, Infinity]], { dtype: torch.float16 }))).toThrow(/Inf/);
    // with a threshold, ±Inf is an outlier (its column goes through the fp16 part, as in bitsandbytes)
    const [, SCA, cols] = F.int8_vectorwise_quant(torch.tensor([[1, Infinity], [2, 3]], { dtype: torch.float16 }), 6.0);
    expect(cols!.tolist()).toEqual([1]);
    expect(SCA.tolist()).toEqual([1, 3]);
    expect(() => F.int8_vectorwise_quant(torch.ones(2, 2))).toThrow(/must be torch.float16.*\.half\(\)/);
    expect(() => F.int8_vectorwise_quant(torch.ones(2, 2).half(), -1)).toThrow(/threshold/);
    expect(() => F.int8_linear_matmul(t("CA"), t("CB").get(":", "0:64"))).toThrow(/last dim \(128\) must equal B's second dim \(64\)/);
    expect(() => F.int8_linear_matmul(t("CA").float(), t("CB"))).toThrow(/A must be torch.int8/);
    expect(() => F.int8_mm_dequant(t("out_i32"), t("SCA").get("0:4"), t("SCB"))).toThrow(/row_stats.*16/);
    expect(() => F.int8_mm_dequant(t("out_i32"), t("SCA"), t("SCB"), t("bias").get("0:3"))).toThrow(/bias must hold 96/);
    expect(() => F.int8_mm_dequant(t("out_i32").float(), t("SCA"), t("SCB"))).toThrow(/A must be torch.int32/);
    expect(() => F.int8_vectorwise_dequant(t("CB"), t("SCA"))).toThrow(/one value per row of A \(96\)/);
  });
});

function fixture_linear(): nn.Linear {
  const lin = new nn.Linear(IN, OUT, true, { dtype: torch.float16 });
  lin.weight.copy_(t("W"));
  lin.bias!.copy_(t("bias"));
  return lin;
}

describe_backends("bnb.nn.Linear8bitLt vs bitsandbytes", () => {
  it("from_linear quantizes to CB/SCB; forward(X) is the fixture's output (threshold 6.0)", () => {
    const layer = bnb.nn.Linear8bitLt.from_linear(fixture_linear());
    expect(layer.weight.dtype).toBe(torch.int8);
    expect(bits(layer.weight)).toEqual(bits(t("CB")));
    expect(bits(layer.SCB!)).toEqual(bits(t("SCB")));
    expect(layer.weight.SCB).toBe(layer.SCB);
    expect(layer.weight.requires_grad).toBe(false);
    const y = layer(t("X")) as Tensor;
    expect(y.shape).toEqual([B, T, OUT]);
    expect(max_ulp_f16(y, t("output"))).toBe(0);
    // it is genuinely the decomposed output, not the plain int8 one
    expect(max_ulp_f16(y, t("output_no_decomposition"))).toBeGreaterThan(1);
  });

  it("threshold 0 is plain vector-wise int8: output_no_decomposition", () => {
    const layer = bnb.nn.Linear8bitLt.from_linear(fixture_linear(), { threshold: 0 });
    const y = layer(t("X")) as Tensor;
    expect(max_ulp_f16(y, t("output_no_decomposition"))).toBe(0);
  });

  it("loading fp16 weights, then quantize() (Int8Params._quantize), gives the same layer", () => {
    const layer = new bnb.nn.Linear8bitLt(IN, OUT, true, { has_fp16_weights: false, threshold: 6.0 });
    expect(Object.keys(layer.state_dict())).toEqual(["weight", "bias"]);
    layer.load_state_dict({ weight: t("W"), bias: t("bias") });
    // not quantized yet: forward quantizes on the fly, as bitsandbytes' MatMul8bitLt does
    expect(max_ulp_f16(layer(t("X")) as Tensor, t("output"))).toBe(0);
    layer.quantize();
    expect(bits(layer.weight)).toEqual(bits(t("CB")));
    const sd = layer.state_dict();
    // bitsandbytes' 8-bit checkpoint layout: weight (CB int8), bias, SCB (fp32), weight_format (uint8 0)
    expect(Object.keys(sd)).toEqual(["weight", "bias", "SCB", "weight_format"]);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(expected.state_dict_keys_Linear8bitLt).sort());
    expect(sd.weight!.dtype).toBe(torch.int8);
    expect(sd.SCB!.dtype).toBe(torch.float32);
    expect(sd.SCB!.shape).toEqual([OUT]);
    expect(sd.weight_format!.dtype).toBe(torch.uint8);
    expect(sd.weight_format!.shape).toEqual([]);
    expect(sd.weight_format!.item()).toBe(0);
    expect(max_ulp_f16(layer(t("X")) as Tensor, t("output"))).toBe(0);
  });

  it("loads bitsandbytes' 8-bit state dict (weight=CB, SCB, weight_format, bias)", () => {
    const int8 = { has_fp16_weights: false, threshold: 6.0 };
    const layer = new bnb.nn.Linear8bitLt(IN, OUT, true, int8);
    layer.load_state_dict({ weight: t("CB"), SCB: t("SCB"), weight_format: torch.tensor(0, { dtype: torch.uint8 }), bias: t("bias") });
    expect(max_ulp_f16(layer(t("X")) as Tensor, t("output"))).toBe(0);
    expect(() => layer.load_state_dict({ weight: t("W"), bias: t("bias") })).toThrow(/already quantized/);
    const fresh = new bnb.nn.Linear8bitLt(IN, OUT, true, int8);
    expect(() => fresh.load_state_dict({ weight: t("CB"), SCB: t("SCB"), weight_format: torch.tensor(1, { dtype: torch.uint8 }), bias: t("bias") }))
      .toThrow(/weight_format 1 is not supported/);
    expect(() => fresh.load_state_dict({ weight: t("CB").get("0:8"), SCB: t("SCB"), bias: t("bias") })).toThrow(/weight int8 \[96, 128\]/);
    expect(() => fresh.load_state_dict({ weight: t("CB"), SCB: t("SCB").half(), bias: t("bias") })).toThrow(/SCB float32/);
    expect(fresh.weight.dtype).not.toBe(torch.int8);  // nothing was written by the failed loads
  });

  it("constructs with bitsandbytes' defaults: has_fp16_weights true, threshold 0", () => {
    const layer = new bnb.nn.Linear8bitLt(4, 2);
    expect(layer.state).toEqual({ threshold: 0, has_fp16_weights: true });
    expect(layer.quantize().weight.dtype).toBe(torch.float32);
    expect(bnb.nn.Linear8bitLt.from_linear(new nn.Linear(4, 2)).state).toEqual({ threshold: 6, has_fp16_weights: false });
  });

  it("SCB stays float32 under model.half(), as an Int8Params attribute does in bitsandbytes", () => {
    const layer = bnb.nn.Linear8bitLt.from_linear(fixture_linear());
    layer.half();
    expect(layer.SCB!.dtype).toBe(torch.float32);
    expect(bits(layer.SCB!)).toEqual(bits(t("SCB")));
    expect(layer.weight.dtype).toBe(torch.int8);
  });

  it("an all-zero input row gives bias (no NaN); bad input names the problem", () => {
    const layer = bnb.nn.Linear8bitLt.from_linear(fixture_linear());
    const y = layer(torch.zeros(1, 2, IN, { dtype: torch.float16 })) as Tensor;
    expect(bits(y.get(0, 0))).toEqual(bits(t("bias")));
    expect(bits(y.get(0, 1))).toEqual(bits(t("bias")));
    expect(() => layer(torch.ones(2, IN + 1, { dtype: torch.float16 }))).toThrow(/in_features = 128.*\[2, 129\]/);
    expect(() => layer(torch.ones(2, IN, { dtype: torch.int32 }))).toThrow(/float input/);
    expect(() => new bnb.nn.Linear8bitLt(0, 4)).toThrow(/input_features/);
    expect(() => new bnb.nn.Linear8bitLt(4, 4, true, { threshold: -1 })).toThrow(/threshold/);
    const nan = torch.ones(1, IN, { dtype: torch.float16 });
    nan.set([0, 3], NaN);
    expect(() => layer(nan)).toThrow(/NaN\/Inf/);
  });
});
