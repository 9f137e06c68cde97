// Lesson sources (lessons/*.md): Markdown with the code cells as fenced blocks, so a lesson reads
// on GitHub and diffs line by line. A fence's info string says what the cell is:
//
//   ```ts                                     demo code (read-only in the learner notebook)
//   ```ts solution id=ex1                     an exercise: solution between BEGIN/END SOLUTION
//   ```ts test id=ex1_tests points=2 title="Exercise 1"   graded tests, hidden ones between
//                                             BEGIN/END HIDDEN TESTS
//
// Text between fences is one Markdown cell; a line `+++` splits it into two. An optional front
// matter block (`---` lines) holds `title:` and `id:` (default: the file name).
import { createHash } from "node:crypto";
import path from "node:path";
import { check_markers } from "./markers.js";

export type CellKind = "markdown" | "code" | "solution" | "test";

export interface LessonCell {
  kind: CellKind;
  source: string;
  /** the nbgrader grade_id: given for solutions and tests, derived from the content otherwise */
  id: string;
  points?: number;
  title?: string;
  /** 1-based line of the cell in the lesson file, for error messages */
  line: number;
}

export interface Lesson {
  id: string;
  title: string;
  file: string;
  cells: LessonCell[];
}

export const GRADE_ID = /^[a-zA-Z0-9_-]+$/;
const FENCE = /^```(.*)$/;
const ATTR = /(\w+)=(?:"([^"]*)"|(\S+))/g;

export class LessonError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** Parses a lesson's text; every problem names the file and line and how to fix it. */
export function parse_lesson(text: string, file: string): Lesson {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const meta: Record<string, string> = {};
  let i = 0;
  if (lines[0] === "---") {
    const end = lines.indexOf("---", 1);
    if (end < 0) throw new LessonError(file, 1, "the front matter opened by `---` is never closed by another `---` line");
    for (let j = 1; j < end; j++) {
      const m = /^(\w+):\s*(.*)$/.exec(lines[j]!);
      if (!m) throw new LessonError(file, j + 1, `front matter lines are \`key: value\`, got '${lines[j]}'`);
      meta[m[1]!] = m[2]!.trim();
    }
    i = end + 1;
  }
  const cells: LessonCell[] = [];
  let prose: string[] = [];
  let prose_line = i + 1;
  const flush_prose = () => {
    const source = prose.join("\n").trim();
    if (source) cells.push({ kind: "markdown", source, id: "", line: prose_line });
    prose = [];
  };
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (line === "+++") {
      flush_prose();
      prose_line = i + 2;
      continue;
    }
    if (!fence) {
      if (!prose.length) prose_line = i + 1;
      prose.push(line);
      continue;
    }
    flush_prose();
    const start = i + 1;
    const end = lines.findIndex((l, k) => k > i && l === "```");
    if (end < 0) throw new LessonError(file, start, "this code block is never closed: end it with a line holding only ```");
    const cell = code_cell(fence[1]!.trim(), lines.slice(i + 1, end).join("\n"), file, start);
    if (cell) cells.push(cell);
    else prose.push(...lines.slice(i, end + 1));
    i = end;
    prose_line = end + 2;
  }
  flush_prose();
  assign_ids(cells, file);
  const id = meta.id ?? path.basename(file, path.extname(file));
  if (!GRADE_ID.test(id)) throw new LessonError(file, 1, `the lesson id '${id}' may hold only letters, digits, '_' and '-'`);
  return { id, title: meta.title ?? id, file, cells };
}

/** A fenced block as a code cell, or null for blocks in other languages (kept as Markdown). */
function code_cell(info: string, source: string, file: string, line: number): LessonCell | null {
  const [lang = "", kind = "", ...rest] = info.split(/\s+/);
  if (lang !== "ts" && lang !== "typescript") return null;
  const attrs: Record<string, string> = {};
  for (const m of rest.join(" ").matchAll(ATTR)) attrs[m[1]!] = m[2] ?? m[3]!;
  const unknown = Object.keys(attrs).filter((k) => !["id", "points", "title"].includes(k));
  if (unknown.length) throw new LessonError(file, line, `unknown attribute ${unknown.join(", ")}: a code block takes id=, points= and title=`);
  if (kind.includes("=")) throw new LessonError(file, line, `say what the block is before its attributes: \`\`\`ts solution ${kind} or \`\`\`ts test ${kind}`);
  if (kind && kind !== "solution" && kind !== "test") throw new LessonError(file, line, `unknown cell kind '${kind}': use \`\`\`ts, \`\`\`ts solution or \`\`\`ts test`);
  const cell: LessonCell = { kind: (kind || "code") as CellKind, source: source.replace(/\s+$/, ""), id: attrs.id ?? "", line };
  if (attrs.title !== undefined) cell.title = attrs.title;
  if (cell.kind === "solution" || cell.kind === "test") {
    if (!attrs.id) throw new LessonError(file, line, `a ${cell.kind} cell needs an id: \`\`\`ts ${cell.kind} id=ex1${cell.kind === "test" ? "_tests points=1" : ""}`);
    if (!GRADE_ID.test(attrs.id)) throw new LessonError(file, line, `id '${attrs.id}' may hold only letters, digits, '_' and '-' (nbgrader's grade_id)`);
  } else if (attrs.id || attrs.points) {
    throw new LessonError(file, line, "only solution and test cells take id= and points=");
  }
  if (cell.kind === "test") {
    const points = Number(attrs.points);
    if (attrs.points === undefined || !(points > 0)) throw new LessonError(file, line, `a test cell needs points=N with N > 0, got '${attrs.points ?? ""}'`);
    cell.points = points;
  } else if (attrs.points !== undefined) {
    throw new LessonError(file, line, "points= belongs on the test cell, not the solution cell");
  }
  try {
    check_markers(cell.source, cell.kind);
  } catch (e) {
    throw new LessonError(file, line, (e as Error).message);
  }
  return cell;
}

/** Cells without an id get one from their content (stable while the cell is unchanged, so a
 *  rebuilt notebook differs only where the lesson did); every id must be unique. */
function assign_ids(cells: LessonCell[], file: string): void {
  const seen = new Map<string, number>();
  for (const c of cells.filter((c) => c.id)) {
    const first = seen.get(c.id);
    if (first !== undefined) throw new LessonError(file, c.line, `id '${c.id}' is used twice (first at line ${first}): ids must be unique`);
    seen.set(c.id, c.line);
  }
  for (const c of cells.filter((c) => !c.id)) {
    const base = `${c.kind === "markdown" ? "md" : "code"}-${createHash("sha256").update(c.source).digest("hex").slice(0, 8)}`;
    let id = base;
    for (let n = 2; seen.has(id); n++) id = `${base}-${n}`;
    c.id = id;
    seen.set(id, c.line);
  }
}
