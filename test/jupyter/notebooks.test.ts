// The notebooks `npm start` opens run from top to bottom without an error (headless, as `npm start`
// does without Jupyter), and each code cell shows something. Lessons with exercises are left to
// test/course: unsolved, a later cell may use an exercise's missing answer (as in nbgrader's
// released notebooks), so there the instructor versions must run clean and the released ones grade
// to 0 without a crash.
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run_notebook } from "../../kernel/jupyter/run.js";
import { read_notebook } from "../../kernel/jupyter/notebook.js";
import { kernel_argv, ROOT } from "../helpers/jupyter.js";

const dir = path.join(ROOT, "notebooks");
const has_exercises = (f: string) => read_notebook(path.join(dir, f)).cells.some((c) => (c.metadata as { nbgrader?: { solution?: boolean } }).nbgrader?.solution);
const notebooks = readdirSync(dir).filter((f) => f.endsWith(".ipynb") && !has_exercises(f)).sort();

describe("notebooks/", () => {
  it.each(notebooks)("%s runs without errors", async (f) => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "lowbit-nb-")), f);
    const r = await run_notebook(path.join(dir, f), { output: out, timeout_s: 120, quiet: true, kernel: { argv: kernel_argv() } });
    expect(r.errors).toEqual([]);
    for (const cell of r.notebook.cells.filter((c) => c.cell_type === "code")) expect(cell.outputs!.length).toBeGreaterThan(0);
  });
});
