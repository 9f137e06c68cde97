// Every lesson as CI must see it: the instructor notebook runs headless under
// `jupyter nbconvert --execute` with the lowbit kernel without an error, with its plots and with
// every check passing; the learner notebook as released grades to 0 without a crash, and with
// the solutions filled in (the instructor notebook) to full marks.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { build, read_lessons } from "../../kernel/course/build.js";
import { CHECK_MIME, type CheckResult } from "../../kernel/course/check.js";
import { grade_all, type SubmissionResult } from "../../kernel/course/grade.js";
import { read_notebook, type Notebook, type Output } from "../../kernel/jupyter/notebook.js";
import { front_end, jupyter_env, PYTHON, python_has, ROOT } from "../helpers/jupyter.js";

const available = front_end("nbconvert", python_has("nbconvert", "nbclient", "nbformat"), "apt-get install python3-nbconvert python3-nbclient");
const LESSONS = path.join(ROOT, "lessons");
const lessons = read_lessons(LESSONS);

function nbconvert(source: string, out_dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300", "--output-dir", out_dir, source];
    const p = spawn(PYTHON, args, { env: jupyter_env(), stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`nbconvert ${path.basename(source)} exited ${code}:\n${err}`))));
  });
}

const outputs = (nb: Notebook): Output[] => nb.cells.flatMap((c) => c.outputs ?? []);
const data = (o: Output) => (o.data ?? {}) as Record<string, unknown>;

describe.skipIf(!available)("the lessons", () => {
  const instructor = mkdtempSync(path.join(os.tmpdir(), "lowbit-instructor-"));
  const executed = mkdtempSync(path.join(os.tmpdir(), "lowbit-executed-"));
  const runs: Record<string, Notebook> = {};
  const graded: Record<string, SubmissionResult> = {};

  beforeAll(async () => {
    build(LESSONS, instructor, { version: "instructor" });
    const file = (dir: string, id: string) => path.join(dir, `${id}.ipynb`);
    const graded_lessons = lessons.filter((l) => l.cells.some((c) => c.kind === "test"));
    const [, results] = await Promise.all([
      Promise.all(lessons.map((l) => nbconvert(file(instructor, l.id), executed))),
      grade_all([...graded_lessons.map((l) => file(path.join(ROOT, "notebooks"), l.id)), ...graded_lessons.map((l) => file(instructor, l.id))], { lessons: LESSONS, jobs: 2 }),
    ]);
    for (const l of lessons) runs[l.id] = read_notebook(file(executed, l.id));
    for (const r of results) graded[`${path.basename(path.dirname(r.file)) === "notebooks" ? "released" : "solved"}:${r.lesson}`] = r;
  }, 600_000);

  it.each(lessons.map((l) => l.id))("%s runs under nbconvert without an error, with its plots, every check passing", (id) => {
    const outs = outputs(runs[id]!);
    expect(outs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`)).toEqual([]);
    const plots = outs.filter((o) => "application/vnd.plotly.v1+json" in data(o));
    const lesson = lessons.find((l) => l.id === id)!;
    expect(plots.length).toBeGreaterThanOrEqual(lesson.cells.some((c) => /\bviz\./.test(c.source)) ? 1 : 0);
    for (const p of plots) expect(String(data(p)["text/html"])).toContain("Plotly.newPlot");
    const checks = outs.flatMap((o) => (CHECK_MIME in data(o) ? [data(o)[CHECK_MIME] as CheckResult] : []));
    expect(checks.length).toBe(lesson.cells.filter((c) => c.kind === "test").length);
    for (const c of checks) expect([c.id, c.passed]).toEqual([c.id, c.total]);
  });

  it.each(lessons.filter((l) => l.cells.some((c) => c.kind === "test")).map((l) => l.id))("%s grades 0 as released and full marks solved", (id) => {
    const released = graded[`released:${id}`]!, solved = graded[`solved:${id}`]!;
    expect(released).toMatchObject({ gradable: true, score: 0 });
    expect(released.max_score).toBeGreaterThan(0);
    for (const t of released.tests) expect(t.output).toMatch(/✗/);
    expect(solved).toMatchObject({ gradable: true });
    expect(solved.tests.map((t) => [t.id, t.score])).toEqual(solved.tests.map((t) => [t.id, t.max_score]));
  });
});
