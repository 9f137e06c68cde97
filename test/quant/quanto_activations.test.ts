// optimum-quanto's activation quantization against test/fixtures/torch/quanto_activations.json
// (gen/gen_quanto_activations.py: quanto's rules re-implemented in plain torch 1.13, float32 CPU):
// quantize_activation's codes and values (ties, clamping, ±Inf, a zero scale), absmax_scale,
// QLinear forwards with qint8 activations (qint8 weights through the int8 product, qint4/qint2
// weights through the dequantized input, 1×N / N×1 layers, all-zero weight rows and groups),
// Calibration's momentum rules, QLayerNorm, and a LayerNorm → Linear → GELU → Linear model
// calibrated with and without streamline.
import { describe, expect, it } from "vitest";
import { nn, quanto, torch, Tensor } from "../../kernel/index.js";
import { describe_backends } from "../helpers/backends.js";
import { decode, EncTensor, mismatch, torch_fixture } from "../helpers/torch_ref.js";

interface QAct { codes: EncTensor; scale: EncTensor; dequantized: EncTensor }
interface QLinearCase {
  name: string; weights: "qint8" | "qint4" | "qint2"; in_features: number; out_features: number; group_size: number | null;
  weight: EncTensor; bias: EncTensor | null; input: EncTensor; input_scale: EncTensor; output_scale: EncTensor;
  weight_codes: EncTensor; weight_scale: EncTensor; dequantized_weight: EncTensor; input_codes: EncTensor;
  output_float: EncTensor; output: QAct; acc?: EncTensor; weights_only_output: EncTensor;
}
interface Scales { input_scale: EncTensor; output_scale: EncTensor }
interface Fixture {
  quantize_activation: ({ name: string; input: EncTensor } & QAct)[];
  absmax_scale: { input: EncTensor; axis: number | null; scale: EncTensor }[];
  qlinear: QLinearCase[];
  calibration: { momentum: number; weight: EncTensor; bias: EncTensor; batches: EncTensor[]; steps: (Scales & { output: QAct })[] };
  qlayernorm: { weight: EncTensor; bias: EncTensor; eps: number; input: EncTensor; output_scale: EncTensor; output_float: EncTensor; output: QAct };
  model: {
    params: Record<string, EncTensor>; batches: EncTensor[]; final_input: EncTensor;
    runs: { streamline: boolean; steps: Record<string, Scales>[]; output: QAct | { float: EncTensor } }[];
  };
}

const F = torch_fixture<Fixture>("quanto_activations");

function same(actual: Tensor, expected: EncTensor, what: string, tol = {}): void {
  expect(mismatch(actual, expected, tol), what).toBeNull();
}

function expect_qact(t: Tensor, want: QAct, what: string): asserts t is quanto.ActivationQBytesTensor {
  expect(t, what).toBeInstanceOf(quanto.ActivationQBytesTensor);
  const q = t as quanto.ActivationQBytesTensor;
  same(q.int_repr(), want.codes, `${what}: codes`);
  same(q._scale, want.scale, `${what}: scale`);
  // values are scale · code, one float32 product each: exact
  same(q, want.dequantized, `${what}: values`);
  same(q.dequantize(), want.dequantized, `${what}: dequantize()`);
}

function linear_of(c: { weight: EncTensor; bias: EncTensor | null }): nn.Linear {
  const w = decode(c.weight);
  const lin = new nn.Linear(w.shape[1]!, w.shape[0]!, c.bias !== null);
  lin.weight.copy_(w);
  if (c.bias) lin.bias!.copy_(decode(c.bias));
  return lin;
}

describe("quantize_activation and absmax_scale", () => {
  for (const c of F.quantize_activation) {
    it(`${c.name}: codes and values as quanto's quantize_symmetric`, () => {
      const x = decode(c.input);
      const scale = c.name.endsWith("absmax") ? quanto.absmax_scale(x) : decode(c.scale);
      same(scale, c.scale, "scale");
      const q = quanto.quantize_activation(x, { qtype: quanto.qint8, scale });
      expect_qact(q, c, c.name);
      expect(q.qtype).toBe(quanto.qint8);
      expect(q.axis).toBeNull();
      expect(String(q.dtype)).toBe("torch.float32");
    });
  }

  it("absmax_scale per tensor and along an axis", () => {
    for (const c of F.absmax_scale) same(quanto.absmax_scale(decode(c.input), quanto.qint8, c.axis), c.scale, `axis ${c.axis}`);
  });

  it("a quantized activation prints as quanto's and reads as its values in any op", () => {
    const q = quanto.quantize_activation(torch.tensor([0.5, -1.0]), { qtype: "qint8", scale: torch.tensor(0.5) });
    expect(String(q)).toBe("ActivationQBytesTensor(tensor([ 1, -2], dtype=torch.int8), scale=tensor(0.5000), dtype=torch.float32)");
    const sum = q.add(1);
    expect(sum).not.toBeInstanceOf(quanto.ActivationQBytesTensor);
    expect(sum.tolist()).toEqual([1.5, 0]);
  });
});

// the int8 product and the float kernels run on every backend
describe_backends("QLinear with activations: qint8", () => {
  for (const c of F.qlinear) {
    it(`${c.name} (${c.weights} weights${c.group_size ? `, groups of ${c.group_size}` : ""}): input codes, product, output codes`, () => {
      const q = quanto.QLinear.from_module(linear_of(c), { weights: c.weights, activations: quanto.qint8 });
      expect(q.weight_group_size).toBe(c.group_size);
      q.input_scale = decode(c.input_scale);
      q.output_scale = decode(c.output_scale);
      const x = decode(c.input);
      same(quanto.quantize_activation(x, { qtype: quanto.qint8, scale: q.input_scale }).int_repr(), c.input_codes, "input codes");
      for (const frozen of [false, true]) {
        if (frozen) q.freeze();
        const out = q(x) as Tensor;
        if (c.weights === "qint8") {
          // int32 sums of the codes, one float32 product by the combined scale, one bias add:
          // every step exact in IEEE arithmetic, so the result is torch's bit for bit
          expect_qact(out, c.output, `${frozen ? "frozen" : "unfrozen"} output`);
        } else {
          // x_dq @ W_dqᵀ is a float32 matmul whose summation order differs from torch's; a sum
          // within ~1e-6 relative can only move a code across a rounding tie, which this input
          // does not come near (the codes match), so the values match too
          expect(out).toBeInstanceOf(quanto.ActivationQBytesTensor);
          same((out as quanto.ActivationQBytesTensor).int_repr(), c.output.codes, "output codes");
          same(out, c.output.dequantized, "output values");
        }
      }
      const w = q.weight as quanto.WeightQBytesTensor | quanto.WeightQBitsTensor;
      same(w._scale, c.weight_scale, "weight scale");
      same(w.dequantize(), c.dequantized_weight, "dequantized weight (no NaN for all-zero rows or groups)");
      same(w instanceof quanto.WeightQBitsTensor ? w._data.unpack() : w._data, c.weight_codes, "weight codes");
    });
  }

  it("the same layers with weights only (activations: null): 1×N, N×1, all-zero rows and groups give no NaN", () => {
    for (const c of F.qlinear) {
      const q = quanto.QLinear.from_module(linear_of(c), { weights: c.weights, activations: null });
      quanto.freeze(new nn.Sequential(q));
      const w = q.weight as quanto.WeightQBytesTensor | quanto.WeightQBitsTensor;
      same(w.dequantize(), c.dequantized_weight, `${c.name}: dequantized weight`);
      const x = decode(c.input);
      // a float32 matmul summed in another order than torch's: within 1e-6 of |x| @ |W_dq|ᵀ + |b|
      const terms = nn.functional.linear(x.abs(), decode(c.dequantized_weight).abs(), c.bias ? decode(c.bias).abs() : null);
      same(q(x) as Tensor, c.weights_only_output, `${c.name}: output`, { rtol: 1e-6, scale: terms.reshape(-1).tolist() as number[] });
    }
  });

  it("qbytes_mm: the int32 product of the codes times the combined scales", () => {
    const c = F.qlinear.find((k) => k.name === "int8_24x10")!;
    const codes = decode(c.input_codes), wcodes = decode(c.weight_codes);
    same(quanto.qbytes_mm(codes, wcodes, torch.ones([c.out_features, 1])), { ...c.acc!, dtype: "float32" }, "unit scales give the int32 sums");
  });

  it("the float output of the product, before output quantization (disable_output_quantization)", () => {
    for (const c of F.qlinear) {
      const q = quanto.QLinear.from_module(linear_of(c), { weights: c.weights, activations: quanto.qint8 });
      q.input_scale = decode(c.input_scale);
      q.disable_output_quantization();
      const x = decode(c.input);
      const out = q(x) as Tensor;
      expect(out, c.name).not.toBeInstanceOf(quanto.ActivationQBytesTensor);
      if (c.weights === "qint8") {
        same(out, c.output_float, c.name);
      } else {
        // a float32 sum of in_features products in another order than torch's: within 1e-6 of
        // the magnitude of its terms, |x_dq| @ |W_dq|ᵀ + |b| (a result near 0 may differ more
        // relative to itself)
        const xq = quanto.quantize_activation(x, { qtype: quanto.qint8, scale: q.input_scale });
        const terms = nn.functional.linear(xq.abs(), decode(c.dequantized_weight).abs(), c.bias ? decode(c.bias).abs() : null);
        same(out, c.output_float, c.name, { rtol: 1e-6, scale: terms.reshape(-1).tolist() as number[] });
      }
    }
  });
});

describe("Calibration", () => {
  it("a lone QLinear over four batches: first batch taken as is, then input scales blend with 0.9 and output scales with the momentum", () => {
    const c = F.calibration;
    const q = quanto.QLinear.from_module(linear_of(c), { weights: quanto.qint8, activations: "qint8" });
    const cal = quanto.Calibration({ momentum: c.momentum });
    c.batches.forEach((b, i) => {
      const out = cal.run(() => q(decode(b))) as Tensor;
      // every step is one IEEE operation on the same float32 operands as torch's: exact
      same(q.input_scale, c.steps[i]!.input_scale, `batch ${i}: input_scale`);
      same(q.output_scale, c.steps[i]!.output_scale, `batch ${i}: output_scale`);
      expect_qact(out, c.steps[i]!.output, `batch ${i}: output`);
    });
  });

  it("run returns the callback's value, async too, and removes its hooks even on error", async () => {
    const q = quanto.QLinear.from_module(new nn.Linear(4, 2), { weights: quanto.qint8, activations: quanto.qint8 });
    const x = torch.randn([3, 4]);
    expect(new quanto.Calibration().run(() => 42)).toBe(42);
    const p = quanto.Calibration().run(async () => q(x));
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBeInstanceOf(quanto.ActivationQBytesTensor);
    const s = q.input_scale.item();
    q(torch.randn([3, 4]).mul(10));
    expect(q.input_scale.item()).toBe(s);  // no hook left behind
    expect(() => quanto.Calibration().run(() => { q(x.mul(3)); throw new Error("boom"); })).toThrow("boom");
    const s2 = q.input_scale.item();
    expect(s2).not.toBe(s);
    q(x.mul(100));
    expect(q.input_scale.item()).toBe(s2);
    await expect(quanto.Calibration().run(async () => { throw new Error("async boom"); })).rejects.toThrow("async boom");
    q(x.mul(100));
    expect(q.input_scale.item()).toBe(s2);
  });

  it("an input that is already quantized hands its scale over; a different qtype is refused", () => {
    const q = quanto.QLinear.from_module(new nn.Linear(4, 2), { weights: quanto.qint8, activations: quanto.qint8 });
    const xq = quanto.quantize_activation(torch.tensor([[0.5, -1, 0.25, 2]]), { qtype: quanto.qint8, scale: torch.tensor(0.03125) });
    quanto.Calibration().run(() => q(xq));
    expect(q.input_scale.item()).toBe(0.03125);
    const codes = xq.int_repr().clamp(-8, 7);
    const q4 = new quanto.ActivationQBytesTensor(quanto.qint4, codes, torch.tensor(0.25));
    expect(() => q(q4)).toThrow("Models with heterogeneous quantized activations are not supported: expected qint8 input but got qint4 instead");
  });

  it("refuses NaN and ±Inf ranges, naming the layer; momentum is checked", () => {
    const m = new nn.Sequential(new nn.Linear(4, 3));
    quanto.quantize(m, { weights: quanto.qint8, activations: quanto.qint8 });
    expect(() => quanto.Calibration().run(() => m(torch.tensor([[1, Infinity, 0, 0]])))).toThrow(/the input of "0" \(QLinear\) holds ±Inf/);
    expect(() => quanto.Calibration().run(() => m(torch.tensor([[1, NaN, 0, 0]])))).toThrow(/the input of "0" \(QLinear\) holds NaN/);
    expect(() => quanto.Calibration({ momentum: 1.5 })).toThrow(/momentum must be a number in \[0, 1\]/);
    // outside Calibration a NaN activation is refused too (quanto would store it as code 0)
    expect(() => m(torch.tensor([[1, NaN, 0, 0]]))).toThrow(/holds NaN/);
  });

  it("an all-zero batch gives a zero scale and zero outputs, no NaN", () => {
    const q = quanto.QLinear.from_module(new nn.Linear(4, 3), { weights: quanto.qint8, activations: quanto.qint8 });
    const out = quanto.Calibration().run(() => q(torch.zeros([2, 4]))) as quanto.ActivationQBytesTensor;
    expect(q.input_scale.item()).toBe(0);
    expect(out.isnan().any().item()).toBe(false);
    const after = q(torch.ones([2, 4])) as Tensor;  // a zero input scale: every value dequantizes to 0
    expect(after.isnan().any().item()).toBe(false);
  });

  it("debug prints each quantized child's output scale", () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());
    quanto.quantize(m, { weights: quanto.qint8, activations: quanto.qint8 });
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => { lines.push(s); };
    try {
      quanto.Calibration({ debug: true }).run(() => m(torch.ones([1, 4])));
    } finally {
      console.log = log;
    }
    const scale = (m.get_submodule("0") as quanto.QLinear).output_scale;
    expect(lines).toEqual([`0(QLinear) activations are quantized to quanto.qint8 with scale ${scale}.`]);
  });
});

describe("QLayerNorm", () => {
  it("quantizes its output with output_scale; weight and bias stay float", () => {
    const c = F.qlayernorm;
    const ln = new nn.LayerNorm(16, { eps: c.eps });
    ln.weight!.copy_(decode(c.weight));
    ln.bias!.copy_(decode(c.bias));
    const q = quanto.QLayerNorm.from_module(ln, { activations: quanto.qint8 })!;
    expect(String(q)).toBe("QLayerNorm((16,), eps=1e-05, elementwise_affine=True)");
    expect(q.weight).toBe(ln.weight);
    q.output_scale = decode(c.output_scale);
    const x = decode(c.input);
    const out = q(x) as quanto.ActivationQBytesTensor;
    // layer_norm's float32 reductions may differ from torch's in the last bit, which only matters
    // at a rounding tie; none is near on this input, so the codes match
    expect(out).toBeInstanceOf(quanto.ActivationQBytesTensor);
    same(out.int_repr(), c.output.codes, "codes");
    same(out, c.output.dequantized, "values");
    // its input is not quantized: a QLinear then gets the quantized output as it is
    expect(quanto.QLayerNorm.from_module(ln)).toBeNull();
    expect(Object.keys(q.state_dict())).toEqual(["weight", "bias", "input_scale", "output_scale"]);
  });
});

describe_backends("a calibrated LayerNorm → Linear → GELU → Linear model", () => {
  const M = F.model;
  function model(): nn.Sequential {
    const m = new nn.Sequential(new nn.LayerNorm(16), new nn.Linear(16, 32), new nn.GELU(), new nn.Linear(32, 8));
    for (const [k, v] of Object.entries(M.params)) (m.get_parameter(k) as Tensor).copy_(decode(v));
    return m;
  }

  for (const run of M.runs) {
    it(`streamline ${run.streamline}: scales after each batch and the final forward`, () => {
      const m = model();
      quanto.quantize(m, { weights: quanto.qint8, activations: quanto.qint8 });
      expect(m.get_submodule("0")).toBeInstanceOf(quanto.QLayerNorm);
      const cal = quanto.Calibration({ momentum: 0.9, streamline: run.streamline });
      M.batches.forEach((b, i) => {
        cal.run(() => m(decode(b)));
        for (const [name, want] of Object.entries(run.steps[i]!)) {
          const q = m.get_submodule(name) as quanto.QLinear;
          // LayerNorm and GELU are float32 ops whose last bit may differ from torch's; the ranges
          // they feed are maxima of such values, divided by 127 and blended: within 2 ulps
          same(q.input_scale, want.input_scale, `batch ${i} "${name}".input_scale`, { ulp: 2 });
          same(q.output_scale, want.output_scale, `batch ${i} "${name}".output_scale`, { ulp: 2 });
        }
      });
      const out = m(decode(M.final_input)) as Tensor;
      if ("float" in run.output) {
        // streamline turned the output quantization off: the last QLinear's float output. The
        // codes in between match, so only its combined scale differs (by the input_scale's 2
        // ulps, ~4e-7 relative), then the bias is added: within 1e-6 of |output| + |bias|
        expect(out).not.toBeInstanceOf(quanto.ActivationQBytesTensor);
        const terms = out.abs().add(decode(M.params["3.bias"]!).abs());
        same(out, run.output.float, "output", { rtol: 1e-6, scale: terms.reshape(-1).tolist() as number[] });
      } else {
        expect(out).toBeInstanceOf(quanto.ActivationQBytesTensor);
        same((out as quanto.ActivationQBytesTensor).int_repr(), run.output.codes, "output codes");
        same(out, run.output.dequantized, "output values", { ulp: 2 });
      }
    });
  }
});
