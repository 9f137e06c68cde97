// What the grader runs for a submission: the lesson's cells in the lesson's order -- its
// Markdown, demo code and tests as the lesson has them (hidden tests included), whatever the
// submission did to them -- with the learner's answers in the solution cells and the learner's
// own extra code cells where they put them. Cells are matched by nbgrader's grade_id.
import { text, type Notebook } from "../jupyter/notebook.js";
import type { Lesson, LessonCell } from "./lesson.js";
import { stub_solutions, strip_hidden_tests } from "./markers.js";
import { nbgrader_of } from "./nbgrader.js";

export interface GradedCell {
  /** "learner": a code cell the submission added */
  kind: LessonCell["kind"] | "learner";
  id: string;
  source: string;
  lesson_cell?: LessonCell;
}

export interface Assembled {
  cells: GradedCell[];
  /** what was restored or left out, for the feedback */
  notes: string[];
}

/** The source a learner's notebook shows for a lesson cell, to tell whether it was edited. */
function released(c: LessonCell): string {
  return c.kind === "test" ? strip_hidden_tests(c.source) : c.kind === "solution" ? stub_solutions(c.source) : c.source;
}

export function assemble(nb: Notebook, lesson: Lesson): Assembled {
  const by_id = new Map(lesson.cells.map((c) => [c.id, c]));
  const answers = new Map<string, string>();
  const seen = new Set<string>();
  const extras = new Map<string, string[]>();
  const notes: string[] = [];
  let anchor = "";
  for (const cell of nb.cells) {
    const id = nbgrader_of(cell)?.grade_id;
    if (id === undefined) {
      if (cell.cell_type === "code" && text(cell.source).trim()) extras.set(anchor, [...(extras.get(anchor) ?? []), text(cell.source)]);
      continue;
    }
    const lc = by_id.get(id);
    if (!lc) {
      notes.push(`cell '${id}' is not part of lesson ${lesson.id}: it was left out`);
      continue;
    }
    if (seen.has(id)) {
      notes.push(`cell '${id}' appears more than once: only its first copy counts${lc.kind === "solution" ? "" : ", as the lesson has it"}`);
      continue;
    }
    seen.add(id);
    anchor = id;
    if (lc.kind === "solution") answers.set(id, text(cell.source));
    else if (lc.kind !== "markdown" && text(cell.source).trimEnd() !== released(lc).trimEnd()) notes.push(`cell '${id}' was edited: it was graded as the lesson has it`);
  }
  const cells: GradedCell[] = (extras.get("") ?? []).map((source, i) => ({ kind: "learner", id: `learner-0-${i}`, source }));
  for (const lc of lesson.cells) {
    if (!seen.has(lc.id)) {
      notes.push(lc.kind === "solution" ? `exercise cell '${lc.id}' is missing: it counts as unanswered` : `cell '${lc.id}' is missing: it was restored from the lesson`);
    }
    cells.push({ kind: lc.kind, id: lc.id, source: lc.kind === "solution" ? answers.get(lc.id) ?? released(lc) : lc.source, lesson_cell: lc });
    (extras.get(lc.id) ?? []).forEach((source, i) => cells.push({ kind: "learner", id: `learner-${lc.id}-${i}`, source }));
  }
  return { cells, notes };
}
