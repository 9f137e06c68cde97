// nbgrader's region markers inside a cell: the lines between BEGIN/END SOLUTION are the answer
// (a learner sees a stub instead), the lines between BEGIN/END HIDDEN TESTS are tests a learner
// never sees. Markers are whole lines (`// BEGIN SOLUTION`), as nbgrader matches them.
import type { CellKind } from "./lesson.js";

type Region = "SOLUTION" | "HIDDEN TESTS";

const marker = (line: string, edge: "BEGIN" | "END", what: Region) => line.includes(`${edge} ${what}`);

/** The [begin, end] line pairs of a region kind; throws on a marker without its partner. */
function regions(source: string, what: Region): [number, number][] {
  const lines = source.split("\n");
  const out: [number, number][] = [];
  let open = -1;
  lines.forEach((l, i) => {
    if (marker(l, "BEGIN", what)) {
      if (open >= 0) throw new Error(`line ${i + 1} of the cell opens BEGIN ${what} inside another one (opened at line ${open + 1}): close it first with END ${what}`);
      open = i;
    } else if (marker(l, "END", what)) {
      if (open < 0) throw new Error(`line ${i + 1} of the cell has END ${what} without a BEGIN ${what} before it`);
      out.push([open, i]);
      open = -1;
    }
  });
  if (open >= 0) throw new Error(`BEGIN ${what} at line ${open + 1} of the cell is never closed: add a line // END ${what}`);
  return out;
}

/** Checks that a cell's markers are balanced and belong to its kind. */
export function check_markers(source: string, kind: CellKind): void {
  if (kind === "markdown") return;
  const solutions = regions(source, "SOLUTION"), hidden = regions(source, "HIDDEN TESTS");
  if (kind === "solution" && solutions.length === 0) throw new Error("a solution cell needs its answer between // BEGIN SOLUTION and // END SOLUTION lines");
  if (kind !== "solution" && solutions.length) throw new Error("BEGIN SOLUTION belongs in a solution cell: start the block with ```ts solution id=...");
  if (kind !== "test" && hidden.length) throw new Error("BEGIN HIDDEN TESTS belongs in a test cell: start the block with ```ts test id=... points=...");
}

export const has_hidden_tests = (source: string): boolean => regions(source, "HIDDEN TESTS").length > 0;

/** Replaces each region (markers included) by what `by` returns for it. */
function replace_regions(source: string, what: Region, by: (indent: string, body: string[]) => string[]): string {
  const lines = source.split("\n");
  const out: string[] = [];
  let at = 0;
  for (const [begin, end] of regions(source, what)) {
    out.push(...lines.slice(at, begin));
    out.push(...by(/^\s*/.exec(lines[begin]!)![0], lines.slice(begin + 1, end)));
    at = end + 1;
  }
  out.push(...lines.slice(at));
  return out.join("\n");
}

/** The learner's version of a solution: each answer becomes `// YOUR CODE HERE`. Inside a block
 *  (an indented region: a function body) the stub also throws, so that calling the unfinished
 *  function says so; at the top level it does nothing, so the fresh notebook runs without errors. */
export function stub_solutions(source: string): string {
  return replace_regions(source, "SOLUTION", (indent) =>
    indent ? [`${indent}// YOUR CODE HERE`, `${indent}throw new Error("not implemented yet");`] : ["// YOUR CODE HERE"]);
}

/** The learner's version of a test cell: hidden tests removed. */
export const strip_hidden_tests = (source: string): string => replace_regions(source, "HIDDEN TESTS", () => []);

/** The grader's version of a test cell: the hidden tests run between two statements that tell
 *  `check` to keep their messages out of the feedback. */
export function mark_hidden_tests(source: string, begin: string, end: string): string {
  return replace_regions(source, "HIDDEN TESTS", (indent, body) => [`${indent}${begin}`, ...body, `${indent}${end}`]);
}

