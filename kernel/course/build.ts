// `lowbit build`: lesson sources (lessons/*.md) -> learner notebooks (notebooks/*.ipynb), with
// solutions stubbed, hidden tests removed and nbgrader's cell metadata; or the instructor
// notebooks (everything kept) for running the lessons as written.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import path from "node:path";
import { KERNEL_NAME, kernel_json } from "../jupyter/kernelspec.js";
import { lines, read_notebook, write_notebook, type Cell, type Notebook } from "../jupyter/notebook.js";
import { parse_lesson, type Lesson, type LessonCell } from "./lesson.js";
import { stub_solutions, strip_hidden_tests } from "./markers.js";
import { nbgrader_checksum, type NbgraderMetadata } from "./nbgrader.js";

export type Version = "learner" | "instructor";

function nbgrader_metadata(c: LessonCell): NbgraderMetadata {
  const m: NbgraderMetadata = {
    grade: c.kind === "test", solution: c.kind === "solution", locked: c.kind !== "solution", grade_id: c.id, schema_version: 3,
  };
  if (c.kind === "test") m.points = c.points!;
  return m;
}

function cell_of(c: LessonCell, version: Version): Cell {
  const source = version === "instructor" ? c.source : c.kind === "solution" ? stub_solutions(c.source) : c.kind === "test" ? strip_hidden_tests(c.source) : c.source;
  const nbgrader = nbgrader_metadata(c);
  // tests are read-only and undeletable, as nbgrader's LockCells makes grade cells; demo code stays
  // editable for trying things (the grader restores it from the lesson anyway)
  const metadata: Record<string, unknown> = c.kind === "test" ? { deletable: false, editable: false, nbgrader } : { nbgrader };
  const cell: Cell = c.kind === "markdown"
    ? { cell_type: "markdown", id: c.id, metadata, source: lines(source) }
    : { cell_type: "code", id: c.id, metadata, source: lines(source), outputs: [], execution_count: null };
  if (version === "learner") nbgrader.checksum = nbgrader_checksum(cell);
  return cell;
}

export function lesson_notebook(lesson: Lesson, version: Version): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: KERNEL_NAME, display_name: kernel_json().display_name, language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
      lowbit: { lesson: lesson.id, title: lesson.title },
    },
    cells: lesson.cells.map((c) => cell_of(c, version)),
  };
}

export function read_lesson(file: string): Lesson {
  return parse_lesson(readFileSync(file, "utf8"), file);
}

/** Every lesson in a directory, in file-name order. */
export function read_lessons(dir: string): Lesson[] {
  if (!existsSync(dir)) throw new Error(`no lessons directory at ${dir}: pass --lessons DIR`);
  const lessons = readdirSync(dir).filter((f) => f.endsWith(".md")).sort().map((f) => read_lesson(path.join(dir, f)));
  const ids = new Map<string, string>();
  for (const l of lessons) {
    if (ids.has(l.id)) throw new Error(`${l.file} and ${ids.get(l.id)} both have the lesson id '${l.id}': give one of them another id`);
    ids.set(l.id, l.file);
  }
  return lessons;
}

/** The lesson a submission names, from a lessons directory. */
export function find_lesson(dir: string, id: string): Lesson {
  const all = read_lessons(dir);
  const lesson = all.find((l) => l.id === id);
  if (!lesson) throw new Error(`no lesson '${id}' in ${dir} (it has: ${all.map((l) => l.id).join(", ") || "none"})`);
  return lesson;
}

export interface BuildResult {
  /** notebooks written (or, with check, that differ from what the build would write) */
  changed: string[];
  /** notebooks in the output directory that no lesson builds (check only) */
  extra: string[];
}

/** Writes one notebook per lesson into out_dir; with check, writes nothing and reports what
 *  differs (in content: formatting aside) from what it would write. */
export function build(lessons_dir: string, out_dir: string, o: { version?: Version; check?: boolean } = {}): BuildResult {
  const lessons = read_lessons(lessons_dir);
  const changed: string[] = [];
  if (!o.check) mkdirSync(out_dir, { recursive: true });
  for (const lesson of lessons) {
    const file = path.join(out_dir, `${lesson.id}.ipynb`);
    const nb = lesson_notebook(lesson, o.version ?? "learner");
    if (existsSync(file) && same_notebook(file, nb)) continue;
    changed.push(file);
    if (!o.check) write_notebook(file, nb);
  }
  const built = new Set(lessons.map((l) => `${l.id}.ipynb`));
  const extra = o.check && existsSync(out_dir)
    ? readdirSync(out_dir).filter((f) => f.endsWith(".ipynb") && !built.has(f)).map((f) => path.join(out_dir, f))
    : [];
  return { changed, extra };
}

function same_notebook(file: string, nb: Notebook): boolean {
  try {
    return isDeepStrictEqual(read_notebook(file), JSON.parse(JSON.stringify(nb)));
  } catch {
    return false;
  }
}
