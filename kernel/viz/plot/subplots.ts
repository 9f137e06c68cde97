// make_subplots(): a grid of axes laid out as plotly's Python make_subplots lays them out (same
// default spacing, row 1 at the top, titles as annotations above each cell), so traces go to a
// cell with fig.add_trace(trace, { row, col }).
import { Figure, type Layout } from "./figure.js";

export interface SubplotsOptions {
  rows?: number;
  cols?: number;
  /** Titles of the cells, row by row. */
  subplot_titles?: readonly string[];
  /** Gaps between cells as fractions of the figure (defaults 0.2 / cols and 0.3 / rows). */
  horizontal_spacing?: number;
  vertical_spacing?: number;
}

export function make_subplots(o: SubplotsOptions = {}): Figure {
  const rows = o.rows ?? 1, cols = o.cols ?? 1;
  for (const [k, v] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`make_subplots(): ${k} must be a positive integer, got ${v}`);
  }
  const hs = o.horizontal_spacing ?? 0.2 / cols, vs = o.vertical_spacing ?? 0.3 / rows;
  const w = (1 - hs * (cols - 1)) / cols, h = (1 - vs * (rows - 1)) / rows;
  const layout: Layout = {};
  const annotations: Layout[] = [];
  for (let r = 1; r <= rows; r++) {
    for (let c = 1; c <= cols; c++) {
      const k = (r - 1) * cols + c, s = k === 1 ? "" : String(k);
      const x0 = (c - 1) * (w + hs), top = 1 - (r - 1) * (h + vs);
      layout[`xaxis${s}`] = { domain: [x0, x0 + w], anchor: `y${s}` };
      layout[`yaxis${s}`] = { domain: [top - h, top], anchor: `x${s}` };
      const title = o.subplot_titles?.[k - 1];
      if (title) {
        annotations.push({ text: title, x: x0 + w / 2, y: top, xref: "paper", yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false, font: { size: 16 } });
      }
    }
  }
  if (annotations.length) layout.annotations = annotations;
  const fig = new Figure({ layout });
  fig._grid = { rows, cols };
  return fig;
}
