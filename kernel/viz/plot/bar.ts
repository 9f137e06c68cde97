// bar(): one bar trace per series, side by side (or stacked) over shared categories.
import { series_list, type Series, type SeriesList } from "./data.js";
import { Figure } from "./figure.js";
import { base_layout, defined, names_for, text_template, type AxisScale, type NamedSeries, type PlotOptions } from "./layout.js";

export interface BarOptions extends PlotOptions, NamedSeries, AxisScale {
  /** The categories (default 0, 1, 2, ...). */
  x?: readonly (string | number)[];
  /** "v" (default) or "h" for horizontal bars. */
  orientation?: "v" | "h";
  barmode?: "group" | "stack" | "overlay" | "relative";
  /** Write each bar's value on it; a d3 format such as ".2f" sets how. */
  text_auto?: boolean | string;
}

/** Bars: bar([3, 1, 2], { x: ["a", "b", "c"] }), bar([fp32_mb, int8_mb], { names: [...] }). */
export function bar(y: Series | SeriesList, o: BarOptions = {}): Figure {
  const ys = series_list(y, "bar()");
  const names = names_for(ys.length, o, "bar()");
  const h = o.orientation === "h";
  const texttemplate = text_template(o.text_auto, "value");
  const data = ys.map((values, i) => {
    if (o.x && o.x.length !== values.length) throw new RangeError(`bar(): ${o.x.length} categories for ${values.length} values`);
    const categories = o.x ? [...o.x] : undefined;
    return defined({ type: "bar", x: h ? values : categories, y: h ? categories : values, orientation: h ? "h" : undefined, name: names[i], texttemplate });
  });
  return new Figure({ data, layout: defined({ ...base_layout(o), barmode: o.barmode }) });
}
