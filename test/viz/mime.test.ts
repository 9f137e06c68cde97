// mime_bundle: torch's repr as text/plain, plus HTML for tensors and modules and JSON for plain data.
import { describe, expect, it } from "vitest";
import { nn, torch, Tensor } from "../../kernel/index.js";
import { mime_bundle } from "../../kernel/viz/mime.js";

const html = (v: unknown) => mime_bundle(v)["text/html"] as string;
// the text of every <td>, in order
const cells = (h: string) => [...h.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);

describe("tensors", () => {
  it("text/plain is exactly torch's repr", () => {
    torch.manual_seed(0);
    const ts: Tensor[] = [
      torch.tensor([1 / 3, 0.0457], { dtype: torch.bfloat16 }),
      torch.randn([3, 4]),
      torch.tensor([[1, 2], [3, 4]]),
      torch.tensor([true, false]),
      torch.tensor(3.5),
      torch.zeros([0, 3]),
      new nn.Parameter(torch.ones([2])),
    ];
    for (const t of ts) expect(mime_bundle(t)["text/plain"]).toBe(String(t));
    expect(mime_bundle(ts[0])["text/plain"]).toBe("tensor([0.3340, 0.0457], dtype=torch.bfloat16)");
  });

  it("text/html has a dtype/shape/device header and the printed values in a table", () => {
    torch.manual_seed(0);
    const t = torch.randn([3, 4]).bfloat16();
    const h = html(t);
    expect(h).toContain("dtype=torch.bfloat16");
    expect(h).toContain("shape=(3, 4)");
    expect(h).toContain("device=cpu");
    // the same digits as the repr, row by row
    const printed = String(t).match(/-?\d+\.\d+/g)!;
    expect(cells(h)).toEqual(printed);
  });

  it("shows integers, booleans, 0-d and empty tensors", () => {
    expect(cells(html(torch.tensor([[1, 2], [3, 4]])))).toEqual(["1", "2", "3", "4"]);
    expect(cells(html(torch.tensor([true, false])))).toEqual(["True", "False"]);
    expect(html(torch.tensor(3.5))).toContain("3.5000");
    expect(html(torch.tensor(3.5))).toContain("1 element ");
    expect(html(torch.zeros([0, 3]))).toContain("shape=(0, 3)");
    expect(html(new nn.Parameter(torch.ones([2])))).toContain("<b>Parameter</b>");
  });

  it("summarises a big tensor as torch prints it: edge items and ellipses, a small table", () => {
    const t = torch.rand([2000, 3000]);
    const h = html(t);
    expect(h.length).toBeLessThan(20_000);
    expect(h).toContain("shape=(2000, 3000)");
    expect(h).toContain("6,000,000 elements");
    // row and column labels: the first and last three, around an ellipsis
    const heads = [...h.matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(heads.slice(0, 8)).toEqual(["", "0", "1", "2", "…", "2997", "2998", "2999"]);
    expect(heads).toContain("1997");
    expect(cells(h).filter((c) => c === "⋮")).toHaveLength(7);
    expect(cells(h)[0]).toBe(String(t).match(/\d\.\d{4}/)![0]);
  });

  it("shows three or more dimensions as captioned matrices", () => {
    const h = html(torch.zeros([2, 2, 3]));
    expect(h).toContain("[0, :, :]");
    expect(h).toContain("[1, :, :]");
    expect(cells(h)).toHaveLength(12);
    const big = html(torch.zeros([10, 10, 20]));
    expect(big).toContain("[9, :, :]");
    expect(big).toContain("⋮");
  });
});

class DummyModel extends nn.Module {
  token_embedding = new nn.Embedding(2, 2);
  linear_1 = new nn.Linear(2, 2);
  layernorm_1 = new nn.LayerNorm(2);
  head = new nn.Linear(100, 100);
}

describe("modules", () => {
  it("text/plain is torch's repr; text/html a tree with counts and dtypes", () => {
    const m = new DummyModel();
    m.head.to(torch.bfloat16);
    const b = mime_bundle(m);
    expect(b["text/plain"]).toBe(String(m));
    const h = b["text/html"] as string;
    const total = 4 + 6 + 4 + 100 * 100 + 100;
    const bytes = (4 + 6 + 4) * 4 + (100 * 100 + 100) * 2;
    expect(h).toContain(`<b>DummyModel</b></span> <span style="color:#888">${total.toLocaleString("en-US")} parameters · torch.float32: 14, torch.bfloat16: 10,100 · ${(bytes / 1024).toFixed(1)} KiB`);
    expect(h).toContain("10,100 parameters · torch.bfloat16");
    expect(h).toContain("(linear_1): Linear(in_features=2, out_features=2, bias=True)");
    expect(h).toContain("weight <span");
    expect(h.match(/<details/g)).toHaveLength(5);
    expect(h).toContain("<details open>");
  });

  it("counts a tied weight once and shows parameterless modules as leaves", () => {
    const emb = new nn.Embedding(10, 4);
    const lin = new nn.Linear(4, 10, false);
    lin.weight = emb.weight;
    const m = new nn.Sequential(emb, new nn.ReLU(), lin);
    const h = html(m);
    expect(h).toContain("<b>Sequential</b></span> <span style=\"color:#888\">40 parameters");
    expect(h).toContain("(1): ReLU</span> <span style=\"color:#888\">no parameters");
  });
});

describe("plain data", () => {
  it("objects and arrays get application/json, with tensors as their repr", () => {
    const t = torch.tensor([1, 2]);
    const b = mime_bundle({ a: 1, t, d: torch.int8, s: torch.zeros([2, 3]).shape, nested: [{ x: null }], skip: undefined });
    expect(b["application/json"]).toEqual({ a: 1, t: "tensor([1, 2])", d: "torch.int8", s: [2, 3], nested: [{ x: null }] });
    expect(b["text/plain"]).toContain("t: tensor([1, 2])");
    expect(mime_bundle([1, "a", true])["application/json"]).toEqual([1, "a", true]);
  });

  it("leaves JSON out when it would lose something", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const v of [{ f: () => 1 }, { n: NaN }, { b: 1n }, cyclic, { m: new Map() }, new Array(20_000).fill(0), 42, "text", new Date(0)]) {
      expect(mime_bundle(v)["application/json"]).toBeUndefined();
    }
  });

  it("honours _repr_*_ hooks and include/exclude", () => {
    const v = { _repr_html_: () => "<b>x</b>", _repr_mimebundle_: () => ({ "text/markdown": "*x*" }) };
    const b = mime_bundle(v);
    expect(b["text/html"]).toBe("<b>x</b>");
    expect(b["text/markdown"]).toBe("*x*");
    expect(mime_bundle(torch.ones([2]), { exclude: ["text/html"] })["text/html"]).toBeUndefined();
  });
});
