// The options every plot builder takes, named as plotly.express names them, and the layout they make.
import type { Layout } from "./figure.js";

export interface PlotOptions {
  title?: string;
  /** Axis titles (and the colorbar's, for heatmaps), as plotly.express's `labels`. */
  labels?: { x?: string; y?: string; color?: string };
  width?: number;
  height?: number;
}

/** Logarithmic axes, as plotly.express's log_x / log_y. */
export interface AxisScale {
  log_x?: boolean;
  log_y?: boolean;
}

/** Per-series legend names. */
export interface NamedSeries {
  names?: readonly string[];
}

/** The object without its undefined entries, so the figure JSON only says what was asked. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const title = (text: string | undefined) => (text === undefined ? undefined : { text });

// an axis with nothing set is left out rather than written as {}
function axis(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const d = defined(o);
  return Object.keys(d).length ? d : undefined;
}

export function base_layout(o: PlotOptions & AxisScale): Layout {
  return defined({
    title: title(o.title),
    xaxis: axis({ title: title(o.labels?.x), type: o.log_x ? "log" : undefined }),
    yaxis: axis({ title: title(o.labels?.y), type: o.log_y ? "log" : undefined }),
    width: o.width,
    height: o.height,
  });
}

/** Checks that names, when given, name every series. */
export function names_for(n: number, o: NamedSeries, what: string): readonly (string | undefined)[] {
  if (o.names && o.names.length !== n) throw new RangeError(`${what}: ${o.names.length} names for ${n} series`);
  return o.names ?? Array.from({ length: n }, () => undefined);
}

/** plotly.express's text_auto: true writes each value, a d3 format (".2f") writes it so. */
export function text_template(text_auto: boolean | string | undefined, variable: string): string | undefined {
  if (text_auto === undefined || text_auto === false) return undefined;
  return text_auto === true ? `%{${variable}}` : `%{${variable}:${text_auto}}`;
}
