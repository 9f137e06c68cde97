// Where a runtime error happened in a cell. tslab's converter rewrites a cell into JavaScript with
// other line breaks (types and interfaces vanish, `exports.x = x;` lines appear) and gives no
// source map, so before converting, every line that starts a syntax node gets a comment
// /*@L<n>*/ in front of that node; comments survive both of the converter's emits, and a position
// in the output maps to the last marker before it. Markers go only where a node starts a line, so
// they never land inside a string, template or comment, and they add no lines.
//
// The same pass spells out shorthand properties (`{ input_ids }` becomes `{ input_ids: input_ids }`,
// the same object in JavaScript): tslab rewrites a name declared by an earlier cell into
// `exports.name`, but it resolves a shorthand property to the property rather than the variable,
// so `generate({ input_ids })` would throw "input_ids is not defined".
import type { Node } from "@tslab/typescript-for-tslab";
import { ts } from "./typescript.js";

const MARKER = /\/\*@L(\d+)\*\//g;

export interface MarkedSource {
  text: string;
  /** per line: the columns text was inserted at and its lengths, to unshift diagnostics */
  inserted: Map<number, { column: number; length: number }[]>;
}

export function mark_lines(src: string): MarkedSource {
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const line_starts = sf.getLineStarts();
  const marked = new Set<number>();
  const edits: { pos: number; line: number; text: string }[] = [];
  const visit = (node: Node) => {
    const start = node.getStart(sf);
    const { line, character } = sf.getLineAndCharacterOfPosition(start);
    if (!marked.has(line) && src.slice(line_starts[line], start).trim() === "" && character >= 0 && node.kind !== ts.SyntaxKind.EndOfFileToken) {
      marked.add(line);
      edits.push({ pos: start, line, text: `/*@L${line}*/` });
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      const end = node.name.getEnd();
      edits.push({ pos: end, line: sf.getLineAndCharacterOfPosition(end).line, text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  const inserted = new Map<number, { column: number; length: number }[]>();
  let text = "", last = 0;
  for (const e of edits.sort((a, b) => a.pos - b.pos)) {
    text += src.slice(last, e.pos) + e.text;
    last = e.pos;
    inserted.set(e.line, [...inserted.get(e.line) ?? [], { column: e.pos - line_starts[e.line]!, length: e.text.length }]);
  }
  return { text: text + src.slice(last), inserted };
}

/** A diagnostic's column in the marked text, as a column of the original line. */
export function unmark_column(m: MarkedSource, line: number, column: number): number {
  let shift = 0;
  for (const ins of m.inserted.get(line) ?? []) {
    const at = ins.column + shift;  // where this insertion starts in the marked line
    if (column < at) break;
    if (column < at + ins.length) return ins.column;
    shift += ins.length;
  }
  return column - shift;
}

/** Maps (1-based line, 1-based column) of the generated JavaScript to a 0-based cell line. */
export class LineMap {
  private readonly marks: { offset: number; line: number }[] = [];
  private readonly line_offsets: number[] = [0];

  constructor(js: string) {
    for (let i = 0; i < js.length; i++) if (js.charCodeAt(i) === 10) this.line_offsets.push(i + 1);
    for (const m of js.matchAll(MARKER)) this.marks.push({ offset: m.index!, line: Number(m[1]) });
  }

  cell_line(js_line: number, js_column: number): number | null {
    const offset = (this.line_offsets[js_line - 1] ?? 0) + Math.max(0, js_column - 1);
    let best: number | null = null;
    for (const m of this.marks) {
      if (m.offset > offset) break;
      best = m.line;
    }
    return best;
  }
}
