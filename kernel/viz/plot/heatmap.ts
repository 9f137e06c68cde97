// heatmap(): a matrix as colored cells, row 0 at the top as print(t) and seaborn show it.
import { colorscale, type Colorscale } from "./colorscales.js";
import { matrix, type Matrix } from "./data.js";
import { Figure, type Trace } from "./figure.js";
import { base_layout, defined, text_template, type PlotOptions } from "./layout.js";

export interface HeatmapTraceOptions {
  /** Column and row labels (default the indices). */
  x?: readonly (string | number)[];
  y?: readonly (string | number)[];
  /** A plotly.js name ("Viridis", "RdBu", ...), "coolwarm", or [[0, color], ..., [1, color]]. */
  colorscale?: Colorscale;
  zmin?: number;
  zmax?: number;
  /** The value at the colorscale's middle (diverging data). */
  zmid?: number;
  /** Write each cell's value in it; a d3 format such as ".2f" sets how (plotly.express's text_auto). */
  text_auto?: boolean | string;
  /** Show the colorbar (default true). */
  showscale?: boolean;
  /** The colorbar's title. */
  color_label?: string;
}

export interface HeatmapOptions extends PlotOptions, Omit<HeatmapTraceOptions, "color_label"> {
  /** "upper" (default): row 0 at the top, like an image; "lower": at the bottom. */
  origin?: "upper" | "lower";
}

/** A plotly heatmap trace of a 1-D or 2-D tensor or array of rows. */
export function heatmap_trace(z: Matrix, o: HeatmapTraceOptions = {}): Trace {
  return defined({
    type: "heatmap",
    z: matrix(z, "heatmap()"),
    x: o.x && [...o.x],
    y: o.y && [...o.y],
    colorscale: o.colorscale === undefined ? undefined : colorscale(o.colorscale),
    zmin: o.zmin,
    zmax: o.zmax,
    zmid: o.zmid,
    texttemplate: text_template(o.text_auto, "z"),
    showscale: o.showscale,
    colorbar: o.color_label === undefined ? undefined : { title: { text: o.color_label } },
  });
}

/** A heatmap: heatmap(weight, { colorscale: "RdBu", zmid: 0, labels: { x: "in", y: "out" } }). */
export function heatmap(z: Matrix, o: HeatmapOptions = {}): Figure {
  const trace = heatmap_trace(z, { ...o, color_label: o.labels?.color });
  const fig = new Figure({ data: [trace], layout: base_layout(o) });
  if ((o.origin ?? "upper") === "upper") fig.update_yaxes({ autorange: "reversed" });
  return fig;
}
