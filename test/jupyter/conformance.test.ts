// jupyter_kernel_test (Debian's python3-jupyter-kernel-test) against the built kernel: every sample
// the suite has, except the pager (lowbit has no `?` help pages), must pass.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { front_end, jupyter_env, PYTHON, python_has } from "../helpers/jupyter.js";

const available = front_end("jupyter_kernel_test", python_has("jupyter_kernel_test", "jupyter_client"),
  "apt-get install python3-jupyter-kernel-test");

describe.skipIf(!available)("jupyter_kernel_test conformance", () => {
  it("passes every sample of the suite", () => {
    const suite = path.join(import.meta.dirname, "kernel_conformance.py");
    const r = spawnSync(PYTHON, [suite], { env: jupyter_env(), encoding: "utf8", timeout: 300_000 });
    const report = r.stderr + r.stdout;
    const passed = [...report.matchAll(/^(test_\w+) \(.*\) \.\.\. ok$/gm)].map((m) => m[1]).sort();
    const skipped = [...report.matchAll(/^(test_\w+) \(.*\) \.\.\. skipped/gm)].map((m) => m[1]);
    expect(r.status, report).toBe(0);
    expect(passed).toEqual([
      "test_clear_output", "test_completion", "test_display_data", "test_error", "test_execute_result",
      "test_execute_stderr", "test_execute_stdout", "test_history", "test_inspect", "test_is_complete", "test_kernel_info",
    ]);
    expect(skipped).toEqual(["test_pager"]);
  });
});
