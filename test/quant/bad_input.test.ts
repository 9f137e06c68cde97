// Bad input to the linear quantization helpers gets an error naming the problem and the fix.
import { describe, expect, it } from "vitest";
import { quant, torch } from "../../kernel/index.js";

describe("linear quantization: errors name the problem", () => {
  const W = torch.arange(24, { dtype: torch.float32 }).reshape(4, 6);

  it("a group size that does not divide the columns", () => {
    expect(() => quant.linear_q_symmetric_per_group(W, 4)).toThrow(/group_size 4 does not divide the 6 columns of the \[4, 6\] tensor/);
    expect(() => quant.linear_q_per_group(W, { group_size: 5 })).toThrow(/group_size 5 does not divide/);
    expect(() => quant.linear_dequantization_per_group(torch.zeros(4, 6, { dtype: torch.int8 }), torch.ones(6, 1), 4)).toThrow(/does not divide/);
    expect(() => quant.linear_q_symmetric_per_group(W, 0)).toThrow(/group_size must be a positive integer, got 0/);
  });

  it("per-group input that is not 2-D", () => {
    expect(() => quant.linear_q_symmetric_per_group(W.reshape(-1), 3)).toThrow(/expected a 2-D tensor.*1-D with shape \[24\]/);
    expect(() => quant.linear_q_symmetric_per_group(W.reshape(2, 2, 6), 3)).toThrow(/expected a 2-D tensor.*3-D/);
  });

  it("a target type that is not an integer range", () => {
    expect(() => quant.linear_quantization(W, torch.float16)).toThrow(/integer target type, got torch\.float16.*"int4"/);
    expect(() => quant.linear_q_symmetric(W, "int3")).toThrow(/integer target type, got int3/);
  });

  it("a per-channel dim out of range, or missing", () => {
    expect(() => quant.linear_q_symmetric_per_channel(W, 2)).toThrow(/dim 2 is out of range for a 2-D tensor/);
    expect(() => quant.linear_q_symmetric_per_channel(W, {})).toThrow(/missing the integer argument dim/);
  });

  it("constant, all-zero, NaN/Inf and integer inputs", () => {
    expect(() => quant.get_q_scale_and_zero_point(torch.full([3], 2.5))).toThrow(/every value is 2\.5.*scale would be 0/);
    expect(() => quant.linear_q_symmetric(torch.zeros(3))).toThrow(/scale is 0.*all zeros/);
    expect(() => quant.linear_q_symmetric_per_channel(torch.tensor([[1, 2], [0, 0]], { dtype: torch.float32 }), 0))
      .toThrow(/scale\[1\] \(flattened\) is 0/);
    expect(() => quant.linear_quantization(torch.tensor([1, NaN, 3]))).toThrow(/NaN or Inf/);
    expect(() => quant.linear_q_symmetric(torch.tensor([1, Infinity]))).toThrow(/NaN or Inf/);
    expect(() => quant.linear_quantization(torch.tensor([1, 2, 3]))).toThrow(/floating point tensor.*torch\.int64.*\.float\(\)/);
  });

  it("after errors, quantization still works", () => {
    expect(() => quant.linear_q_symmetric_per_group(W, 4)).toThrow();
    const [q, s] = quant.linear_q_symmetric_per_group(W, 3);
    expect(q.shape).toEqual([4, 6]);
    expect(s.shape).toEqual([8, 1]);
  });
});
