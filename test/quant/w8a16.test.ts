// W8A16LinearLayer and replace_linear_with_target_and_quantize. The per-row absmax int8 codes and
// scales are the same rule as optimum-quanto's qint8, so they are checked bit for bit against
// ../shared/fixtures/quant/quanto (qint8.weight._data / _scale); outputs against float64 loops.
import { describe, expect, it } from "vitest";
import { nn, quant, torch, Tensor } from "../../kernel/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { describe_backends } from "../helpers/backends.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

const quanto = load_file(fixture("quant", "quanto", "quanto.safetensors"));
const layers = fixture_json<{ layers: { name: string; in_features: number; out_features: number; bias: boolean }[] }>(
  "quant", "quanto", "expected.json").layers;

function t(name: string): Tensor {
  const x = quanto[name];
  if (!x) throw new Error(`fixture tensor ${name} missing from quanto.safetensors`);
  return x;
}

// y[r, o] = sum_k x[r, k] · q[o, k] · s[o] + b[o], in float64
function reference_output(x: number[][], q: number[][], s: number[], b: number[] | null): number[][] {
  return x.map((row) => q.map((qo, o) => row.reduce((acc, v, k) => acc + v * qo[k]!, 0) * s[o]! + (b ? b[o]! : 0)));
}

function expect_close(got: number[][], want: number[][], tol: number, what: string): void {
  let worst = 0;
  got.forEach((row, i) => row.forEach((v, j) => {
    const w = want[i]![j]!;
    worst = Math.max(worst, Math.abs(v - w) / Math.max(1, Math.abs(w)));
  }));
  expect(worst, what).toBeLessThan(tol);
}

describe_backends("W8A16LinearLayer", () => {
  for (const L of layers) {
    it(`quantizes quanto's ${L.name} layer (${L.in_features}->${L.out_features}) to its qint8 codes and scales`, () => {
      const layer = new quant.W8A16LinearLayer(L.in_features, L.out_features, L.bias);
      layer.quantize(t(`${L.name}.weight`));
      expect(layer.int8_weights.dtype).toBe(torch.int8);
      expect(layer.int8_weights.shape).toEqual([L.out_features, L.in_features]);
      expect(layer.int8_weights.tolist()).toEqual(t(`${L.name}.qint8.weight._data`).tolist());
      expect(layer.scales.dtype).toBe(torch.float32);
      expect(layer.scales.shape).toEqual([L.out_features]);
      expect(layer.scales.tolist()).toEqual(t(`${L.name}.qint8.weight._scale`).reshape(-1).tolist());
    });

    it(`forward on ${L.name} is F.linear with the dequantized weight, and the float64 sum`, () => {
      const layer = new quant.W8A16LinearLayer(L.in_features, L.out_features, { bias: true, dtype: torch.float32 });
      layer.quantize(t(`${L.name}.weight`));
      const bias = t(`${L.name}.bias`);
      layer.bias = bias.reshape(1, -1);
      const x = t(`${L.name}.input`).reshape(-1, L.in_features);
      const y = layer(x) as Tensor;
      expect(y.dtype).toBe(torch.float32);
      expect(y.shape).toEqual([x.shape[0], L.out_features]);
      const deq = nn.functional.linear(x, t(`${L.name}.qint8.dequantized_weight`), bias);
      expect_close(y.tolist() as number[][], deq.tolist() as number[][], 1e-5, "vs F.linear(x, dequantized W)");
      const ref = reference_output(x.tolist() as number[][], layer.int8_weights.tolist() as number[][],
        layer.scales.tolist() as number[], bias.tolist() as number[]);
      expect_close(y.tolist() as number[][], ref, 1e-5, "vs float64 loops");
      // quanto's own qint8 output (its matmul sums in another order)
      const yq = (layer(t(`${L.name}.input`)) as Tensor).reshape(-1, L.out_features);
      expect_close(yq.tolist() as number[][], t(`${L.name}.qint8.output`).reshape(-1, L.out_features).tolist() as number[][], 1e-5, "vs quanto");
    });
  }
});

describe("W8A16LinearLayer buffers", () => {
  it("registers int8_weights [out, in], scales [out] and bias [1, out] as buffers in the layer's dtype", () => {
    const layer = new quant.W8A16LinearLayer(16, 32, true, torch.bfloat16);
    const bufs = Object.fromEntries([...layer.named_buffers()].map(([k, v]) => [k, [v.dtype, [...v.shape]]]));
    expect(bufs).toEqual({
      int8_weights: [torch.int8, [32, 16]], scales: [torch.bfloat16, [32]], bias: [torch.bfloat16, [1, 32]],
    });
    expect([...layer.named_parameters()]).toEqual([]);
    const nobias = new quant.W8A16LinearLayer(16, 32, { bias: false });
    expect(nobias.bias).toBeNull();
    expect([...nobias.named_buffers()].map(([k]) => k)).toEqual(["int8_weights", "scales"]);
    expect((nobias(torch.ones(2, 16)) as Tensor).shape).toEqual([2, 32]);
  });

  it("keeps the weights' dtype for the scales: bfloat16 in, bfloat16 scales and output", () => {
    const w = torch.tensor([[1, -2, 0.5], [0.25, 0, -0.125]], { dtype: torch.bfloat16 });
    const layer = new quant.W8A16LinearLayer(3, 2, false, torch.bfloat16);
    layer.quantize(w);
    // max|row| / 127 rounded to bfloat16; codes round(w / scale) by hand
    expect(layer.scales.dtype).toBe(torch.bfloat16);
    expect(layer.scales.tolist()).toEqual([torch.tensor(2 / 127, { dtype: torch.bfloat16 }).item(), torch.tensor(0.25 / 127, { dtype: torch.bfloat16 }).item()]);
    const s = layer.scales.tolist() as number[];
    const want = (w.tolist() as number[][]).map((row, o) => row.map((v) => {
      const r = torch.tensor(v / s[o]!, { dtype: torch.float32 }).to(torch.bfloat16).item() as number;
      return torch.tensor(r).round().item();
    }));
    expect(layer.int8_weights.tolist()).toEqual(want);
    expect((layer(torch.ones(1, 3, { dtype: torch.bfloat16 })) as Tensor).dtype).toBe(torch.bfloat16);
  });

  it("rejects weights of the wrong shape or type", () => {
    const layer = new quant.W8A16LinearLayer(4, 2);
    expect(() => layer.quantize(torch.ones(4, 2))).toThrow(/shape \[2, 4\].*got \[4, 2\]/);
    expect(() => layer.quantize(torch.ones(2, 4, { dtype: torch.int8 }))).toThrow(/floating point weight/);
    expect(() => new quant.W8A16LinearLayer(4, 2, true, torch.int8)).toThrow(/floating point/);
  });
});

class DummyModel extends nn.Module {
  emb = new nn.Embedding(4, 8);
  linear_1 = new nn.Linear(8, 8);
  block = new nn.Sequential(new nn.Linear(8, 6), new nn.ReLU(), new nn.Linear(6, 8, false));
  lm_head = new nn.Linear(8, 4, false);
  override forward(x: Tensor): Tensor {
    return this.lm_head(this.block(this.linear_1(this.emb(x))));
  }
}

describe("replace_linear_with_target_and_quantize", () => {
  it("replaces every nn.Linear but the excluded ones, recursively, keeping the biases", () => {
    torch.manual_seed(0);
    const model = new DummyModel();
    const old = {
      w1: model.linear_1.weight.clone(), b1: model.linear_1.bias!,
      head: model.lm_head,
    };
    quant.replace_linear_with_target_and_quantize(model, quant.W8A16LinearLayer, ["lm_head"]);
    expect(model.lm_head).toBe(old.head);
    expect(model.lm_head).toBeInstanceOf(nn.Linear);
    expect(model.linear_1).toBeInstanceOf(quant.W8A16LinearLayer);
    expect(model.block[0]).toBeInstanceOf(quant.W8A16LinearLayer);
    expect(model.block[2]).toBeInstanceOf(quant.W8A16LinearLayer);
    const l1 = model.linear_1 as unknown as quant.W8A16LinearLayer;
    // the old bias Parameter moves in as a parameter, as torch's __setattr__ does
    expect(l1.bias).toBe(old.b1);

    const bufs = Object.fromEntries([...model.named_buffers()].map(([k, v]) => [k, v.dtype]));
    expect(bufs).toEqual({
      "linear_1.int8_weights": torch.int8, "linear_1.scales": torch.float32,
      "block.0.int8_weights": torch.int8, "block.0.scales": torch.float32,
      "block.2.int8_weights": torch.int8, "block.2.scales": torch.float32,
    });
    expect([...model.named_parameters()].map(([k]) => k)).toEqual(["emb.weight", "linear_1.bias", "block.0.bias", "lm_head.weight"]);
    expect((model.block[2] as unknown as quant.W8A16LinearLayer).bias).toBeNull();

    // the codes are round(w / (max|row| / 127)), computed here in float64 from the old weights
    const w1 = old.w1.tolist() as number[][];
    const s1 = w1.map((row) => Math.fround(Math.fround(Math.max(...row.map(Math.abs))) / 127));
    expect(l1.scales.tolist()).toEqual(s1);
    const codes = l1.int8_weights.tolist() as number[][];
    w1.forEach((row, o) => row.forEach((v, k) => expect(Math.abs(codes[o]![k]! - v / s1[o]!)).toBeLessThanOrEqual(0.5 + 1e-6)));

    const y = model(torch.tensor([[0, 3, 1]])) as Tensor;
    expect(y.shape).toEqual([1, 3, 4]);
  });

  it("with nothing excluded, replaces the head too; bad arguments are named", () => {
    const model = new DummyModel();
    quant.replace_linear_with_target_and_quantize(model, quant.W8A16LinearLayer, []);
    expect(model.lm_head).toBeInstanceOf(quant.W8A16LinearLayer);
    expect(() => quant.replace_linear_with_target_and_quantize(new DummyModel(), quant.W8A16LinearLayer, "lm_head" as never))
      .toThrow(/module_name_to_exclude must be a list/);
  });
});
