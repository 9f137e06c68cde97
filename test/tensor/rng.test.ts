// PyTorch's CPU generator streams, against ../shared/fixtures/torch_rng (PyTorch 1.13).
import { describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { describe_backends } from "../helpers/backends.js";
import { fixture_json } from "../helpers/fixtures.js";

const fx = fixture_json("torch_rng", "torch_rng.json");

describe_backends("manual_seed then rand / randn / randint", () => {
  for (const c of fx.cases as any[]) {
    it(`seed ${c.seed}: every op of the sequence, exactly`, () => {
      torch.manual_seed(c.seed);
      for (const s of c.sequence) {
        const dtype = torch[s.dtype as "float32"];
        const t =
          s.op === "rand" ? torch.rand(s.shape, { dtype })
          : s.op === "randn" ? torch.randn(s.shape, { dtype })
          : torch.randint(s.low, s.high, s.shape);
        expect(t.dtype, `${s.op} dtype`).toBe(dtype);
        expect(t.shape).toEqual(s.shape);
        expect(t.flatten().tolist(), `${s.op} ${JSON.stringify(s.shape)}`).toEqual(s.values);
      }
    });
  }
});

describe("generators", () => {
  it("a torch.Generator is independent of the default one", () => {
    const g = new torch.Generator().manual_seed(0);
    torch.manual_seed(123);
    const a = torch.rand([5], { generator: g });
    torch.manual_seed(0);
    expect(torch.rand(5).tolist()).toEqual(a.tolist());
  });
  it("get_state / set_state replays a stream, including the cached normal", () => {
    torch.manual_seed(7);
    torch.randn(3);
    const state = torch.default_generator.get_state();
    const a = torch.randn(5).tolist();
    torch.default_generator.set_state(state);
    expect(torch.randn(5).tolist()).toEqual(a);
  });
});
