// nbgrader's cell metadata (schema version 3) and its checksum, so that stock nbgrader can take
// the built notebooks too: `metadata.nbgrader = { grade, solution, locked, grade_id, points,
// schema_version: 3, checksum }`.
import { createHash } from "node:crypto";
import type { Cell } from "../jupyter/notebook.js";
import { text } from "../jupyter/notebook.js";

export interface NbgraderMetadata {
  grade: boolean;
  solution: boolean;
  locked: boolean;
  grade_id: string;
  points?: number;
  schema_version: 3;
  checksum?: string;
}

export function nbgrader_of(cell: Cell): NbgraderMetadata | undefined {
  const m = cell.metadata?.nbgrader;
  return m && typeof m === "object" ? (m as NbgraderMetadata) : undefined;
}

/** nbgrader.utils.is_locked: solution cells never are, grade cells always are. */
function is_locked(m: NbgraderMetadata): boolean {
  return m.solution ? false : m.grade ? true : !!m.locked;
}

/** Python's str(float(x)) for the numbers points can be (1.0, 2.5). */
function py_float(x: number): string {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e16) throw new Error(`points must be a finite number below 1e16, got ${x}`);
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** nbgrader.utils.compute_checksum: md5 over the source, the cell type, str() of the grade,
 *  solution and locked flags, the grade_id and, for grade cells, str(float(points)). */
export function nbgrader_checksum(cell: Cell): string {
  const m = nbgrader_of(cell);
  if (!m) throw new Error("a checksum needs the cell's nbgrader metadata");
  const py_bool = (b: boolean) => (b ? "True" : "False");
  const h = createHash("md5");
  for (const part of [text(cell.source), cell.cell_type, py_bool(!!m.grade), py_bool(!!m.solution), py_bool(is_locked(m)), m.grade_id]) h.update(part, "utf8");
  if (m.grade) h.update(py_float(Number(m.points)), "utf8");
  return h.digest("hex");
}
