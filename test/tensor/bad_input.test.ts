// Bad input gets an error that names the problem, and the process goes on.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nn, torch } from "../../kernel/index.js";
import { REPO_ROOT } from "../helpers/fixtures.js";

describe("errors name the problem", () => {
  it("mismatched shapes name both shapes", () => {
    expect(() => torch.ones(2, 3).add(torch.ones(4, 3))).toThrow(/\[2, 3\] and \[4, 3\]/);
    expect(() => torch.ones(2, 3).matmul(torch.ones(2, 3))).toThrow(/2x3 and 2x3/);
    expect(() => torch.cat([torch.ones(2, 3), torch.ones(2, 4)])).toThrow(/Expected \[2, 3\] but got \[2, 4\]/);
    expect(() => new nn.Linear(3, 2)(torch.ones(1, 4))).toThrow(/1x4 and 3x2/);
  });

  it("an op on an unsupported dtype names the op and the dtype", () => {
    expect(() => torch.ones(2).bitwise_and(torch.ones(2))).toThrow(/bitwise_and.*torch\.float32/);
    expect(() => torch.ones(2, { dtype: torch.int32 }).mean()).toThrow(/mean\(\).*floating point/);
    expect(() => torch.ones(2, { dtype: torch.int64 }).softmax(0)).toThrow(/softmax.*torch\.int64/);
    expect(() => torch.ones(2).matmul(torch.ones(2, { dtype: torch.bfloat16 }))).toThrow(/torch\.float32 and torch\.bfloat16/);
    expect(() => torch.tensor([true]).sub(torch.tensor([true]))).toThrow(/bool/);
    expect(() => torch.ones(2, { dtype: "complex64" as never })).toThrow(/unknown dtype 'complex64'/);
  });

  it("out-of-range indices and invalid views throw", () => {
    const t = torch.arange(6).reshape(2, 3);
    expect(() => t.get(2)).toThrow(/index 2 is out of bounds for dimension 0 with size 2/);
    expect(() => t.get(0, -4)).toThrow(/index -4 is out of bounds for dimension 1 with size 3/);
    expect(() => t.get(0, 0, 0)).toThrow(/too many indices/);
    expect(() => t.select(2, 0)).toThrow(/dimension out of range/);
    expect(() => t.t().view(6)).toThrow(/view size is not compatible.*reshape/);
    expect(() => t.view(4, 2)).toThrow(/shape '\[4, 2\]' is invalid for input of size 6/);
    expect(() => t.index_select(0, torch.tensor([0, 5]))).toThrow(/index 5 is out of bounds/);
    expect(() => new nn.Embedding(3, 2)(torch.tensor([3]))).toThrow(/index out of range in self/);
    expect(() => t.get("::0")).toThrow(/step must be greater than zero/);
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(/expected sequence of length 2 at dim 1 \(got 1\)/);
    expect(() => torch.tensor([300], { dtype: torch.int8 })).toThrow(/300 cannot be converted to type int8/);
    expect(() => torch.zeros(2, { dtype: torch.uint8 }).fill_(256)).toThrow(/256 cannot be converted to type uint8/);
    expect(() => torch.arange(4).div(torch.tensor(0), { rounding_mode: "floor" })).toThrow(/ZeroDivisionError/);
  });

  it("after errors, the next ops work", () => {
    for (let i = 0; i < 3; i++) expect(() => torch.ones(2).add(torch.ones(3))).toThrow();
    expect(torch.ones(2).add(torch.ones(2)).tolist()).toEqual([2, 2]);
  });
});

describe("without the native addon", () => {
  it("lowbit works on the reference kernels and says so once", () => {
    const script = `
      const { torch } = await import(${JSON.stringify(path.join(REPO_ROOT, "dist", "kernel", "index.js"))});
      const a = torch.arange(6, { dtype: torch.float32 }).reshape(2, 3);
      console.log(JSON.stringify([a.matmul(a.t()).tolist(), a.softmax(1).sum(1).tolist()]));
    `;
    // the built package (npm install / npm run build made dist/), in a process of its own
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOWBIT_NATIVE_PATH: "/nonexistent/lowbit.node" },
      encoding: "utf8",
    });
    expect(r.stderr.match(/native kernels unavailable/g)?.length, r.stderr).toBe(1);
    expect(r.stderr).toContain("/nonexistent/lowbit.node not found");
    const [mm, sums] = JSON.parse(r.stdout.trim());
    expect(mm).toEqual([[5, 14], [14, 50]]);
    (sums as number[]).forEach((s) => expect(s).toBeCloseTo(1, 6));
  });
});
