// histogram(): binned here, not in the browser, so a histogram of a 4096x4096 weight matrix ships
// a few hundred numbers instead of sixteen million. The bins are drawn as touching bars.
import { arrays, type Series } from "./data.js";
import { Figure } from "./figure.js";
import { base_layout, defined, names_for, type AxisScale, type NamedSeries, type PlotOptions } from "./layout.js";

export type HistNorm = "" | "percent" | "probability" | "density" | "probability density";

export interface HistogramOptions extends PlotOptions, NamedSeries, AxisScale {
  /** Equal-width bins over the range of all series. By default integer data spanning at most
   *  256 values (quantized weights) gets one bin per integer, anything else 50 bins. */
  nbins?: number;
  /** plotly's histnorm: counts ("", the default), "percent", "probability", "density" (count /
   *  bin width) or "probability density". */
  histnorm?: HistNorm;
  /** Bar opacity; overlaid series default to 0.6 so each shows through. */
  opacity?: number;
}

const MAX_UNIT_BINS = 256;
const DEFAULT_BINS = 50;

/** Bin edges covering the finite values of all series. */
export function bin_edges(all: ArrayLike<number>[], nbins?: number): number[] {
  let lo = Infinity, hi = -Infinity, integral = true;
  for (const a of all) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (integral && v !== Math.round(v)) integral = false;
    }
  }
  if (lo > hi) return [];
  if (nbins === undefined && integral && hi - lo < MAX_UNIT_BINS) {
    return Array.from({ length: hi - lo + 2 }, (_, i) => lo - 0.5 + i);
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const n = nbins ?? DEFAULT_BINS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`histogram(): nbins must be a positive integer, got ${nbins}`);
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + ((hi - lo) * i) / n));
}

// equal widths, so a bin is found by division; the top edge belongs to the last bin
function counts(a: ArrayLike<number>, edges: number[]): { counts: number[]; n: number } {
  const bins = edges.length - 1, lo = edges[0]!, width = (edges[bins]! - lo) / bins;
  const c = new Array<number>(bins).fill(0);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) continue;
    c[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
    n++;
  }
  return { counts: c, n };
}

function normalise(c: number[], n: number, width: number, histnorm: HistNorm): number[] {
  switch (histnorm) {
    case "": return c;
    case "percent": return c.map((k) => (100 * k) / n);
    case "probability": return c.map((k) => k / n);
    case "density": return c.map((k) => k / width);
    case "probability density": return c.map((k) => k / (n * width));
  }
}

/** Histograms: histogram(weight) (every value of a tensor of any shape), or several overlaid:
 *  histogram([w, w_dequantized], { names: [...], nbins: 100 }). */
export function histogram(values: Series | readonly Series[], o: HistogramOptions = {}): Figure {
  const all = arrays(values, "histogram()", true);
  const names = names_for(all.length, o, "histogram()");
  const edges = bin_edges(all, o.nbins);
  const width = edges.length > 1 ? edges[1]! - edges[0]! : 0;
  const centers = edges.slice(1).map((e, i) => (e + edges[i]!) / 2);
  const data = all.map((a, i) => {
    const { counts: c, n } = edges.length > 1 ? counts(a, edges) : { counts: [], n: 0 };
    return defined({
      type: "bar", x: centers, y: normalise(c, n, width, o.histnorm ?? ""), width, name: names[i],
      opacity: o.opacity ?? (all.length > 1 ? 0.6 : undefined),
    });
  });
  return new Figure({ data, layout: { ...base_layout(o), bargap: 0, barmode: "overlay" } });
}
