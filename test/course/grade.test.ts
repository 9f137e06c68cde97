// The grader end to end: one batch of 20 submissions of a small lesson, graded 4 at a time in
// fresh kernels with small limits -- correct, partly correct, erroring, endless loops, a memory
// hog, tampered notebooks (edited hidden test, deleted and duplicated cells, a redefined check),
// and files that are no notebook at all -- each with the right score and message, none of them
// stopping the rest, and no hidden test's code or message in any output format.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lesson_notebook } from "../../kernel/course/build.js";
import { grade_all, type SubmissionResult } from "../../kernel/course/grade.js";
import { parse_lesson } from "../../kernel/course/lesson.js";
import { gradescope_results, json_report, prairielearn_results, text_report } from "../../kernel/course/results.js";
import { lines, type Cell, type Notebook } from "../../kernel/jupyter/notebook.js";
import { KERNEL_CLI } from "../helpers/jupyter.js";

const LESSON = `---
title: Grader check
---
Adding numbers.

\`\`\`ts
const base = 10;
\`\`\`

\`\`\`ts solution id=ex1
function add(a: number, b: number): number {
  // BEGIN SOLUTION
  return a + b;
  // END SOLUTION
}
console.log("add is defined");
\`\`\`

\`\`\`ts test id=ex1_tests points=2 title="Exercise 1: add"
check("ex1", (t) => {
  t.equal(add(1, 2), 3, "add(1, 2)");
  t.equal(add(-1, 1), 0, "add(-1, 1)");
  // BEGIN HIDDEN TESTS
  t.equal(add(base, 0.5), 10.5, "HIDDEN_MESSAGE_HALF");
  t.close(add(0.1, 0.2), 0.3, "HIDDEN_MESSAGE_CLOSE");
  // END HIDDEN TESTS
});
\`\`\`

\`\`\`ts solution id=ex2
let answer: number | undefined;
// BEGIN SOLUTION
answer = 42;
// END SOLUTION
console.log(answer);
\`\`\`

\`\`\`ts test id=ex2_tests points=3 title="Exercise 2: the answer"
check("ex2", (t) => {
  t.equal(answer, 42, "the answer");
  // BEGIN HIDDEN TESTS
  const HIDDEN_CODE_NAME: unknown = answer;
  t.equal(typeof HIDDEN_CODE_NAME, "number", "HIDDEN_MESSAGE_TYPE");
  // END HIDDEN TESTS
});
\`\`\`
`;

const lesson = parse_lesson(LESSON, "grader_check.md");
const released = (): Notebook => lesson_notebook(lesson, "learner");

/** The released notebook with the given cells' sources replaced, then changed by `edit`. */
function submission(answers: { ex1?: string; ex2?: string }, edit: (cells: Cell[]) => Cell[] = (c) => c): Notebook {
  const nb = released();
  const by_id = (id: string) => nb.cells.find((c) => c.id === id)!;
  if (answers.ex1 !== undefined) by_id("ex1").source = lines(`function add(a: number, b: number): number {\n  ${answers.ex1}\n}\n`);
  if (answers.ex2 !== undefined) by_id("ex2").source = lines(`let answer: number | undefined;\n${answers.ex2}\nconsole.log(answer);`);
  nb.cells = edit(nb.cells);
  return nb;
}

const code = (source: string): Cell => ({ cell_type: "code", metadata: {}, source: lines(source), outputs: [], execution_count: null });
const RIGHT = { ex1: "return a + b;", ex2: "answer = 42;" };
const FAKE_PASS = `function check(id: string, _fn: unknown) {
  display({ _repr_mimebundle_: () => ({ "application/vnd.lowbit.check+json": { id, passed: 1, total: 1, assertions: [] } }) });
}`;

// name -> the file's content (a notebook, or raw text)
const CASES: Record<string, Notebook | string> = {
  correct: submission(RIGHT),
  released: released(),
  partly: submission({ ex1: "return Math.trunc(a + b);", ex2: "answer = 41;" }),
  throws: submission({ ex1: 'throw new RangeError("boom");', ex2: "answer = 42;" }),
  type_error: submission({ ex1: "return a + b;", ex2: 'answer = "42";' }),
  loop_in_test: submission({ ex1: "while (true) {}", ex2: "answer = 42;" }),
  loop_in_solution: submission({ ex1: "return a + b;", ex2: "while (true) {}" }),
  memory_hog: submission({ ex1: "return a + b;", ex2: "const hog: Float64Array[] = [];\nwhile (true) hog.push(new Float64Array(1 << 24).fill(1));" }),
  edited_hidden_test: submission({ ex1: "return a - b;", ex2: "answer = 42;" }, (cells) => cells.map((c) =>
    c.id === "ex1_tests" ? { ...c, source: lines('check("ex1", (t) => { t.ok(true, "fine"); });') } : c)),
  deleted_test: submission(RIGHT, (cells) => cells.filter((c) => c.id !== "ex2_tests")),
  deleted_solution: submission(RIGHT, (cells) => cells.filter((c) => c.id !== "ex1")),
  duplicated: submission(RIGHT, (cells) => cells.flatMap((c) => (c.id === "ex2_tests" || c.id === "ex1" ? [c, { ...c, source: lines("// a copy") }] : [c]))),
  redefined_check: submission({ ex1: "return a - b;", ex2: "// not done" }, (cells) => [code(FAKE_PASS), ...cells]),
  replaced_check_global: submission({ ex1: "return a - b;", ex2: "// not done" }, (cells) =>
    [code(`${FAKE_PASS.replace("function check", "function fake")}\n(globalThis as any).__lowbit_cell__.exports.check = fake;`), ...cells]),
  own_helper_cell: submission({ ex1: "return plus(a, b);", ex2: "answer = 42;" }, (cells) => {
    const i = cells.findIndex((c) => c.id === "ex1");
    return [...cells.slice(0, i), code("function plus(x: number, y: number) { return x + y; }"), ...cells.slice(i)];
  }),
  not_json: "this is not a notebook {",
  wrong_kernel: { ...submission(RIGHT), metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } } },
  no_lesson: { ...submission(RIGHT), metadata: { kernelspec: { name: "lowbit" } } },
  // a loop after an await ignores interrupts (Node can break only a cell's first synchronous part)
  unstoppable: submission({ ex1: "return a + b;", ex2: "await Promise.resolve();\nwhile (true) {}" }),
  never_resolves: submission({ ex1: "return a + b;", ex2: "await new Promise(() => {});" }),
};

describe("lowbit grade: a batch of 20 submissions", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-grade-test-"));
  const lessons = path.join(dir, "lessons");
  const subs = path.join(dir, "submissions");
  let results: Record<string, SubmissionResult>;

  beforeAll(async () => {
    mkdirSync(lessons);
    mkdirSync(subs);
    writeFileSync(path.join(lessons, "grader_check.md"), LESSON);
    const files = Object.entries(CASES).map(([name, content]) => {
      const file = path.join(subs, `${name}.ipynb`);
      writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
      return file;
    });
    expect(files).toHaveLength(20);
    const all = await grade_all(files, { lessons, jobs: 2, cell_timeout_s: 8, total_timeout_s: 60, memory_bytes: 768 * 1024 * 1024 });
    results = Object.fromEntries(all.map((r) => [path.basename(r.file, ".ipynb"), r]));
  }, 300_000);

  const scores = (name: string) => results[name]!.tests.map((t) => t.score);
  const output = (name: string, i: number) => results[name]!.tests[i]!.output;

  it("scores correct, unanswered and partly correct work", () => {
    expect(results.correct).toMatchObject({ gradable: true, lesson: "grader_check", score: 5, max_score: 5, notes: [] });
    expect(results.correct!.tests.map((t) => [t.id, t.name, t.max_score])).toEqual([["ex1_tests", "Exercise 1: add", 2], ["ex2_tests", "Exercise 2: the answer", 3]]);
    expect(results.released).toMatchObject({ gradable: true, score: 0 });
    expect(output("released", 0)).toContain("✗ the test stopped with Error: not implemented yet");
    // ex1: 2 of 4 checks (the hidden ones fail) -> 1 of 2 points; ex2: 1 of 2 (41 is a number) -> 1.5 of 3
    expect(scores("partly")).toEqual([1, 1.5]);
    expect(output("partly", 1)).toContain("✗ the answer: expected 42, got 41");
  });

  it("an error is a failure with its message", () => {
    expect(scores("throws")).toEqual([0, 3]);
    expect(output("throws", 0)).toContain("the test stopped with RangeError: boom");
    expect(scores("type_error")).toEqual([2, 0]);
    expect(results.type_error!.notes.join("\n")).toMatch(/cell 'ex2': TSError: .*Type 'string' is not assignable to type 'number'/);
  });

  it("an endless loop times out, is interrupted, and the rest of the notebook still runs", () => {
    expect(scores("loop_in_test")).toEqual([0, 3]);
    expect(output("loop_in_test", 0)).toBe("the cell did not finish within 8 s (an endless loop?)");
    expect(scores("loop_in_solution")).toEqual([2, 0]);
    expect(results.loop_in_solution!.notes).toContain("cell 'ex2': the cell did not finish within 8 s (an endless loop?)");
    expect(scores("never_resolves")).toEqual([2, 0]);
    expect(results.never_resolves!.notes).toContain("cell 'ex2': the cell did not finish within 8 s (an endless loop?)");
    // not interrupted: killed, and the cells after it are not run
    expect(scores("unstoppable")).toEqual([2, 0]);
    expect(results.unstoppable!.notes).toContain("cell 'ex2': the cell did not finish within 8 s (an endless loop?) and the kernel was stopped");
    expect(output("unstoppable", 1)).toBe("not run: the kernel was stopped: a cell would not stop when interrupted");
  });

  it("a memory hog is stopped at the limit; what follows is not run and says why", () => {
    expect(scores("memory_hog")).toEqual([2, 0]);
    expect(results.memory_hog!.notes.join("\n")).toMatch(/cell 'ex2': memory limit exceeded: the kernel used \d+ MB, the limit is 768 MB/);
    expect(output("memory_hog", 1)).toMatch(/^not run: memory limit exceeded/);
  });

  it("tampered notebooks are graded on the lesson's cells", () => {
    expect(scores("edited_hidden_test")).toEqual([0, 3]);
    expect(results.edited_hidden_test!.notes).toEqual(["cell 'ex1_tests' was edited: it was graded as the lesson has it"]);
    expect(scores("deleted_test")).toEqual([2, 3]);
    expect(results.deleted_test!.notes).toEqual(["cell 'ex2_tests' is missing: it was restored from the lesson"]);
    expect(scores("deleted_solution")).toEqual([0, 3]);
    expect(results.deleted_solution!.notes).toEqual(["exercise cell 'ex1' is missing: it counts as unanswered"]);
    expect(results.duplicated).toMatchObject({ score: 5, max_score: 5 });
    expect(results.duplicated!.tests).toHaveLength(2);
    expect(results.duplicated!.notes).toEqual([
      "cell 'ex1' appears more than once: only its first copy counts",
      "cell 'ex2_tests' appears more than once: only its first copy counts, as the lesson has it",
    ]);
    for (const name of ["redefined_check", "replaced_check_global"]) {
      expect(results[name]).toMatchObject({ gradable: true, score: 0 });
      expect(output(name, 1)).toContain("✗ the answer: expected 42, got undefined");
    }
  });

  it("the learner's own cells run where they were added", () => {
    expect(results.own_helper_cell).toMatchObject({ score: 5, notes: [] });
  });

  it("files that cannot be graded score 0 with the reason, and the batch goes on", () => {
    expect(results.not_json).toMatchObject({ gradable: false, score: 0, tests: [] });
    expect(results.not_json!.error).toMatch(/not_json\.ipynb is not a notebook: it is not JSON/);
    expect(results.wrong_kernel!.error).toBe("wrong_kernel.ipynb was written for the 'python3' kernel, not lowbit: open the lesson's notebook from notebooks/ and do the exercises there");
    expect(results.no_lesson!.error).toMatch(/does not say which lesson it answers .*: grade it with --lesson ID/);
    expect(Object.keys(results)).toHaveLength(20);
  });

  it("no output format shows a hidden test's code or message", () => {
    const all = Object.values(results);
    const rendered = [text_report(all), json_report(all), ...all.map((r) => JSON.stringify(gradescope_results(r))), ...all.map((r) => JSON.stringify(prairielearn_results(r)))];
    for (const r of rendered) expect(r).not.toMatch(/HIDDEN_/);
    expect(output("partly", 0)).toContain("✗ a hidden test failed");
  });

  it("writes Gradescope's results.json as its specification defines it", () => {
    const gs = gradescope_results(results.partly!);
    const top = ["score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"];
    const per_test = ["score", "max_score", "status", "name", "number", "output", "output_format", "tags", "visibility", "extra_data"];
    expect(Object.keys(gs).filter((k) => !top.includes(k))).toEqual([]);
    const tests = gs.tests as Record<string, unknown>[];
    for (const t of tests) {
      expect(Object.keys(t).filter((k) => !per_test.includes(k))).toEqual([]);
      expect(["passed", "failed"]).toContain(t.status);
      expect(["hidden", "after_due_date", "after_published", "visible"]).toContain(t.visibility);
    }
    expect(tests.map((t) => [t.name, t.score, t.max_score, t.status])).toEqual([["Exercise 1: add", 1, 2, "failed"], ["Exercise 2: the answer", 1.5, 3, "failed"]]);
    expect(gs.score).toBe(2.5);
    expect(typeof gs.execution_time).toBe("number");
    expect(gradescope_results(results.not_json!)).toMatchObject({ score: 0, tests: [] });
  });

  it("writes PrairieLearn's results.json as its specification defines it", () => {
    const pl = prairielearn_results(results.partly!);
    expect(pl).toMatchObject({ gradable: true, score: 0.5 });
    const tests = pl.tests as Record<string, unknown>[];
    expect(tests.map((t) => [t.name, t.points, t.max_points])).toEqual([["Exercise 1: add", 1, 2], ["Exercise 2: the answer", 1.5, 3]]);
    for (const t of tests) for (const k of ["message", "output"]) expect(typeof t[k]).toBe("string");
    expect(prairielearn_results(results.correct!)).toMatchObject({ gradable: true, score: 1 });
    const broken = prairielearn_results(results.wrong_kernel!);
    expect(broken).toMatchObject({ gradable: false, score: 0, format_errors: [results.wrong_kernel!.error] });
  });
});

describe("lowbit grade on the command line", () => {
  it("writes results.json for the one notebook of a submission directory, and refuses a directory of two", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-grade-cli-"));
    mkdirSync(path.join(dir, "lessons"));
    writeFileSync(path.join(dir, "lessons", "grader_check.md"), LESSON);
    mkdirSync(path.join(dir, "one"));
    writeFileSync(path.join(dir, "one", "answer.ipynb"), JSON.stringify(submission(RIGHT)));
    const cli = (...args: string[]) => spawnSync(process.execPath, [KERNEL_CLI, "grade", ...args, "--lessons", path.join(dir, "lessons")], { encoding: "utf8", timeout: 120_000 });
    const out = path.join(dir, "results", "results.json");
    const r = cli(path.join(dir, "one"), "--format", "gradescope", "--output", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ score: 5, tests: [{ score: 2 }, { score: 3 }] });

    writeFileSync(path.join(dir, "one", "other.ipynb"), "{}");
    const two = cli(path.join(dir, "one"), "--format", "prairielearn");
    expect(two.status).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({
      gradable: false, score: 0,
      format_errors: [expect.stringMatching(/expected one notebook in .*one, found 2 \(answer\.ipynb, other\.ipynb\): submit only the lesson's notebook/)],
    });
    const bad = cli(path.join(dir, "one"), "--format", "pdf");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("--format is one of text, json, gradescope, prairielearn, got 'pdf'");
  });
});
