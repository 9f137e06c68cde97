// Errors as Jupyter shows them: ename, evalue and an IPython-style traceback whose frames are the
// lines of the notebook's cells (mapped back from the generated JavaScript), with context lines.
import { LineMap } from "./line_markers.js";

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** A cell that ran: its label for tracebacks (In[3]), source and the map of its generated code. */
export interface CellRecord {
  label: string;
  source: string;
  map: LineMap;
  /** characters the wrapper put before the generated code on its first line */
  prefix: number;
}

const RED = "\u001b[0;31m", GREEN = "\u001b[0;32m", BOLD_GREEN = "\u001b[1;32m", RESET = "\u001b[0m";
const RULE = `${RED}${"-".repeat(75)}${RESET}`;

// V8 stack frame: "    at fn (file:line:col)" or "    at file:line:col"
const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

interface CellFrame {
  cell: CellRecord;
  line: number;  // 0-based line of the cell
  fn: string | null;
}

function cell_frames(stack: string, cells: ReadonlyMap<string, CellRecord>): CellFrame[] {
  const out: CellFrame[] = [];
  for (const text of stack.split("\n")) {
    const m = FRAME.exec(text);
    if (!m) continue;
    const cell = cells.get(m[2]!);
    if (!cell) continue;
    const js_line = Number(m[3]), js_col = Number(m[4]) - (Number(m[3]) === 1 ? cell.prefix : 0);
    const line = cell.map.cell_line(js_line, js_col);
    if (line === null) continue;
    const fn = m[1] && !m[1].startsWith("Object.<anonymous>") && !m[1].startsWith("eval") ? m[1].replace(/^(Object|exports)\./, "") : null;
    out.push({ cell, line, fn });
  }
  return out.reverse();  // outermost first, as Python prints
}

function excerpt(f: CellFrame): string[] {
  const lines = f.cell.source.split("\n");
  const from = Math.max(0, f.line - 2), to = Math.min(lines.length - 1, f.line + 1);
  const width = String(to + 1).length;
  const out = [`Cell ${GREEN}In${f.cell.label}, line ${f.line + 1}${RESET}${f.fn ? `, in ${f.fn}` : ""}`];
  for (let i = from; i <= to; i++) {
    const no = String(i + 1).padStart(width + 4);
    out.push(i === f.line ? `${GREEN}--->${no.slice(4)}${RESET} ${lines[i]}` : `${BOLD_GREEN}${no}${RESET} ${lines[i]}`);
  }
  return out;
}

function describe(e: unknown): { ename: string; evalue: string; stack: string } {
  if (e instanceof Error) {
    const ename = e.name === "Error" && e.constructor && e.constructor.name !== "Error" ? e.constructor.name : e.name;
    return { ename: ename || "Error", evalue: e.message, stack: e.stack ?? "" };
  }
  return { ename: "Error", evalue: typeof e === "string" ? e : String(e), stack: "" };
}

/** A thrown value as Jupyter's error content. */
export function format_error(e: unknown, cells: ReadonlyMap<string, CellRecord>): CellError {
  const { ename, evalue, stack } = describe(e);
  const frames = cell_frames(stack, cells);
  const head = [RULE, `${RED}${ename}${RESET}${" ".repeat(Math.max(1, 42 - ename.length))}Traceback (most recent call last)`];
  // outside any cell's frames, an interrupt happened in the kernel's own code: nothing to show
  const body = frames.length
    ? frames.flatMap((f, i) => (i ? ["", ...excerpt(f)] : excerpt(f)))
    : ename === "KeyboardInterrupt" ? [] : stack.split("\n").slice(1).map((l) => l.trim()).filter((l) => l.startsWith("at ")).slice(0, 10);
  return { ename, evalue, traceback: [...head, ...body, "", `${RED}${ename}${RESET}: ${evalue}`] };
}

/** TypeScript's diagnostics for a cell, as an error pointing at each line. */
export function format_diagnostics(label: string, source: string,
  diags: { line: number; column: number; message: string }[]): CellError {
  const lines = source.split("\n");
  const tb = [RULE, `${RED}TSError${RESET}${" ".repeat(35)}TypeScript found ${diags.length} error${diags.length > 1 ? "s" : ""}`];
  for (const d of diags) {
    tb.push(`Cell ${GREEN}In${label}, line ${d.line + 1}, column ${d.column + 1}${RESET}`);
    tb.push(`${GREEN}---> ${RESET}${lines[d.line] ?? ""}`);
    tb.push(" ".repeat(5 + d.column) + `${RED}^${RESET} ${d.message}`);
  }
  const first = diags[0]!;
  return { ename: "TSError", evalue: `line ${first.line + 1}: ${first.message}`, traceback: [...tb, "", `${RED}TSError${RESET}: ${first.message}`] };
}
