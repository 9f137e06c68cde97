// Grading results in the forms their readers take: text for a person, JSON for scripts, and the
// results.json of Gradescope (autograder_samples docs/specs.md: score, execution_time, output,
// tests[] of name, score, max_score, status, output, visibility) and of PrairieLearn's external
// grader (docs/externalGrading.md: gradable, score in [0, 1], message, format_errors, tests[] of
// name, points, max_points, message, output). Both carry one submission.
import type { SubmissionResult } from "./grade.js";

export type Format = "text" | "json" | "gradescope" | "prairielearn";
export const FORMATS: Format[] = ["text", "json", "gradescope", "prairielearn"];

const fmt = (x: number) => String(Math.round(x * 100) / 100);

function summary(r: SubmissionResult): string {
  if (!r.gradable) return `not graded: ${r.error}`;
  return `${fmt(r.score)} of ${fmt(r.max_score)} points (lesson ${r.lesson})`;
}

export function text_report(results: SubmissionResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`${r.file}: ${summary(r)}`);
    for (const t of r.tests) {
      out.push(`  ${t.score === t.max_score ? "✓" : "✗"} ${t.name}: ${fmt(t.score)}/${fmt(t.max_score)}`);
      out.push(...t.output.split("\n").map((l) => `      ${l}`));
    }
    for (const n of r.notes) out.push(`  note: ${n}`);
  }
  if (results.length > 1) {
    const graded = results.filter((r) => r.gradable).length;
    out.push(`${results.length} submissions, ${graded} graded, ${results.length - graded} not gradable`);
  }
  return out.join("\n") + "\n";
}

export const json_report = (results: SubmissionResult[]): string => JSON.stringify({ submissions: results }, null, 2) + "\n";

/** Learner-visible notes under the summary line. */
const overview = (r: SubmissionResult) => [summary(r), ...r.notes.map((n) => `note: ${n}`)].join("\n");

export function gradescope_results(r: SubmissionResult): Record<string, unknown> {
  return {
    score: r.score,
    execution_time: Math.round(r.seconds),
    output: overview(r),
    tests: r.tests.map((t) => ({
      name: t.name,
      score: t.score,
      max_score: t.max_score,
      status: t.score === t.max_score ? "passed" : "failed",
      output: t.output,
      visibility: "visible",
    })),
  };
}

export function prairielearn_results(r: SubmissionResult): Record<string, unknown> {
  if (!r.gradable) return { gradable: false, score: 0, message: overview(r), format_errors: [r.error!], tests: [] };
  return {
    gradable: true,
    score: r.max_score ? r.score / r.max_score : 0,
    message: overview(r),
    tests: r.tests.map((t) => ({
      name: t.name,
      points: t.score,
      max_points: t.max_score,
      message: t.score === t.max_score ? "passed" : "failed",
      output: t.output,
    })),
  };
}

export function render(results: SubmissionResult[], format: Format): string {
  if (format === "text") return text_report(results);
  if (format === "json") return json_report(results);
  if (results.length !== 1) throw new Error(`--format ${format} writes one submission's results.json, and ${results.length} were graded`);
  return JSON.stringify(format === "gradescope" ? gradescope_results(results[0]!) : prairielearn_results(results[0]!), null, 2) + "\n";
}
