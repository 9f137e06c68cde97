// A notebook as one standalone HTML page (what `lowbit run --html` writes): markdown rendered,
// code shown, and outputs in their richest form -- text/html (plots included, scripts run) before
// images before text, errors with their ANSI colours.
import { marked } from "marked";
import { text, type Notebook, type Output } from "./notebook.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const ANSI_COLORS: Record<number, string> = {
  30: "#000", 31: "#c0392b", 32: "#27ae60", 33: "#b7950b", 34: "#2874a6", 35: "#8e44ad", 36: "#17a589", 37: "#777",
};

/** ANSI SGR colour codes (tracebacks) as spans; other escape codes are dropped. */
export function ansi_to_html(s: string): string {
  let out = "", open = 0;
  const re = /\u001b\[([\d;]*)m/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    out += esc(s.slice(last, m.index));
    last = m.index! + m[0].length;
    const codes = m[1]!.split(";").filter(Boolean).map(Number);
    if (codes.length === 0 || codes.includes(0)) {
      out += "</span>".repeat(open);
      open = 0;
    }
    const color = codes.map((c) => ANSI_COLORS[c]).find(Boolean);
    const bold = codes.includes(1);
    if (color || bold) {
      out += `<span style="${color ? `color:${color};` : ""}${bold ? "font-weight:bold;" : ""}">`;
      open++;
    }
  }
  return out + esc(s.slice(last)) + "</span>".repeat(open);
}

function output_html(o: Output): string {
  if (o.output_type === "stream") {
    return `<pre class="stream ${o.name === "stderr" ? "stderr" : ""}">${ansi_to_html(text(o.text as string))}</pre>`;
  }
  if (o.output_type === "error") {
    return `<pre class="error">${ansi_to_html((o.traceback as string[]).join("\n"))}</pre>`;
  }
  const data = (o.data ?? {}) as Record<string, unknown>;
  const get = (k: string) => (data[k] === undefined ? undefined : text(data[k] as string));
  if (get("text/html") !== undefined) return `<div class="html">${get("text/html")}</div>`;
  if (get("image/svg+xml") !== undefined) return `<div class="svg">${get("image/svg+xml")}</div>`;
  for (const fmt of ["png", "jpeg"]) {
    const b64 = get(`image/${fmt}`);
    if (b64 !== undefined) return `<img src="data:image/${fmt};base64,${b64.replace(/\s/g, "")}">`;
  }
  if (get("text/markdown") !== undefined) return `<div class="markdown">${marked.parse(get("text/markdown")!, { async: false })}</div>`;
  if (data["application/json"] !== undefined) return `<pre>${esc(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  return `<pre>${esc(get("text/plain") ?? "")}</pre>`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
.cell { margin: 1em 0; }
.input { display: flex; gap: .5em; }
.prompt { color: #307fc1; font-family: monospace; min-width: 5em; text-align: right; }
.input pre { background: #f7f7f7; border: 1px solid #e0e0e0; padding: .5em; margin: 0; flex: 1; overflow-x: auto; }
.outputs { margin-left: 5.5em; }
pre { white-space: pre-wrap; font-size: 13px; }
pre.stderr { background: #fdd; }
pre.error { background: #fdf2f2; padding: .5em; }
table { border-collapse: collapse; }
`;

export function notebook_html(nb: Notebook, title: string): string {
  const cells = nb.cells.map((c) => {
    if (c.cell_type === "markdown") return `<div class="cell markdown">${marked.parse(text(c.source), { async: false })}</div>`;
    if (c.cell_type === "raw") return `<div class="cell raw"><pre>${esc(text(c.source))}</pre></div>`;
    const n = c.execution_count ?? " ";
    const outs = (c.outputs ?? []).map(output_html).join("\n");
    return `<div class="cell code"><div class="input"><div class="prompt">In [${n}]:</div><pre>${esc(text(c.source))}</pre></div>` +
      `<div class="outputs">${outs}</div></div>`;
  });
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>\n` +
    `<body>\n${cells.join("\n")}\n</body></html>\n`;
}
