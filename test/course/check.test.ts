// check(), what test cells call: counts, friendly ✓/✗ lines with expected and actual values,
// tolerances, tensors (dtype, shape, values), exceptions as failures, hidden tests reported
// without their messages, async tests, and a function a submission cannot patch.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { check, CHECK_MIME, type CheckResult } from "../../kernel/course/check.js";
import { set_display_sink } from "../../kernel/viz/display.js";
import * as torch from "../../kernel/tensor/torch.js";
import { FakeSink } from "../helpers/fake_sink.js";

let sink: FakeSink;
beforeEach(() => set_display_sink((sink = new FakeSink())));
afterEach(() => set_display_sink(null));

const shown = () => sink.of("display").map((e) => e.data!);
const result = () => shown().at(-1)![CHECK_MIME] as CheckResult;
const plain = () => String(shown().at(-1)!["text/plain"]);

describe("check", () => {
  it("counts passing and failing assertions and says what was expected", () => {
    check("ex1", (t) => {
      t.equal(1 + 1, 2, "one plus one");
      t.equal("int8", "int16", "the dtype name");
      t.ok(false, "a condition");
      t.equal([1, [2, 3]], [1, [2, 4]], "nested");
    });
    expect(result()).toMatchObject({ id: "ex1", passed: 1, total: 4 });
    expect(plain()).toBe([
      "ex1: 1 of 4 checks passed",
      "  ✓ one plus one",
      '  ✗ the dtype name: expected "int16", got "int8"',
      "  ✗ a condition: it does not",
      "  ✗ nested: expected 4, got 3 at [1][1]",
    ].join("\n"));
    expect(String(shown()[0]!["text/html"])).toContain("1 of 4 checks passed");
  });

  it("close() applies atol + rtol·|expected|, torch.allclose's rule", () => {
    check("tol", (t) => {
      t.close(1.00001, 1, "within the default rtol 1e-5 and atol 1e-8");
      t.close(1.0001, 1, "outside the defaults");
      t.close(0.1 + 0.2, 0.3, "float noise");
      t.close([1, 2.05], [1, 2], "an array with a loose atol", { atol: 0.1 });
      t.close(NaN, 1, "NaN is never close");
    });
    expect(result().assertions.map((a) => a.passed)).toEqual([true, false, true, true, false]);
  });

  it("compares tensors by dtype, shape and values, and tensors with arrays", () => {
    const a = torch.tensor([1, 2, 3], { dtype: torch.int8 });
    check("tensors", (t) => {
      t.equal(a, torch.tensor([1, 2, 3], { dtype: torch.int8 }), "same");
      t.equal(a, torch.tensor([1, 2, 3], { dtype: torch.int16 }), "dtype");
      t.equal(a, torch.tensor([[1, 2, 3]], { dtype: torch.int8 }), "shape");
      t.equal(a, [1, 2, 4], "values against an array");
      t.equal(a.dtype, torch.int8, "a dtype");
      t.close(torch.tensor([0.5, 0.25]), torch.tensor([0.5, 0.2500001]), "float tensors");
    });
    expect(plain().split("\n").slice(1)).toEqual([
      "  ✓ same",
      "  ✗ dtype: expected dtype torch.int16, got torch.int8",
      "  ✗ shape: expected shape [1, 3], got [3]",
      "  ✗ values against an array: expected 4, got 3 at [2]",
      "  ✓ a dtype",
      "  ✓ float tensors",
    ]);
  });

  it("an exception in the test is one failed check that names it, not an error", () => {
    const unfinished = (): number => {
      throw new Error("not implemented yet");
    };
    expect(() => check("ex2", (t) => {
      t.ok(true, "first");
      t.equal(unfinished(), 4, "never reached");
    })).not.toThrow();
    expect(result()).toMatchObject({ passed: 1, total: 2 });
    expect(plain()).toContain("✗ the test stopped with Error: not implemented yet");
  });

  it("hidden assertions report pass or fail only: no message in any MIME type", () => {
    check("ex3", (t) => {
      t.equal(1, 1, "visible one");
      check.hidden(true);
      t.equal(41, 42, "SECRET expectation");
      t.ok(true, "SECRET pass");
      throw new Error("SECRET error message");
    });
    expect(result()).toMatchObject({ passed: 2, total: 4 });
    expect(result().assertions.slice(1)).toEqual([{ passed: false, hidden: true }, { passed: true, hidden: true }, { passed: false, hidden: true }]);
    expect(JSON.stringify(shown())).not.toContain("SECRET");
    expect(plain()).toContain("✗ a hidden test failed");
    // the next check starts visible again, even though the hidden block never closed
    check("ex4", (t) => t.ok(false, "shown"));
    expect(plain()).toContain("✗ shown: it does not");
  });

  it("awaits an async test and reports after it", async () => {
    const p = check("async", async (t) => {
      await new Promise((r) => setTimeout(r, 5));
      t.equal(await Promise.resolve(3), 3, "awaited");
    });
    expect(shown()).toEqual([]);
    await p;
    expect(result()).toMatchObject({ passed: 1, total: 1 });
  });

  it("a check with no assertions is not a pass", () => {
    check("empty", () => {});
    expect(result()).toMatchObject({ passed: 0, total: 0 });
    expect(plain()).toBe("empty: no checks ran");
  });

  it("is frozen: a submission cannot swap its hidden switch", () => {
    expect(() => {
      (check as unknown as { hidden: unknown }).hidden = () => {};
    }).toThrow(TypeError);
  });
});
