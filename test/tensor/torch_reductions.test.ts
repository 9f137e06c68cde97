// Reductions against PyTorch (test/fixtures/torch/reductions.json): dim / keepdim / several and
// negative dims / no dim, dtype rules (sum of int8 is int64, mean of ints raises), dtype=,
// NaN propagation, ties, empty inputs. Relative 1e-6 (float32) and 1e-12 (float64), else exact.
import { expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { by_op, check_case, HarnessError, OpCase, OpFn } from "../helpers/torch_cases.js";
import { EncTensor, torch_fixture, Tolerance } from "../helpers/torch_ref.js";

const fx = torch_fixture("reductions");
const RTOL: Record<string, number> = { float32: 1e-6, float64: 1e-12 };
const tolerance = (e: EncTensor): Tolerance => (RTOL[e.dtype] ? { rtol: RTOL[e.dtype] } : {});

const one = (f: (x: Tensor, kw: any) => Tensor | Iterable<Tensor>): OpFn => (args, kw) => {  // eslint-disable-line @typescript-eslint/no-explicit-any
  if (args.length !== 1) throw new HarnessError(`expected one positional argument, got ${args.length}`);
  return f(args[0] as Tensor, kw);
};
// torch.max(x) is a 0-d tensor, torch.max(x, dim) values and indices
const max_min = (which: "max" | "min") => one((x, kw) => (kw.dim === undefined ? torch[which](x) : torch[which](x, kw)) as Tensor);

const OPS: Record<string, OpFn> = {
  sum: one((x, kw) => torch.sum(x, kw)), mean: one((x, kw) => torch.mean(x, kw)), prod: one((x, kw) => torch.prod(x, kw)),
  amax: one((x, kw) => torch.amax(x, kw)), amin: one((x, kw) => torch.amin(x, kw)),
  max: max_min("max"), min: max_min("min"),
  argmax: one((x, kw) => torch.argmax(x, kw)), argmin: one((x, kw) => torch.argmin(x, kw)),
  any: one((x, kw) => torch.any(x, kw)), all: one((x, kw) => torch.all(x, kw)),
  var: one((x, kw) => torch.var(x, kw)), std: one((x, kw) => torch.std(x, kw)),
};

describe_backends("reductions vs torch", () => {
  for (const [op, group] of by_op(fx.cases as OpCase[])) {
    it(`${op} (${group.length} cases)`, () => {
      const fn = OPS[op];
      if (!fn) throw new Error(`no lowbit call for fixture op ${op}`);
      expect(group.map((c) => check_case(c, fn, fx.inputs, tolerance)).filter((m) => m !== null)).toEqual([]);
    });
  }
});
