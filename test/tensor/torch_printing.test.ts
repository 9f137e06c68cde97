// Printing against PyTorch (test/fixtures/torch/printing.json): String(t) equals torch's
// repr(t) character for character, under the options and default dtype torch had; and the
// strings of torch.Size, dtypes, finfo and iinfo.
import { afterEach, describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { decode, EncTensor, torch_fixture } from "../helpers/torch_ref.js";

const fx = torch_fixture("printing");
type Recipe = { n: number; mul: number; add: number; shape: number[]; dtype: string };
type Case = {
  name: string; tensor: { t: EncTensor } | { recipe: Recipe }; repr: string;
  options?: Parameters<typeof torch.set_printoptions>[0]; default_dtype?: string; requires_grad?: boolean;
};

// arange(n) * mul + add in float64, as the generator built it, then reshaped and cast
function build(c: Case): Tensor {
  if ("t" in c.tensor) return decode(c.tensor.t);
  const r = c.tensor.recipe;
  return torch.arange(r.n, { dtype: torch.float64 }).mul(r.mul).add(r.add).reshape(r.shape).to(torch[r.dtype as "float32"]);
}

describe("printing vs torch", () => {
  afterEach(() => {
    torch.set_printoptions({ profile: "default" });
    torch.set_default_dtype(torch.float32);
  });
  for (const c of fx.cases as Case[]) {
    it(c.name, () => {
      const t = build(c);
      if (c.options) torch.set_printoptions(c.options);
      if (c.default_dtype) torch.set_default_dtype(torch[c.default_dtype as "float64"]);
      if (c.requires_grad) t.requires_grad_(true);
      expect(String(t)).toBe(c.repr);
    });
  }
  it("torch.Size, dtypes, finfo and iinfo", () => {
    const got: Record<string, string> = {};
    for (const key of Object.keys(fx.strings)) {
      const [kind, arg] = key.split(" ") as [string, string];
      if (kind.startsWith("torch.Size")) got[key] = String(torch.zeros(JSON.parse(key.slice(11, -1))).shape);
      else if (kind === "dtype") got[key] = String(torch[arg as "float32"]);
      else if (kind === "finfo") got[key] = String(torch.finfo(torch[arg as "float32"]));
      else got[key] = String(torch.iinfo(torch[arg as "int8"]));
    }
    expect(got).toEqual(fx.strings);
  });
});
