// Small helpers for building HTML strings.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for HTML content and attribute values. */
export function escape_html(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** 1234567 -> "1,234,567", as parameter counts are usually written. */
export function format_count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A byte count in the largest unit that keeps it >= 1 (binary units, like torch's memory summaries). */
export function format_bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}
