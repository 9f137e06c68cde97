// Where a runtime error happened in a cell. tslab's converter rewrites a cell into JavaScript with
// other line breaks (types and interfaces vanish, `exports.x = x;` lines appear) and gives no
// source map, so before converting, every line that starts a syntax node gets a comment
// /*@L<n>*/ in front of that node; comments survive both of the converter's emits, and a position
// in the output maps to the last marker before it. Markers go only where a node starts a line, so
// they never land inside a string, template or comment, and they add no lines.
import type { Node } from "@tslab/typescript-for-tslab";
import { ts } from "./typescript.js";

const MARKER = /\/\*@L(\d+)\*\//g;

export interface MarkedSource {
  text: string;
  /** per line: the column a marker was inserted at and its length, to unshift diagnostics */
  inserted: Map<number, { column: number; length: number }>;
}

export function mark_lines(src: string): MarkedSource {
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const line_starts = sf.getLineStarts();
  const at = new Map<number, number>();  // line -> insertion offset
  const visit = (node: Node) => {
    const start = node.getStart(sf);
    const { line, character } = sf.getLineAndCharacterOfPosition(start);
    if (!at.has(line) && src.slice(line_starts[line], start).trim() === "" && character >= 0 && node.kind !== ts.SyntaxKind.EndOfFileToken) {
      at.set(line, start);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  const inserted = new Map<number, { column: number; length: number }>();
  let text = "", last = 0;
  for (const [line, pos] of [...at.entries()].sort((a, b) => a[1] - b[1])) {
    const marker = `/*@L${line}*/`;
    text += src.slice(last, pos) + marker;
    last = pos;
    inserted.set(line, { column: pos - line_starts[line]!, length: marker.length });
  }
  return { text: text + src.slice(last), inserted };
}

/** A diagnostic's column in the marked text, as a column of the original line. */
export function unmark_column(m: MarkedSource, line: number, column: number): number {
  const ins = m.inserted.get(line);
  if (!ins || column < ins.column) return column;
  return Math.max(ins.column, column - ins.length);
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
