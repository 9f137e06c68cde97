// tqdm's meter: "desc:  45%|████▌     | 45/100 [00:02<00:03, 19.80it/s, loss=0.1]".

export interface MeterState {
  n: number;
  total?: number;
  /** seconds since the bar started */
  elapsed: number;
  desc?: string;
  unit: string;
  /** "loss=0.1, lr=2e-4", from set_postfix */
  postfix?: string;
}

/** 75 -> "01:15", 3725 -> "1:02:05". */
export function format_interval(seconds: number): string {
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const mm_ss = `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return h ? `${h}:${mm_ss}` : mm_ss;
}

/** Items per second, or seconds per item once slower than one a second (as tqdm shows it). */
export function format_rate(n: number, elapsed: number, unit: string): string {
  if (!(elapsed > 0) || n === 0) return `?${unit}/s`;
  const rate = n / elapsed;
  return rate >= 1 ? `${rate.toFixed(2)}${unit}/s` : `${(1 / rate).toFixed(2)}s/${unit}`;
}

export function fraction(s: MeterState): number | undefined {
  return s.total ? Math.min(1, s.n / s.total) : undefined;
}

/** Seconds left at the average rate so far, or undefined before there is a rate. */
export function remaining(s: MeterState): number | undefined {
  if (!s.total || s.n === 0 || !(s.elapsed > 0)) return undefined;
  return Math.max(0, ((s.total - s.n) * s.elapsed) / s.n);
}

/** "45/100 [00:02<00:03, 19.80it/s]", or "45it [00:02, 19.80it/s]" when the total is unknown. */
export function format_stats(s: MeterState): string {
  const rate = format_rate(s.n, s.elapsed, s.unit) + (s.postfix ? `, ${s.postfix}` : "");
  if (!s.total) return `${s.n}${s.unit} [${format_interval(s.elapsed)}, ${rate}]`;
  const left = remaining(s);
  return `${s.n}/${s.total} [${format_interval(s.elapsed)}<${left === undefined ? "?" : format_interval(left)}, ${rate}]`;
}

const EIGHTHS = " ▏▎▍▌▋▊▉";

/** A bar of `width` cells filled to the fraction, in eighths of a cell. */
export function bar_cells(frac: number, width: number): string {
  const eighths = Math.floor(frac * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = full < width ? (EIGHTHS[eighths % 8] ?? "") : "";
  return ("█".repeat(full) + partial).padEnd(width, " ");
}

/** The whole meter line; the bar grows to fill `columns` when given (a terminal's width). */
export function format_meter(s: MeterState, columns?: number): string {
  const desc = s.desc ? `${s.desc}: ` : "";
  const stats = format_stats(s);
  const frac = fraction(s);
  if (frac === undefined) return desc + stats;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const width = columns ? Math.max(1, columns - desc.length - pct.length - stats.length - 3) : 10;
  return `${desc}${pct}|${bar_cells(frac, width)}| ${stats}`;
}
