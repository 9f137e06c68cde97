// softmax / log_softmax and F.layer_norm against PyTorch (test/fixtures/torch/nn.json).
// softmax within 2 + n ulps (exp's last bit, and a sum of n terms in another order);
// log_softmax within 2 ulps of its terms (x - max, logsumexp, and the n-term sum under the log),
// layer_norm within 1e-6 of its terms, relative: torch's own accuracy where they cancel.
import { expect, it } from "vitest";
import { nn, torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { describe_backends } from "../helpers/backends.js";
import { by_op, check_case, HarnessError, OpCase, OpFn } from "../helpers/torch_cases.js";
import { EncTensor, torch_fixture, Tolerance, values_of } from "../helpers/torch_ref.js";

const fx = torch_fixture("nn");
const ULP = 2;
const EPS: Record<string, number> = { float32: 2 ** -23, float64: 2 ** -52 };

// the length of the dim softmax reduces
function row_length(c: OpCase): number {
  const shape = fx.inputs[(c.args[0] as { ref: string }).ref].shape as number[];
  const dim = c.kwargs!.dim as number;
  return shape[dim < 0 ? dim + shape.length : dim]!;
}

function tolerance(c: OpCase & { scale?: EncTensor }): Tolerance {
  if (c.op === "softmax") return { ulp: ULP + row_length(c) };
  if (!c.scale) return { ulp: ULP };
  const scale = values_of(c.scale) as number[];
  const dtype = (c.out as EncTensor).dtype;
  return c.op === "log_softmax" ? { rtol: ULP * EPS[dtype]!, scale } : { rtol: 1e-6, scale };
}

const OPS: Record<string, OpFn> = {
  softmax: ([x], kw) => torch.softmax(x as Tensor, kw.dim),
  log_softmax: ([x], kw) => torch.log_softmax(x as Tensor, kw.dim),
  layer_norm: (args, kw) => {
    if (args.length < 2) throw new HarnessError("layer_norm takes an input and a shape");
    const [x, shape, w, b] = args as [Tensor, number[], Tensor?, Tensor?];
    return nn.functional.layer_norm(x, shape, w ?? null, b ?? null, kw.eps);
  },
};

describe_backends("softmax and layer_norm vs torch", () => {
  for (const [op, group] of by_op(fx.cases as OpCase[])) {
    it(`${op} (${group.length} cases)`, () => {
      expect(group.map((c) => check_case(c, OPS[op]!, fx.inputs, tolerance(c))).filter((m) => m !== null)).toEqual([]);
    });
  }
});
