// The lesson format and `lowbit build`: what a lesson parses into, what the learner and the
// instructor get, nbgrader's metadata and checksums (checked against nbgrader's own algorithm run
// by Python), bad lessons named by file and line, and notebooks/ being exactly the build.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build, lesson_notebook, read_lessons } from "../../kernel/course/build.js";
import { parse_lesson } from "../../kernel/course/lesson.js";
import { text } from "../../kernel/jupyter/notebook.js";
import { PYTHON, ROOT } from "../helpers/jupyter.js";

const LESSON = `---
title: A tiny lesson
---
# Intro

Some *prose*.

\`\`\`ts
const demo = 1;
\`\`\`

+++

Second paragraph cell.

\`\`\`ts solution id=ex1
function double(x: number): number {
  // BEGIN SOLUTION
  return 2 * x;
  // END SOLUTION
}
let answer: number | undefined;
// BEGIN SOLUTION
answer = 42;
// END SOLUTION
\`\`\`

\`\`\`ts test id=ex1_tests points=2.5 title="Exercise 1: doubling"
check("ex1", (t) => {
  t.equal(double(2), 4);
  // BEGIN HIDDEN TESTS
  t.equal(double(-3), -6, "secret negative case");
  // END HIDDEN TESTS
});
\`\`\`

\`\`\`python
print("a Python block stays in the prose")
\`\`\`
`;

describe("lesson format", () => {
  const lesson = parse_lesson(LESSON, "lessons/tiny.md");

  it("splits prose and fenced code into cells, with kinds, ids, points and titles", () => {
    expect(lesson.id).toBe("tiny");
    expect(lesson.title).toBe("A tiny lesson");
    expect(lesson.cells.map((c) => c.kind)).toEqual(["markdown", "code", "markdown", "solution", "test", "markdown"]);
    expect(lesson.cells[0]!.source).toBe("# Intro\n\nSome *prose*.");
    expect(lesson.cells[5]!.source).toContain('print("a Python block stays in the prose")');
    const test = lesson.cells[4]!;
    expect([test.id, test.points, test.title]).toEqual(["ex1_tests", 2.5, "Exercise 1: doubling"]);
    // ids of unnamed cells come from their content: unique and stable across parses
    const ids = lesson.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parse_lesson(LESSON, "lessons/tiny.md").cells.map((c) => c.id)).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
  });

  it("learners get stubs and no hidden tests; a stub inside a function throws, one at the top level does nothing", () => {
    const nb = lesson_notebook(lesson, "learner");
    const src = nb.cells.map((c) => text(c.source));
    expect(src[3]).toBe([
      "function double(x: number): number {", "  // YOUR CODE HERE", '  throw new Error("not implemented yet");', "}",
      "let answer: number | undefined;", "// YOUR CODE HERE",
    ].join("\n"));
    expect(src[4]).toBe('check("ex1", (t) => {\n  t.equal(double(2), 4);\n});');
    expect(JSON.stringify(nb)).not.toContain("secret");
    expect(JSON.stringify(nb)).not.toContain("2 * x");
    expect(nb.metadata.kernelspec).toMatchObject({ name: "lowbit", language: "typescript" });
    expect(nb.metadata.lowbit).toEqual({ lesson: "tiny", title: "A tiny lesson" });
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.cells.map((c) => c.id)).toEqual(lesson.cells.map((c) => c.id));
  });

  it("instructors get the lesson as written", () => {
    const nb = lesson_notebook(lesson, "instructor");
    expect(nb.cells.map((c) => text(c.source))).toEqual(lesson.cells.map((c) => c.source));
  });

  it("cells carry nbgrader schema 3 metadata: tests graded and locked, solutions editable, the rest locked", () => {
    const nb = lesson_notebook(lesson, "learner");
    const meta = nb.cells.map((c) => c.metadata.nbgrader as Record<string, unknown>);
    const allowed = ["schema_version", "grade", "solution", "locked", "grade_id", "points", "checksum", "task", "cell_type"];
    for (const m of meta) {
      expect(m).toMatchObject({ schema_version: 3 });
      for (const k of ["grade", "solution", "locked"]) expect(typeof m[k]).toBe("boolean");
      expect(Object.keys(m).filter((k) => !allowed.includes(k))).toEqual([]);
      expect(m.grade_id).toMatch(/^[a-zA-Z0-9_-]*$/);
    }
    expect(meta[3]).toMatchObject({ grade: false, solution: true, locked: false, grade_id: "ex1" });
    expect(meta[4]).toMatchObject({ grade: true, solution: false, locked: true, grade_id: "ex1_tests", points: 2.5 });
    expect(nb.cells[4]!.metadata).toMatchObject({ editable: false, deletable: false });
    expect(meta[1]).toMatchObject({ grade: false, solution: false, locked: true });
  });

  it("checksums are nbgrader's compute_checksum, as Python computes it", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-checksum-"));
    const file = path.join(dir, "tiny.ipynb");
    const nb = lesson_notebook(lesson, "learner");
    writeFileSync(file, JSON.stringify(nb));
    // nbgrader.utils.compute_checksum (nbgrader 0.9), over json rather than nbformat
    const script = `
import hashlib, json, sys
def is_grade(c): return c["metadata"]["nbgrader"].get("grade", False)
def is_solution(c): return c["metadata"]["nbgrader"].get("solution", False)
def is_locked(c):
    if is_solution(c): return False
    if is_grade(c): return True
    return c["metadata"]["nbgrader"].get("locked", False)
for c in json.load(open(sys.argv[1]))["cells"]:
    m = hashlib.md5()
    m.update("".join(c["source"]).encode("utf-8"))
    m.update(c["cell_type"].encode("utf-8"))
    m.update(str(is_grade(c)).encode("utf-8"))
    m.update(str(is_solution(c)).encode("utf-8"))
    m.update(str(is_locked(c)).encode("utf-8"))
    m.update(c["metadata"]["nbgrader"]["grade_id"].encode("utf-8"))
    if is_grade(c):
        m.update(str(float(c["metadata"]["nbgrader"]["points"])).encode("utf-8"))
    print(m.hexdigest())
`;
    const r = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toEqual(nb.cells.map((c) => (c.metadata.nbgrader as { checksum: string }).checksum));
  });

  it.each([
    ["```ts solution id=ex1\nconst a = 1;\n```", "tiny.md:1: a solution cell needs its answer between // BEGIN SOLUTION and // END SOLUTION lines"],
    ["```ts test id=t\ncheck('x', () => {});\n```", "tiny.md:1: a test cell needs points=N with N > 0, got ''"],
    ["```ts solution\n// BEGIN SOLUTION\n// END SOLUTION\n```", "tiny.md:1: a solution cell needs an id: ```ts solution id=ex1"],
    ["text\n\n```ts\nconst a = 1;\n", "tiny.md:3: this code block is never closed: end it with a line holding only ```"],
    ["```ts solution id=a\n// BEGIN SOLUTION\n```", "tiny.md:1: BEGIN SOLUTION at line 1 of the cell is never closed: add a line // END SOLUTION"],
    ["```ts\n// BEGIN HIDDEN TESTS\n// END HIDDEN TESTS\n```", "tiny.md:1: BEGIN HIDDEN TESTS belongs in a test cell: start the block with ```ts test id=... points=..."],
    ["```ts test id=a points=1\n```\n```ts test id=a points=1\n```", "tiny.md:3: id 'a' is used twice (first at line 1): ids must be unique"],
    ["```ts test id=a points=1 weight=2\n```", "tiny.md:1: unknown attribute weight: a code block takes id=, points= and title="],
    ["```ts exercise id=a\n```", "tiny.md:1: unknown cell kind 'exercise': use ```ts, ```ts solution or ```ts test"],
    ["---\ntitle: x\n", "tiny.md:1: the front matter opened by `---` is never closed by another `---` line"],
  ])("a bad lesson names the file, the line and the fix: %s", (source, message) => {
    expect(() => parse_lesson(source, "tiny.md")).toThrow(message);
  });
});

describe("notebooks/", () => {
  it("is exactly what `lowbit build` makes of lessons/", () => {
    const r = build(path.join(ROOT, "lessons"), path.join(ROOT, "notebooks"), { check: true });
    expect(r).toEqual({ changed: [], extra: [] });
  });

  it("--check reports a stale notebook and one no lesson builds, and writes nothing", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "lowbit-build-"));
    build(path.join(ROOT, "lessons"), out);
    const lessons = read_lessons(path.join(ROOT, "lessons"));
    const first = path.join(out, `${lessons[0]!.id}.ipynb`);
    const edited = readFileSync(first, "utf8").replace('"outputs": []', '"outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}]');
    writeFileSync(first, edited);
    writeFileSync(path.join(out, "stray.ipynb"), "{}");
    expect(build(path.join(ROOT, "lessons"), out, { check: true })).toEqual({ changed: [first], extra: [path.join(out, "stray.ipynb")] });
    expect(readFileSync(first, "utf8")).toBe(edited);
  });
});
