// line() and scatter(): plotly "scatter" traces, drawn as lines or as markers.
import { series, series_list, type Series, type SeriesList } from "./data.js";
import { Figure } from "./figure.js";
import { base_layout, defined, names_for, type AxisScale, type NamedSeries, type PlotOptions } from "./layout.js";

export interface LineOptions extends PlotOptions, NamedSeries, AxisScale {
  /** x values shared by every line (default 0, 1, 2, ...). */
  x?: Series;
  /** Draw a marker at each point too. */
  markers?: boolean;
}

export interface ScatterOptions extends PlotOptions, NamedSeries, AxisScale {
  opacity?: number;
}

function xy_figure(xs: (number[] | undefined)[], ys: number[][], mode: string, o: PlotOptions & NamedSeries & AxisScale & { opacity?: number }, what: string): Figure {
  const names = names_for(ys.length, o, what);
  ys.forEach((y, i) => {
    if (xs[i] && xs[i]!.length !== y.length) throw new RangeError(`${what}: ${xs[i]!.length} x values for ${y.length} y values`);
  });
  const data = ys.map((y, i) => defined({ type: "scatter", mode, x: xs[i], y, name: names[i], opacity: o.opacity }));
  return new Figure({ data, layout: base_layout(o) });
}

/** Lines: line(losses), line([train, test], { x: steps, names: ["train", "test"] }), or a 2-D tensor's rows. */
export function line(y: Series | SeriesList, o: LineOptions = {}): Figure {
  const ys = series_list(y, "line()");
  const x = o.x === undefined ? undefined : series(o.x, "line()");
  return xy_figure(ys.map(() => x), ys, o.markers ? "lines+markers" : "lines", o, "line()");
}

/** Points: scatter(x, y), or several series with one shared x or one x per series. */
export function scatter(x: Series | SeriesList, y: Series | SeriesList, o: ScatterOptions = {}): Figure {
  const xs = series_list(x, "scatter()"), ys = series_list(y, "scatter()");
  if (xs.length !== 1 && xs.length !== ys.length) throw new RangeError(`scatter(): ${xs.length} x series for ${ys.length} y series`);
  return xy_figure(ys.map((_, i) => xs[xs.length === 1 ? 0 : i]), ys, "markers", o, "scatter()");
}
