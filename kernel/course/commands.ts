// The `lowbit build` and `lowbit grade` commands behind kernel/cli.ts's argument parsing.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { package_root } from "../package.js";
import { write_text_atomic } from "../atomic_file.js";
import { progress } from "../viz/progress.js";
import { build } from "./build.js";
import { grade_all, type GradeOptions, type SubmissionResult } from "./grade.js";
import { FORMATS, render, type Format } from "./results.js";

/** lessons/ in the working directory, else the one shipped with lowbit. */
export function default_lessons_dir(): string {
  return existsSync("lessons") ? path.resolve("lessons") : path.join(package_root(), "lessons");
}

export interface BuildArgs {
  lessons?: string;
  out?: string;
  instructor?: boolean;
  check?: boolean;
}

export function build_command(a: BuildArgs): number {
  const lessons = a.lessons ?? default_lessons_dir();
  const out = a.out ?? (a.instructor ? "instructor" : path.join(path.dirname(lessons), "notebooks"));
  const r = build(lessons, out, { version: a.instructor ? "instructor" : "learner", check: a.check });
  if (a.check) {
    for (const f of r.changed) process.stderr.write(`lowbit build: ${f} is not what its lesson builds\n`);
    for (const f of r.extra) process.stderr.write(`lowbit build: ${f} is not built from any lesson in ${lessons}\n`);
    if (r.changed.length || r.extra.length) {
      process.stderr.write(`lowbit build: run \`lowbit build\` and commit ${out}/ (a notebook no lesson builds is to be deleted or made a lesson)\n`);
      return 1;
    }
    process.stderr.write(`lowbit build: ${out}/ is up to date with ${lessons}/\n`);
    return 0;
  }
  process.stderr.write(`lowbit build: ${r.changed.length} notebook(s) written to ${out}/${r.changed.length ? `: ${r.changed.map((f) => path.basename(f)).join(", ")}` : ""}\n`);
  return 0;
}

export interface GradeArgs extends Omit<GradeOptions, "lessons"> {
  lessons?: string;
  format: Format;
  output?: string;
  jobs?: number;
}

export function parse_format(f: string | undefined): Format {
  if (f === undefined) return "text";
  if (!FORMATS.includes(f as Format)) throw new Error(`grade: --format is one of ${FORMATS.join(", ")}, got '${f}'`);
  return f as Format;
}

/** The notebooks a path means: the file itself, or the .ipynb files in a directory. */
function submissions(target: string): string[] {
  if (!existsSync(target)) throw new Error(`grade: ${target} does not exist`);
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".")).sort().map((f) => path.join(target, f));
}

export async function grade_command(target: string, a: GradeArgs): Promise<number> {
  const files = submissions(target);
  const one = a.format === "gradescope" || a.format === "prairielearn";
  let results: SubmissionResult[];
  if (one && files.length !== 1) {
    const error = `expected one notebook in ${target}, found ${files.length}${files.length ? ` (${files.map((f) => path.basename(f)).join(", ")})` : ""}: submit only the lesson's notebook`;
    results = [{ file: target, gradable: false, error, score: 0, max_score: 0, tests: [], notes: [], seconds: 0 }];
  } else if (files.length === 0) {
    throw new Error(`grade: there is no .ipynb file in ${target}`);
  } else {
    const bar = files.length > 1 ? progress.bar({ total: files.length, desc: "grading", unit: "notebook", file: process.stderr }) : null;
    results = await grade_all(files, { ...a, lessons: a.lessons ?? default_lessons_dir(), on_done: () => bar?.update(1) });
    bar?.close();
  }
  const text = render(results, a.format);
  if (a.output) write_atomic(a.output, text);
  else process.stdout.write(text);
  return 0;
}

function write_atomic(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  write_text_atomic(file, text);
}
