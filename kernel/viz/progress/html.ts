// The notebook form of the meter: a CSS bar (no widgets, no JavaScript) beside tqdm's numbers.
import { escape_html } from "../html.js";
import { format_stats, fraction, type MeterState } from "./meter.js";

/** Running, finished, or closed before reaching the total (tqdm.notebook's "danger" bar). */
export type BarStatus = "running" | "done" | "stopped";

const COLORS: Record<BarStatus, string> = { running: "#2f7ed8", done: "#5cb85c", stopped: "#d9534f" };

export function meter_html(s: MeterState, status: BarStatus): string {
  const frac = fraction(s);
  const parts: string[] = [];
  if (s.desc) parts.push(`<span>${escape_html(s.desc)}:</span>`);
  if (frac !== undefined) {
    const pct = Math.floor(frac * 100);
    parts.push(`<span style="min-width:3em;text-align:right">${pct}%</span>`);
    parts.push(
      `<div style="width:20em;height:1.1em;border:1px solid #bbb;border-radius:3px;overflow:hidden;background:#eee">` +
        `<div style="width:${(frac * 100).toFixed(1)}%;height:100%;background:${COLORS[status]}"></div></div>`,
    );
  }
  parts.push(`<span>${escape_html(format_stats(s))}</span>`);
  return `<div class="lowbit-progress" style="display:flex;align-items:center;gap:0.5em;font-family:monospace">${parts.join("")}</div>`;
}
