// The course's DummyModel written with lowbit's nn, against PyTorch (test/fixtures/torch/dummy_model.json,
// made by test/fixtures/gen/gen_dummy_model.py).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { copy, nn, torch, Tensor } from "../../kernel/index.js";
import { REPO_ROOT } from "../helpers/fixtures.js";
import { describe_backends } from "../helpers/backends.js";

const ref = JSON.parse(readFileSync(path.join(REPO_ROOT, "test", "fixtures", "torch", "dummy_model.json"), "utf8"));

class DummyModel extends nn.Module {
  token_embedding = new nn.Embedding(2, 2);
  linear_1 = new nn.Linear(2, 2);
  layernorm_1 = new nn.LayerNorm(2);
  linear_2 = new nn.Linear(2, 2);
  layernorm_2 = new nn.LayerNorm(2);
  head = new nn.Linear(2, 2);

  override forward(x: Tensor): Tensor {
    let h = this.token_embedding(x);
    h = this.linear_1(h);
    h = this.layernorm_1(h);
    h = this.linear_2(h);
    h = this.layernorm_2(h);
    return this.head(h);
  }
}

function flat(v: unknown): number[] {
  return (Array.isArray(v) ? v.flat(Infinity) : [v]) as number[];
}

// 1 unit in the last place of a bfloat16 value
function bf16_ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(Math.max(Math.abs(x), 2 ** -126))) - 7);
}

describe_backends("DummyModel", () => {
  it("initialises exactly as torch after manual_seed(0)", () => {
    torch.manual_seed(ref.seed0.seed);
    const model = new DummyModel();
    const sd = model.state_dict();
    expect(Object.keys(sd)).toEqual(Object.keys(ref.seed0.state_dict));
    for (const [k, v] of Object.entries(ref.seed0.state_dict)) expect(sd[k]!.tolist(), k).toEqual(v);
  });

  it("gives torch's fp32 output for each layer, fed torch's input to it", () => {
    torch.manual_seed(ref.seed0.seed);
    const model = new DummyModel() as unknown as Record<string, nn.Module>;
    const inter = ref.seed0.intermediates_fp32;
    const names = ["token_embedding", "linear_1", "layernorm_1", "linear_2", "layernorm_2", "head"];
    expect(model.token_embedding!(torch.tensor(ref.input)).tolist()).toEqual(inter.token_embedding);
    for (let i = 1; i < names.length; i++) {
      const out = model[names[i]!]!(torch.tensor(inter[names[i - 1]!], { dtype: torch.float32 })) as Tensor;
      // Linear: one float32 rounding after fp32 accumulation; LayerNorm: torch computes
      // x * rstd - mean * rstd, which is ~1.6e-6 from the exact value here, lowbit (x - mean) * rstd
      // with float64 statistics, which is closer; neither is specified to the bit.
      const tol = names[i]!.startsWith("layernorm") ? 4e-6 : 1e-6;
      const want = flat(inter[names[i]!]);
      flat(out.tolist()).forEach((v, k) => expect(Math.abs(v - want[k]!), `${names[i]}[${k}]`).toBeLessThan(tol));
    }
  });

  it("gives torch's fp32 logits end to end", () => {
    const r = ref.well_conditioned;
    torch.manual_seed(r.seed);
    const logits = new DummyModel()(torch.tensor(ref.input));
    expect(logits.dtype).toBe(torch.float32);
    expect(logits.shape).toEqual([2, 2, 2]);
    const want = flat(r.logits_fp32);
    flat(logits.tolist()).forEach((v, i) => expect(Math.abs(v - want[i]!), `logit ${i}`).toBeLessThan(1e-5));
  });

  it("in bfloat16 differs from fp32 as PyTorch 2's CPU kernels do", () => {
    const r = ref.well_conditioned;
    torch.manual_seed(r.seed);
    const model = new DummyModel();
    const x = torch.tensor(ref.input);
    const logits_fp32 = model(x);
    const model_bf16 = copy.deepcopy(model).to(torch.bfloat16);
    for (const [name, p] of model_bf16.named_parameters()) expect(p.dtype, name).toBe(torch.bfloat16);
    for (const [, p] of model.named_parameters()) expect(p.dtype).toBe(torch.float32);  // the original is untouched
    const logits_bf16 = model_bf16(x);
    expect(logits_bf16.dtype).toBe(torch.bfloat16);
    const want = flat(r.logits_bf16);
    flat(logits_bf16.float().tolist()).forEach((v, i) => expect(Math.abs(v - want[i]!), `logit ${i}`).toBeLessThanOrEqual(bf16_ulp(want[i]!)));
    const diff = torch.abs(logits_bf16.sub(logits_fp32));
    expect(diff.mean().item()).toBeCloseTo(r.mean_diff, 4);
    expect(diff.max().item()).toBeCloseTo(r.max_diff, 4);
  });
});

describe("nn.Module", () => {
  it("names parameters and modules as torch does", () => {
    const m = new DummyModel();
    expect([...m.named_parameters()].map(([n]) => n)).toEqual(ref.named_parameters);
    expect([...m.named_modules()].map(([n]) => n)).toEqual(ref.named_modules);
    expect([...m.named_children()].map(([n]) => n)).toEqual(ref.named_modules.slice(1));
    expect([...m.parameters()].length).toBe(ref.named_parameters.length);
  });

  it("prints like torch", () => {
    torch.manual_seed(0);
    expect(String(new DummyModel())).toBe(ref.repr.model);
    const cases: [string, nn.Module | Tensor][] = [
      ["linear", new nn.Linear(3, 4)],
      ["linear_nobias", new nn.Linear(3, 4, false)],
      ["embedding", new nn.Embedding(10, 3)],
      ["embedding_pad", new nn.Embedding(10, 3, { padding_idx: 0 })],
      ["layernorm", new nn.LayerNorm(8)],
      ["layernorm_eps", new nn.LayerNorm([2, 3], { eps: 1e-6, elementwise_affine: false })],
      ["dropout", new nn.Dropout(0.1)],
      ["gelu", new nn.GELU()],
      ["gelu_tanh", new nn.GELU({ approximate: "tanh" })],
      ["relu", new nn.ReLU()],
      ["silu", new nn.SiLU()],
      ["sequential", new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1))],
      ["modulelist", new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)])],
      ["parameter", new nn.Parameter(torch.tensor([1.5, -2.0]))],
    ];
    for (const [k, m] of cases) expect(String(m), k).toBe(ref.repr[k]);
  });

  it("state_dict / load_state_dict round-trips, and rejects wrong keys and shapes without writing", () => {
    const a = new DummyModel(), b = new DummyModel();
    b.load_state_dict(a.state_dict());
    for (const [k, v] of Object.entries(a.state_dict())) expect(b.state_dict()[k]!.tolist()).toEqual(v.tolist());
    const before = b.state_dict()["head.weight"]!.clone();
    const bad = { ...a.state_dict(), "head.weight": torch.zeros(3, 2) };
    expect(() => b.load_state_dict(bad)).toThrow(/size mismatch for head\.weight.*\[3, 2\].*\[2, 2\]/);
    expect(b.state_dict()["head.weight"]!.tolist()).toEqual(before.tolist());
    const { ["head.bias"]: _drop, ...missing } = a.state_dict();
    expect(() => b.load_state_dict(missing)).toThrow(/Missing key\(s\) in state_dict: "head\.bias"/);
    expect(b.load_state_dict({ ...missing, extra: torch.zeros(1) }, false)).toEqual({ missing_keys: ["head.bias"], unexpected_keys: ["extra"] });
  });

  it("to(dtype) changes the same Parameter objects in place; half/float/bfloat16 follow", () => {
    const m = new DummyModel();
    const w = m.linear_1.weight;
    m.half();
    expect(m.linear_1.weight).toBe(w);
    expect(w.dtype).toBe(torch.float16);
    m.float();
    expect(w.dtype).toBe(torch.float32);
    expect(() => m.to(torch.int8)).toThrow(/floating point/);
    expect(() => m.to("cuda")).toThrow(/cuda/i);
  });

  it("float16 models run on the CPU (PyTorch 1.x could not)", () => {
    torch.manual_seed(1);
    const m = new DummyModel();
    const x = torch.tensor(ref.input);
    const y32 = m(x);
    const y16 = copy.deepcopy(m).half()(x);
    expect(y16.dtype).toBe(torch.float16);
    expect(torch.abs(y16.float().sub(y32)).max().item()).toBeLessThan(5e-3);
  });

  it("forward pre-hooks can replace the arguments and forward hooks the output; handles remove them", () => {
    const lin = new nn.Linear(2, 2);
    const seen: unknown[] = [];
    const h1 = lin.register_forward_pre_hook((_m, args) => [(args[0] as Tensor).mul(0)]);
    const h2 = lin.register_forward_hook((_m, _args, out) => {
      seen.push(out);
      return (out as Tensor).add(1);
    });
    const y = lin(torch.ones(1, 2));
    expect(y.tolist()).toEqual(lin.bias!.add(1).unsqueeze(0).tolist());
    expect(seen.length).toBe(1);
    h1.remove();
    h2.remove();
    expect(lin(torch.ones(1, 2)).tolist()).toEqual(lin(torch.ones(1, 2)).tolist());
    expect(seen.length).toBe(1);
  });

  it("global module hooks run on every module, before its own hooks, until removed", () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
    const order: string[] = [];
    const own_pre = m.get_submodule("0").register_forward_pre_hook(() => { order.push("own pre"); });
    const own = m.get_submodule("0").register_forward_hook(() => { order.push("own post"); });
    const pre = nn.register_module_forward_pre_hook((mod) => { order.push(`pre ${mod._get_name()}`); });
    const post = nn.register_module_forward_hook((mod) => { order.push(`post ${mod._get_name()}`); });
    m(torch.ones(1, 2));
    expect(order).toEqual(["pre Sequential", "pre Linear", "own pre", "post Linear", "own post", "pre ReLU", "post ReLU", "post Sequential"]);
    for (const h of [pre, post, own_pre, own]) h.remove();
    m(torch.ones(1, 2));
    expect(order.length).toBe(8);
  });

  it("eval() turns dropout off, train() back on, recursively", () => {
    const m = new nn.Sequential(new nn.Dropout(0.5));
    const x = torch.ones(1000);
    m.eval();
    expect(m(x).tolist()).toEqual(x.tolist());
    m.train();
    const y = m(x) as Tensor;
    const zeros = y.eq(0).sum().item() as number;
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(y.max().item()).toBe(2);  // kept elements scale by 1/(1-p)
  });

  it("deepcopy gives independent tensors and keeps shared ones shared", () => {
    const lin = new nn.Linear(2, 2);
    const seq = new nn.Sequential(lin, lin);
    const c = copy.deepcopy(seq);
    expect(c[0]).toBe(c[1]);
    expect(c[0]).not.toBe(lin);
    (c[0] as nn.Linear).weight.fill_(0);
    expect(lin.weight.abs().sum().item()).toBeGreaterThan(0);
    expect([...c.parameters()].length).toBe(2);
  });

  it("buffers are saved (unless non-persistent) and converted by to()", () => {
    class WithBuffer extends nn.Module {
      lin = new nn.Linear(2, 2);
      constructor() {
        super();
        this.register_buffer("scale", torch.ones(2));
        this.register_buffer("steps", torch.zeros(1, { dtype: torch.int64 }));
        this.register_buffer("cache", torch.zeros(2), false);
      }
    }
    const m = new WithBuffer();
    expect(Object.keys(m.state_dict())).toEqual(ref.buffers_state_dict_keys);
    expect([...m.named_buffers()].map(([n]) => n)).toEqual(ref.named_buffers);
    m.bfloat16();
    const bufs = Object.fromEntries(m.named_buffers());
    expect(bufs.scale!.dtype).toBe(torch.bfloat16);
    expect(bufs.steps!.dtype).toBe(torch.int64);
  });

  it("ModuleList and Sequential index, iterate and append like Python lists", () => {
    const l = new nn.ModuleList([new nn.ReLU()]);
    l.append(new nn.SiLU());
    expect(l.length).toBe(2);
    expect(l[1]).toBeInstanceOf(nn.SiLU);
    expect([...l].map((m) => m._get_name())).toEqual(["ReLU", "SiLU"]);
    const s = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
    expect(s.length).toBe(2);
    expect((s(torch.ones(3, 2)) as Tensor).shape).toEqual([3, 2]);
    expect(() => l(torch.ones(1))).toThrow(/not callable/);
  });

  it("a module without forward says so", () => {
    class Empty extends nn.Module {}
    expect(() => new Empty()(torch.ones(1))).toThrow(/missing the required "forward"/);
  });
});
