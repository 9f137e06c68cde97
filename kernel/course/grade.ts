// `lowbit grade`: scores submissions against their lesson. Each runs in a fresh kernel under time
// and memory limits (sandbox.ts), rebuilt from the lesson around the learner's answers
// (assemble.ts); each test cell scores points x the share of its checks that passed. A timeout, an
// error or a lost kernel scores 0 with a message; a submission that cannot be graded at all (not a
// notebook, another kernel, an unknown lesson) scores 0 with the reason, and a batch goes on.
import path from "node:path";
import { read_notebook, type Notebook, type Output } from "../jupyter/notebook.js";
import { KERNEL_NAME } from "../jupyter/kernelspec.js";
import { assemble, type GradedCell } from "./assemble.js";
import { find_lesson } from "./build.js";
import { CHECK_MIME, check_text, type CheckResult } from "./check.js";
import { has_hidden_tests, mark_hidden_tests } from "./markers.js";
import { run_sandboxed, type CellRun, type Limits } from "./sandbox.js";

export interface TestResult {
  /** the test cell's grade_id */
  id: string;
  name: string;
  score: number;
  max_score: number;
  /** what the learner may see: check lines, or why the test could not run (never hidden tests' code or messages) */
  output: string;
}

export interface SubmissionResult {
  file: string;
  lesson?: string;
  /** false when the submission could not be graded at all (see error) */
  gradable: boolean;
  error?: string;
  score: number;
  max_score: number;
  tests: TestResult[];
  /** restored, edited or missing cells; errors in the learner's own cells */
  notes: string[];
  seconds: number;
}

export interface GradeOptions extends Partial<Limits> {
  /** the lessons directory (default lessons/) */
  lessons: string;
  /** the lesson id, when the notebook does not name it */
  lesson?: string;
}

export const DEFAULT_LIMITS: Limits = { cell_timeout_s: 60, total_timeout_s: 600, memory_bytes: 2 * 1024 ** 3 };

// put before each test cell's first line (its line numbers stay): a submission may have replaced
// `check` with a function of its own, or declared another type for it
const GENUINE_CHECK = `const check: typeof import("lowbit").check = require("lowbit").check; `;

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export async function grade_submission(file: string, o: GradeOptions): Promise<SubmissionResult> {
  const started = Date.now();
  const result: SubmissionResult = { file, gradable: false, score: 0, max_score: 0, tests: [], notes: [], seconds: 0 };
  try {
    const nb = read_notebook(file);
    const kernel = (nb.metadata.kernelspec as { name?: string } | undefined)?.name;
    if (kernel !== undefined && kernel !== KERNEL_NAME) {
      throw new Error(`${path.basename(file)} was written for the '${kernel}' kernel, not ${KERNEL_NAME}: open the lesson's notebook from notebooks/ and do the exercises there`);
    }
    const id = o.lesson ?? lesson_of(nb);
    if (!id) throw new Error(`${path.basename(file)} does not say which lesson it answers (no metadata.lowbit.lesson): grade it with --lesson ID`);
    const lesson = find_lesson(o.lessons, id);
    result.lesson = lesson.id;
    const tests = lesson.cells.filter((c) => c.kind === "test");
    result.max_score = tests.reduce((s, c) => s + c.points!, 0);
    const { cells, notes } = assemble(nb, lesson);
    result.notes.push(...notes);
    const code = cells.filter((c) => c.kind !== "markdown");
    const runs = await run_sandboxed(code.map((c) => c.kind === "test"
      ? GENUINE_CHECK + mark_hidden_tests(c.source, "check.hidden(true);", "check.hidden(false);")
      : c.source), { ...DEFAULT_LIMITS, ...defined(o) });
    result.gradable = true;
    code.forEach((c, i) => {
      if (c.kind === "test") result.tests.push(score_test(c, runs[i]!));
      else if (runs[i]!.status !== "ok" && runs[i]!.status !== "not_run") result.notes.push(`cell '${c.id}': ${describe(runs[i]!)}`);
    });
    result.score = round(result.tests.reduce((s, t) => s + t.score, 0));
  } catch (e) {
    result.error = (e as Error).message;
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function lesson_of(nb: Notebook): string | undefined {
  const l = (nb.metadata.lowbit as { lesson?: unknown } | undefined)?.lesson;
  return typeof l === "string" ? l : undefined;
}

function defined(o: Partial<Limits>): Partial<Limits> {
  return Object.fromEntries(Object.entries({ cell_timeout_s: o.cell_timeout_s, total_timeout_s: o.total_timeout_s, memory_bytes: o.memory_bytes })
    .filter(([, v]) => v !== undefined));
}

function describe(r: CellRun): string {
  return r.status === "error" ? `${r.ename}: ${r.evalue}` : r.evalue ?? r.status;
}

/** The check results a test cell displayed: the last one per check id (a learner's function
 *  that displays a look-alike earlier does not count). */
function check_results(outputs: Output[]): CheckResult[] {
  const by_id = new Map<string, CheckResult>();
  for (const o of outputs) {
    const r = (o.data as Record<string, unknown> | undefined)?.[CHECK_MIME] as CheckResult | undefined;
    if (r && typeof r.id === "string") by_id.set(r.id, r);
  }
  return [...by_id.values()];
}

function score_test(c: GradedCell, run: CellRun): TestResult {
  const lc = c.lesson_cell!;
  const t: TestResult = { id: c.id, name: lc.title ?? c.id, score: 0, max_score: lc.points!, output: "" };
  if (run.status !== "ok") {
    // an error inside a test cell with hidden tests could quote them: say only what kind it was
    t.output = run.status === "error" && has_hidden_tests(lc.source) ? `the tests could not run (${run.ename}); run the visible tests in your notebook to see why` : describe(run);
    return t;
  }
  const results = check_results(run.outputs);
  if (results.length === 0) {
    t.output = "the test cell reported no result (lowbit's tests report through check())";
    return t;
  }
  const passed = results.reduce((s, r) => s + r.passed, 0), total = results.reduce((s, r) => s + r.total, 0);
  t.score = total ? round(t.max_score * passed / total) : 0;
  t.output = results.map(check_text).join("\n");
  return t;
}

/** Grades many submissions, `jobs` at a time; one that fails never stops the others. */
export async function grade_all(files: string[], o: GradeOptions & { jobs?: number; on_done?: (r: SubmissionResult) => void }): Promise<SubmissionResult[]> {
  const results: SubmissionResult[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await grade_submission(files[i]!, o);
      o.on_done?.(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs ?? 2, files.length)) }, worker));
  return results;
}
