// Order statistics of repetition times: medians, because a noisy VM adds long outliers that a
// mean would carry into the ratios.

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new RangeError("quantile of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Half the interquartile range relative to the median: the "±" printed next to a figure. */
export function spread(xs: readonly number[]): number {
  return (quantile(xs, 0.75) - quantile(xs, 0.25)) / 2 / median(xs);
}

/** b's time over a's, round by round (the medians of their bursts in the same round): how far
 *  the ratio itself moves while the machine's speed drifts. */
export function round_ratios(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[] {
  return a.map((burst, r) => median(b[r]!) / median(burst));
}
