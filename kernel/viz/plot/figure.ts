// plotly's Figure: data (traces) and layout as plotly.js JSON, with the methods of Python's
// plotly.graph_objects.Figure that notebooks use. In a notebook it renders through the plotly
// MIME type where the front end has a renderer (VS Code, JupyterLab with jupyterlab-plotly) and
// through its HTML everywhere else.
import { write_text_atomic } from "../../atomic_file.js";
import { inspect } from "node:util";
import { callable_class } from "../callable.js";
import { display } from "../display.js";
import { wants, type MimeBundle, type MimeOptions } from "../mime.js";
import { to_plain } from "./data.js";
import { figure_html, type FigureJSON, type HtmlOptions } from "./html.js";
import { take_plotlyjs } from "./plotlyjs.js";

/** A plotly.js trace: { type: "scatter", x, y, ... }. Tensors are accepted where arrays go. */
export type Trace = { type?: string; [key: string]: unknown };
export type Layout = Record<string, unknown>;
export type Config = Record<string, unknown>;

/** A subplot of make_subplots' grid, counted from 1 (row 1 is the top). */
export interface Cell {
  row?: number;
  col?: number;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

function is_plain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Deep-merges patch into target (nested objects merge, everything else replaces). */
function merge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    const t = target[k];
    target[k] = is_plain(v) ? merge(is_plain(t) ? t : {}, v) : v;
  }
  return target;
}

// Python's plotly takes title="..." for { text: "..." }; plotly.js 3+ ignores a bare string.
function title_objects(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(title_objects);
  if (!is_plain(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "title" && typeof x === "string" ? { text: x } : title_objects(x)]));
}

type Grid = { rows: number; cols: number } | undefined;

const no_grid = () => new Error("row/col address subplots: make the figure with make_subplots({ rows, cols })");

// "" for the first subplot's axes (x, y), "2" for the second (x2, y2), ...
function axis_suffix(g: Grid, row: number | undefined, col: number | undefined): string {
  if (!g) throw no_grid();
  const ok = (v: number | undefined, n: number) => Number.isInteger(v) && v! >= 1 && v! <= n;
  if (!ok(row, g.rows) || !ok(col, g.cols)) throw new RangeError(`row=${row}, col=${col} is not a cell of the ${g.rows}x${g.cols} subplot grid`);
  const k = (row! - 1) * g.cols + col!;
  return k === 1 ? "" : String(k);
}

// The layout keys of the x or y axes in a row, a column, a cell, or everywhere.
function axis_keys(g: Grid, layout: Layout, letter: "x" | "y", row?: number, col?: number): string[] {
  if (!g) {
    if (row !== undefined || col !== undefined) throw no_grid();
    const own = Object.keys(layout).filter((k) => new RegExp(`^${letter}axis\\d*$`).test(k));
    return [...new Set([`${letter}axis`, ...own])];
  }
  const keys: string[] = [];
  for (let r = 1; r <= g.rows; r++) {
    for (let c = 1; c <= g.cols; c++) {
      if ((row ?? r) === r && (col ?? c) === c) keys.push(`${letter}axis${axis_suffix(g, r, c)}`);
    }
  }
  return keys;
}

function update_axes(fig: Figure, letter: "x" | "y", o: Layout & Cell): void {
  const { row, col, ...patch } = o;
  for (const k of axis_keys(fig._grid, fig.layout, letter, row, col)) {
    fig.layout[k] = merge(is_plain(fig.layout[k]) ? (fig.layout[k] as Layout) : {}, patch);
  }
}

export class FigureClass {
  data: Trace[];
  layout: Layout;
  config: Config;
  /** @internal make_subplots' grid; axes are numbered row by row from the top left. */
  _grid?: { rows: number; cols: number };

  constructor(o: { data?: Trace[]; layout?: Layout; config?: Config } = {}) {
    this.data = [...(o.data ?? [])];
    this.layout = merge({}, o.layout ?? {});
    this.config = { ...o.config };
  }

  /** fig.add_trace(trace, { row, col }) */
  add_trace(trace: Trace, o: Cell = {}): this {
    const t = { ...trace };
    if (o.row !== undefined || o.col !== undefined) {
      const s = axis_suffix(this._grid, o.row, o.col);
      Object.assign(t, { xaxis: `x${s}`, yaxis: `y${s}` });
    }
    this.data.push(t);
    return this;
  }

  /** Deep-merges into the layout: fig.update_layout({ title: { text: "..." }, height: 300 }). */
  update_layout(patch: Layout): this {
    merge(this.layout, patch);
    return this;
  }

  /** Updates every x axis, or those of one row/column/cell: fig.update_xaxes({ showgrid: false, row: 1, col: 2 }). */
  update_xaxes(o: Layout & Cell = {}): this {
    update_axes(this, "x", o);
    return this;
  }

  update_yaxes(o: Layout & Cell = {}): this {
    update_axes(this, "y", o);
    return this;
  }

  /** { data, layout, config } as plain JSON data (tensors become nested arrays). */
  to_dict(): FigureJSON {
    const plain = (v: unknown) => title_objects(to_plain(v));
    return { data: plain(this.data) as unknown[], layout: plain(this.layout) as Layout, config: to_plain(this.config) as Config };
  }

  to_json(): string {
    return JSON.stringify(this.to_dict());
  }

  /** An HTML document (or fragment) that draws the figure; by default with plotly.js inlined. */
  to_html(o: HtmlOptions = {}): string {
    return figure_html(this.to_dict(), { include_plotlyjs: true, full_html: true, ...o });
  }

  /** Writes to_html() to a file (through a temporary file, so a failed write leaves none half-done). */
  write_html(path: string, o: HtmlOptions = {}): void {
    write_text_atomic(path, this.to_html(o));
  }

  /** Displays the figure now (in a notebook: an output of the running cell). */
  show(): void {
    display(this);
  }

  _repr_mimebundle_(o: MimeOptions = {}): MimeBundle {
    const fig = this.to_dict();
    const out: MimeBundle = { [PLOTLY_MIME]: fig };
    if (wants(o, "text/html")) out["text/html"] = figure_html(fig, { include_plotlyjs: take_plotlyjs() });
    return out;
  }

  toString(): string {
    const title = (title_objects(this.layout) as { title?: { text?: unknown } }).title?.text;
    const traces = this.data.map((t) => t.type ?? "scatter").join(", ");
    return `Figure(data=[${traces}]${title !== undefined ? `, title=${inspect(String(title))}` : ""})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
export const Figure = callable_class(FigureClass);
export type Figure = FigureClass;
