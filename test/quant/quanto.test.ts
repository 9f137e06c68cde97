// optimum-quanto weight quantization against ../shared/fixtures/quant/quanto (optimum-quanto's own
// function bodies, fp32 CPU; see that README): qint8 codes and scales, qint4/qint2 (float shift and
// zero point) group sizes, codes, scales, shifts and packed bytes bit for bit, dequantized weights
// bit for bit, layer outputs to ~1e-5; then quantize/freeze on a small model.
import { describe, expect, it } from "vitest";
import { nn, quanto, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { expect_bits } from "../helpers/bits.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface QCase {
  bits?: number;
  group_size?: number;
  axis: number;
  scale_shape?: number[];
  grouped_shape?: number[];
  packed_shape?: number[];
  shift_dtype?: string;
  weight_mse: number;
  output_mse_vs_fp32: number;
}
interface Layer {
  name: string;
  in_features: number;
  out_features: number;
  input_shape: number[];
  bias: boolean;
  [tag: string]: unknown;
}

const expected = fixture_json<{ layers: Layer[] }>("quant", "quanto", "expected.json");
const tensors = load_file(fixture("quant", "quanto", "quanto.safetensors"));
const TAGS = ["qint4", "qint4_zeropoint", "qint2", "qint2_zeropoint"] as const;

function get(name: string): Tensor {
  const t = tensors[name];
  if (!t) throw new Error(`fixture tensor ${name} missing from quanto.safetensors`);
  return t;
}

function expect_close(got: Tensor, want: Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const g = got.reshape(-1).tolist() as number[], w = want.reshape(-1).tolist() as number[];
  let worst = 0, at = -1;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs(g[i] - w[i]) - (atol + rtol * Math.abs(w[i]));
    if (!(excess <= worst) || Number.isNaN(g[i])) { worst = excess; at = i; }
  }
  expect(at, `${what}: element ${at} got ${g[at]}, want ${w[at]}`).toBe(-1);
}

/** an nn.Linear holding the fixture layer's fp32 weight and bias */
function fixture_linear(l: Layer): nn.Linear {
  const lin = new nn.Linear(l.in_features, l.out_features, l.bias);
  lin.weight.copy_(get(`${l.name}.weight`));
  if (l.bias) lin.bias!.copy_(get(`${l.name}.bias`));
  return lin;
}

const bits_of = (tag: string) => (tag.startsWith("qint4") ? 4 : 2);
const qtype_of = (tag: string) => (tag.startsWith("qint4") ? quanto.qint4 : quanto.qint2);

describe_backends("quanto fixture", () => {
  it("has the public layers", () => {
    expect(expected.layers.map((l) => l.name)).toEqual(expect.arrayContaining(["main", "g64"]));
  });

  for (const l of expected.layers) {
    describe(`${l.name} (${l.in_features}→${l.out_features})`, () => {
      it("qint8: codes, scales, dequantized weight bit for bit; frozen and unfrozen outputs", () => {
        const c = l.qint8 as QCase;
        const lin = fixture_linear(l);
        const q = quanto.QLinear.from_module(lin, { weights: quanto.qint8 });
        expect(q.weight_group_size).toBeNull();
        const x = get(`${l.name}.input`);
        expect_close(q(x), get(`${l.name}.qint8.output`), "unfrozen output");
        q.freeze();
        const w = q.weight as quanto.WeightQBytesTensor;
        expect(w).toBeInstanceOf(quanto.WeightQBytesTensor);
        expect([...w._scale.shape]).toEqual(c.scale_shape);
        expect_bits(w._data, get(`${l.name}.qint8.weight._data`), "weight._data");
        expect_bits(w._scale, get(`${l.name}.qint8.weight._scale`), "weight._scale");
        expect_bits(w.dequantize(), get(`${l.name}.qint8.dequantized_weight`), "dequantized");
        expect_close(q(x), get(`${l.name}.qint8.output`), "frozen output");
        const sd = q.state_dict();
        expect(Object.keys(sd).sort()).toEqual(["bias", "input_scale", "output_scale", "weight._data", "weight._scale"]);
        expect(String(sd["weight._data"].dtype)).toBe("torch.int8");
        expect(sd["input_scale"].item()).toBe(1);
        expect(sd["input_scale"].ndim).toBe(0);
      });

      for (const tag of TAGS) {
        it(`${tag}: group size, codes, packed bytes, scale, shift, dequantized weight; output`, () => {
          const c = l[tag] as QCase;
          const zp = tag.endsWith("zeropoint");
          const qt = qtype_of(tag);
          expect(quanto.weight_group_size(l.in_features, qt.bits)).toBe(c.group_size ?? null);
          const W = get(`${l.name}.weight`);
          const [scale, shift] = new quanto.MaxOptimizer().__call__(W, { qtype: qt, axis: 0, group_size: c.group_size ?? null, zeropoint: zp });
          expect(String(shift.dtype)).toBe(`torch.${c.shift_dtype}`);
          const qw = quanto.quantize_weight(W, { qtype: qt, axis: 0, scale, shift, group_size: c.group_size ?? null }) as quanto.WeightQBitsTensor;
          expect(qw).toBeInstanceOf(quanto.WeightQBitsTensor);
          expect_bits(qw._scale, get(`${l.name}.${tag}.weight._scale`), "scale");
          expect_bits(qw._shift, get(`${l.name}.${tag}.weight._shift`), "shift");
          const unpacked = qw._data.unpack();
          expect([...unpacked.shape]).toEqual(c.grouped_shape);
          expect_bits(unpacked, get(`${l.name}.${tag}.weight._data.unpacked`), "unpacked codes");
          expect([...qw._data._data.shape]).toEqual(c.packed_shape);
          expect_bits(qw._data._data, get(`${l.name}.${tag}.weight._data._data`), "packed bytes");
          // packing the fixture's own codes gives the fixture's bytes, and back
          expect_bits(quanto.pack_weights(get(`${l.name}.${tag}.weight._data.unpacked`), bits_of(tag)), get(`${l.name}.${tag}.weight._data._data`), "pack_weights");
          const rows = c.grouped_shape![0];
          expect_bits(quanto.unpack_weights(get(`${l.name}.${tag}.weight._data._data`), bits_of(tag), rows), get(`${l.name}.${tag}.weight._data.unpacked`), "unpack_weights");
          expect_bits(qw.dequantize(), get(`${l.name}.${tag}.dequantized_weight`), "dequantized");
          const x = get(`${l.name}.input`);
          expect_close(nn.functional.linear(x, qw.dequantize(), get(`${l.name}.bias`)), get(`${l.name}.${tag}.output`), "output");
        });

        if (!tag.endsWith("zeropoint")) {
          it(`${tag}: QLinear before and after freeze; state dict keys and dtypes`, () => {
            const q = quanto.QLinear.from_module(fixture_linear(l), { weights: qtype_of(tag) });
            const x = get(`${l.name}.input`);
            expect_close(q(x), get(`${l.name}.${tag}.output`), "unfrozen output");
            quanto.freeze(new nn.Sequential(q));
            expect(q.frozen).toBe(true);
            expect_close(q(x), get(`${l.name}.${tag}.output`), "frozen output");
            const sd = q.state_dict();
            expect(Object.keys(sd).sort()).toEqual(["bias", "input_scale", "output_scale", "weight._data._data", "weight._scale", "weight._shift"]);
            expect_bits(sd["weight._data._data"], get(`${l.name}.${tag}.weight._data._data`), "state_dict packed");
            expect_bits(sd["weight._scale"], get(`${l.name}.${tag}.weight._scale`), "state_dict scale");
            expect_bits(sd["weight._shift"], get(`${l.name}.${tag}.weight._shift`), "state_dict shift");
          });
        }
      }
    });
  }
});

/** bytes of all parameters and buffers, as a module-size count does */
function module_bytes(m: nn.Module): number {
  let n = 0;
  for (const [, p] of m.named_parameters()) n += p.numel() * p.element_size();
  for (const [, b] of m.named_buffers()) n += b.numel() * b.element_size();
  return n;
}

function small_model(): nn.Sequential {
  torch.manual_seed(0);
  return new nn.Sequential(new nn.Linear(256, 64), new nn.ReLU(), new nn.Linear(64, 32));
}

// quanto's quantizer bodies as tensor ops (library/quantize.py), each rounded to the weight's dtype:
// what quantize_weight's fused loop must give in every dtype quanto quantizes (the fixture is float32)
function quanto_ops(W: Tensor, qt: quanto.qtype, scale: Tensor, shift: Tensor | null, g: number | null): Tensor {
  if (qt.bits === 8) return W.div(scale).round().clamp(-128, 127).to(torch.int8);
  const base = g === null ? W : W.reshape(-1, g);
  const q = shift!.dtype.is_floating_point ? base.add(shift!).div(scale).round() : base.div(scale).round().add(shift!);
  return quanto.pack_weights(q.clamp(0, 2 ** qt.bits - 1).to(torch.uint8), qt.bits);
}

describe_backends("quanto.quantize_weight is quanto's tensor ops in float32, bfloat16 and float16", () => {
  for (const dtype of [torch.float32, torch.bfloat16, torch.float16]) {
    it(`${dtype}: qint8, qint4 and qint2 with float shifts and zero points, constant rows and groups`, () => {
      const W = new Tensor(Float32Array.from({ length: 33 * 192 }, (_, i) => Math.sin(i * 0.37) * 0.05 * (1 + (i % 7))), torch.float32, [33, 192]).to(dtype);
      W.narrow(0, 3, 1).fill_(0);                   // 0 / 0 codes
      W.narrow(0, 5, 1).narrow(1, 0, 96).fill_(0.5);  // a constant group
      for (const qt of [quanto.qint8, quanto.qint4, quanto.qint2]) {
        const g = quanto.weight_group_size(192, qt.bits);
        for (const zeropoint of qt.bits === 8 ? [false] : [false, true]) {
          const [scale, shift] = qt.bits === 8
            ? [new quanto.AbsmaxOptimizer().__call__(W, { qtype: qt }), null]
            : new quanto.MaxOptimizer().__call__(W, { qtype: qt, axis: 0, group_size: g, zeropoint });
          const q = quanto.quantize_weight(W, { qtype: qt, scale, shift, group_size: qt.bits === 8 ? null : g });
          const data = q instanceof quanto.WeightQBitsTensor ? q._data._data : q._data;
          expect_bits(data, quanto_ops(W, qt, scale, shift, g), `${qt}${zeropoint ? " zero point" : ""}`);
        }
      }
    });
  }
  it("refuses statistics in another dtype and float64 weights", () => {
    const W = torch.randn([4, 8]);
    const [scale, shift] = new quanto.MaxOptimizer().__call__(W, { qtype: quanto.qint4 });
    expect(() => quanto.quantize_weight(W, { qtype: quanto.qint4, scale: scale.half(), shift })).toThrow(/scale must have the weight's dtype torch.float32, got torch.float16/);
    expect(() => quanto.quantize_weight(W, { qtype: quanto.qint4, scale, shift: shift.double() })).toThrow(/shift must have the weight's dtype torch.float32 or be uint8/);
    expect(() => quanto.quantize_weight(W.double(), { qtype: quanto.qint4, scale: scale.double(), shift: shift.double() })).toThrow(/float32, bfloat16 or float16, got torch.float64/);
  });
});

describe("quanto.quantize / freeze on a model", () => {
  // fp32: 256·64·4 + 64·4 + 64·32·4 + 32·4
  const FP32 = 65536 + 256 + 8192 + 128;

  it("qint8: the weights become 1 byte each, plus an fp32 scale per row", () => {
    const model = small_model();
    expect(module_bytes(model)).toBe(FP32);
    const x = torch.randn([3, 256]);
    const ref = model(x) as Tensor;
    quanto.quantize(model, { weights: torch.int8, activations: null });
    expect(model.get_submodule("0")).toBeInstanceOf(quanto.QLinear);
    expect(model.get_submodule("2")).toBeInstanceOf(quanto.QLinear);
    // before freeze: the float weights stay, input_scale / output_scale (4 bytes each) join
    expect(module_bytes(model)).toBe(FP32 + 2 * 8);
    const before = model(x) as Tensor;
    quanto.freeze(model);
    // int8 weights 16384 + 2048, scales 64·4 + 32·4, biases 256 + 128, scalar scales 16
    expect(module_bytes(model)).toBe(16384 + 2048 + 256 + 128 + 256 + 128 + 16);
    const after = model(x) as Tensor;
    // same weights before and after freeze (the GEMM may differ by an ulp with the weight buffer's alignment)
    expect_close(after, before, "frozen vs unfrozen", 1e-6, 1e-6);
    expect_close(after, ref, "qint8 vs fp32", 0, 0.02);
    expect(new Set(Object.keys(model.state_dict()))).toEqual(new Set([
      "0.bias", "0.input_scale", "0.output_scale", "0.weight._data", "0.weight._scale",
      "2.bias", "2.input_scale", "2.output_scale", "2.weight._data", "2.weight._scale",
    ]));
    expect(String(model.get_submodule("0"))).toBe("QLinear(in_features=256, out_features=64, bias=True)");
  });

  it("qint4: half a byte per weight, fp32 scale and shift per group", () => {
    const model = small_model();
    quanto.quantize(model, { weights: quanto.qint4 });
    expect((model.get_submodule("0") as quanto.QLinear).weight_group_size).toBe(128);
    expect((model.get_submodule("2") as quanto.QLinear).weight_group_size).toBeNull();
    quanto.freeze(model);
    // layer 0: packed [64, 128] = 8192 B, scale + shift [128, 1] fp32 = 1024 B
    // layer 2 (64 inputs, no grouping): packed [16, 64] = 1024 B, scale + shift [32, 1] = 256 B
    expect(module_bytes(model)).toBe(8192 + 1024 + 256 + 1024 + 256 + 128 + 16);
    const w0 = (model.get_submodule("0") as quanto.QLinear).weight as quanto.WeightQBitsTensor;
    expect(String(w0._data._data.dtype)).toBe("torch.uint8");
  });

  it("qint2: a quarter byte per weight", () => {
    const model = small_model();
    quanto.quantize(model, { weights: "qint2" });
    quanto.freeze(model);
    // packed [32, 128] = 4096 B and [8, 64] = 512 B
    expect(module_bytes(model)).toBe(4096 + 1024 + 256 + 512 + 256 + 128 + 16);
  });

  it("exclude keeps layers as nn.Linear (names and fnmatch globs); include limits", () => {
    const m1 = small_model();
    quanto.quantize(m1, { weights: quanto.qint8, exclude: "2" });
    expect(m1.get_submodule("0")).toBeInstanceOf(quanto.QLinear);
    expect(m1.get_submodule("2")).toBeInstanceOf(nn.Linear);
    expect(m1.get_submodule("2")).not.toBeInstanceOf(quanto.QLinear);

    torch.manual_seed(0);
    const nested = new nn.Sequential(new nn.Sequential(new nn.Linear(8, 8), new nn.Linear(8, 8)), new nn.Linear(8, 4));
    quanto.quantize(nested, { weights: quanto.qint8, exclude: ["0.*"] });
    expect(nested.get_submodule("0.0")).toBeInstanceOf(nn.Linear);
    expect(nested.get_submodule("0.1")).toBeInstanceOf(nn.Linear);
    expect(nested.get_submodule("1")).toBeInstanceOf(quanto.QLinear);

    const inc = new nn.Sequential(new nn.Sequential(new nn.Linear(8, 8), new nn.Linear(8, 8)), new nn.Linear(8, 4));
    quanto.quantize(inc, { weights: quanto.qint8, include: "0.[!0]" });
    expect(inc.get_submodule("0.0")).toBeInstanceOf(nn.Linear);
    expect(inc.get_submodule("0.1")).toBeInstanceOf(quanto.QLinear);
    expect(inc.get_submodule("1")).toBeInstanceOf(nn.Linear);
    expect(quanto.fnmatch("gpt_neox.layers.0.attention.dense", "*.attention.*")).toBe(true);
    expect(quanto.fnmatch("embed_out", "lm_head")).toBe(false);
    expect(quanto.fnmatch("a.b", "a?b")).toBe(true);
  });

  it("QLinear.from_module shares the weight and draws no random numbers", () => {
    const lin = new nn.Linear(16, 4);
    torch.manual_seed(7);
    const q = quanto.QLinear.from_module(lin, { weights: quanto.qint8 });
    const next = torch.rand([1]).item();
    torch.manual_seed(7);
    expect(torch.rand([1]).item()).toBe(next);
    expect(q.weight).toBe(lin.weight);
    expect(q.bias).toBe(lin.bias);
  });

  it("qtypes print as quanto's", () => {
    expect(String(quanto.qint8)).toBe("quanto.qint8");
    expect(String(quanto.qint4)).toBe("quanto.qint4");
    expect(quanto.qint2.__repr__()).toBe("qtype(name='qint2', is_floating_point=False, bits=2, dtype=torch.int8, qmin=-2, qmax=1)");
    expect(quanto.qint8.__repr__()).toBe("qtype(name='qint8', is_floating_point=False, bits=8, dtype=torch.int8, qmin=-128, qmax=127)");
  });
});

describe("quanto bad input", () => {
  it("unknown weights types", () => {
    expect(() => quanto.quantize(small_model(), { weights: torch.float16 })).toThrow(/unsupported weights type torch.float16.*qint8/);
    expect(() => quanto.quantize(small_model(), { weights: "qint3" })).toThrow(/unsupported weights type "qint3"/);
    expect(() => quanto.quantize(small_model(), { weights: "qfloat8" })).toThrow(/unsupported weights type/);
    expect(() => quanto.quantize(small_model(), {})).toThrow(/weights must be given/);
  });

  it("activations other than qint8 are refused, naming the fix", () => {
    expect(() => quanto.quantize(small_model(), { weights: quanto.qint8, activations: "qfloat8_e4m3fn" })).toThrow(/float8 activations \(qfloat8_e4m3fn\) are not supported in lowbit.*use activations: quanto.qint8, or null/);
    expect(() => quanto.quantize(small_model(), { weights: quanto.qint8, activations: "float8" })).toThrow(/float8 activations/);
    expect(() => quanto.quantize(small_model(), { weights: quanto.qint8, activations: quanto.qint4 })).toThrow(/activations must be 8-bit \(quanto.qint8\), got quanto.qint4/);
    expect(() => quanto.QLinear.from_module(new nn.Linear(4, 4), { weights: quanto.qint8, activations: torch.float16 })).toThrow(/unsupported activations type torch.float16/);
    expect(() => quanto.quantize_activation(torch.ones([2]), { qtype: quanto.qint8, scale: torch.ones([2]) })).toThrow(/scale must be a scalar because activations can only be quantized per-tensor/);
    expect(() => quanto.quantize_activation(torch.ones([2]), { qtype: quanto.qint8, scale: torch.ones([1]) })).toThrow(/scale must be a 0-d tensor/);
    expect(() => quanto.quantize_activation(torch.ones([2]), { qtype: quanto.qint4, scale: torch.tensor(1) })).toThrow(/8-bit only/);
  });

  it("activations without weights: LayerNorms become QLayerNorm, a Linear left in is refused before anything changes", () => {
    torch.manual_seed(0);
    const m = new nn.Sequential(new nn.LayerNorm(8), new nn.Linear(8, 4));
    expect(() => quanto.quantize(m, { activations: quanto.qint8 })).toThrow(/without weights the nn.Linear layers "1" cannot become QLinear.*pass weights: quanto.qint8, or exclude them/);
    expect(m.get_submodule("0")).not.toBeInstanceOf(quanto.QLayerNorm);
    quanto.quantize(m, { activations: quanto.qint8, exclude: "1" });
    expect(m.get_submodule("0")).toBeInstanceOf(quanto.QLayerNorm);
    expect(m.get_submodule("1")).not.toBeInstanceOf(quanto.QLinear);
    quanto.freeze(m);  // nothing to freeze in a QLayerNorm, but it is a quantized module
    expect(quanto.quantization_map(m)).toEqual({ 0: { weights: "none", activations: "qint8" } });
    expect(() => quanto.quantize(new nn.LayerNorm(8), { activations: quanto.qint8 })).toThrow(/model itself is an nn.LayerNorm/);
  });

  it("weights and activations: Linear and LayerNorm swapped, state dicts keep quanto's keys, freeze as before", () => {
    torch.manual_seed(0);
    const m = new nn.Sequential(new nn.LayerNorm(8), new nn.Linear(8, 4));
    quanto.quantize(m, { weights: "qint8", activations: "qint8" });
    const q = m.get_submodule("1") as quanto.QLinear;
    expect(q.activation_qtype).toBe(quanto.qint8);
    expect(q.name).toBe("1");
    quanto.freeze(m);
    expect(Object.keys(m.state_dict()).sort()).toEqual(["0.bias", "0.input_scale", "0.output_scale", "0.weight", "1.bias", "1.input_scale", "1.output_scale", "1.weight._data", "1.weight._scale"]);
    const x = torch.randn([2, 8]);
    quanto.Calibration().run(() => m(x));
    expect(m(x)).not.toBeInstanceOf(quanto.ActivationQBytesTensor);  // streamline: outputs float now
    // requantize into a fresh float model: the calibrated scales come back (output quantization
    // too, since a fresh QLinear has its output hook: the streamline state is not saved, as in quanto)
    torch.manual_seed(1);
    const fresh = new nn.Sequential(new nn.LayerNorm(8), new nn.Linear(8, 4));
    quanto.requantize(fresh, m.state_dict(), quanto.quantization_map(m));
    expect(fresh.get_submodule("0")).toBeInstanceOf(quanto.QLayerNorm);
    expect((fresh.get_submodule("1") as quanto.QLinear).input_scale.item()).toBe(q.input_scale.item());
    const y = fresh(x) as quanto.ActivationQBytesTensor;
    expect(y).toBeInstanceOf(quanto.ActivationQBytesTensor);
    expect(torch.equal(y._scale, q.output_scale)).toBe(true);
    const bad = { ...m.state_dict(), "0.weight": torch.ones([3]) };
    expect(() => quanto.requantize(new nn.Sequential(new nn.LayerNorm(8), new nn.Linear(8, 4)), bad, quanto.quantization_map(m)))
      .toThrow(/layer "0": "weight" must be float \[8\]/);
  });

  it("a QLinear built with the constructor quantizes outputs only, as quanto's (quantize_input false)", () => {
    const q = new quanto.QLinear(4, 2, true, { weights: quanto.qint8, activations: quanto.qint8 });
    expect(q._quantize_hooks.input).toBeUndefined();
    expect(q._quantize_hooks.output).toBeDefined();
    const from = quanto.QLinear.from_module(new nn.Linear(4, 2), { weights: quanto.qint8, activations: quanto.qint8 });
    expect(from._quantize_hooks.input).toBeDefined();
  });

  it("freeze before quantize", () => {
    expect(() => quanto.freeze(small_model())).toThrow(/no quantized modules; call quanto.quantize/);
  });

  it("non-Linear targets and non-modules", () => {
    expect(() => quanto.QLinear.from_module(new nn.ReLU() as unknown as nn.Linear, { weights: quanto.qint8 })).toThrow(/expected an nn.Linear, got ReLU/);
    expect(() => quanto.quantize(new nn.Linear(4, 4), { weights: quanto.qint8 })).toThrow(/model itself is an nn.Linear/);
    expect(() => quanto.quantize({} as nn.Module, { weights: quanto.qint8 })).toThrow(/expected an nn.Module/);
    expect(() => quanto.quantize(small_model(), { weights: quanto.qint8, exclude: 3 as unknown as string })).toThrow(/exclude must be a module name/);
  });

  it("quantize_weight checks shapes and shifts", () => {
    const W = torch.randn([4, 8]);
    expect(() => quanto.quantize_weight(W, { qtype: quanto.qint4, scale: torch.ones([4, 1]) })).toThrow(/need a shift/);
    expect(() => quanto.quantize_weight(W, { qtype: quanto.qint8, scale: torch.ones([3, 1]) })).toThrow(/scale must have shape \[4, 1\]/);
    expect(() => quanto.group(W, 0, 3)).toThrow(/group_size 3 must divide/);
    expect(() => quanto.pack_weights(torch.tensor([16], { dtype: torch.uint8 }), 4)).toThrow(/does not fit in 4 bits/);
  });
});
