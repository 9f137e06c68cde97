// A tensor as an HTML table. The cells are read back from the torch repr, so the table shows
// exactly the digits, the edge items and the summarisation (torch.set_printoptions) that
// `print(t)` shows, and a huge tensor costs no more than its text.
import { Parameter } from "../nn/parameter.js";
import type { Tensor } from "../tensor/tensor.js";
import { escape_html, format_bytes, format_count } from "./html.js";

/** Nested lists of formatted elements, as torch prints them; "..." stands for elided items. */
type Cells = string | Cells[];

const ELIDED = "...";

// The bracketed body of `tensor([...], dtype=...)`: a nested list, or one element for a 0-d tensor.
function parse_repr(repr: string): Cells {
  const s = repr.slice(repr.indexOf("tensor(") + "tensor(".length);
  let pos = 0;
  const atom = (): string => {
    const m = /^[^\s,[\]()]+/.exec(s.slice(pos))!;
    pos += m[0].length;
    return m[0];
  };
  const list = (): Cells[] => {
    const items: Cells[] = [];
    pos++;  // "["
    for (;;) {
      while (/[\s,]/.test(s[pos]!)) pos++;
      if (s[pos] === "]") {
        pos++;
        return items;
      }
      items.push(s[pos] === "[" ? list() : atom());
    }
  };
  return s[0] === "[" ? list() : atom();
}

// Which indices of a dimension of size n the printed items stand for ("…" where torch elided).
function labels(items: Cells[], n: number): string[] {
  const gap = items.indexOf(ELIDED);
  if (gap < 0) return items.map((_, i) => String(i));
  const tail = items.length - gap - 1;
  return items.map((_, i) => (i < gap ? String(i) : i === gap ? "…" : String(n - tail + (i - gap - 1))));
}

const TABLE = 'style="font-family:monospace;border-collapse:collapse;margin:0.25em 0"';
const INDEX = 'style="color:#888;font-weight:normal;text-align:right;padding:0 0.5em"';
const CELL = 'style="text-align:right;padding:0 0.5em"';

const th = (s: string) => `<th ${INDEX}>${escape_html(s)}</th>`;
const td = (s: string) => `<td ${CELL}>${escape_html(s === ELIDED ? "…" : s)}</td>`;

function matrix_table(rows: Cells[], shape: number[]): string {
  const first = rows.find((r) => r !== ELIDED) as Cells[];
  const cols = labels(first, shape[1]!);
  const row_labels = labels(rows, shape[0]!);
  const head = `<tr><th></th>${cols.map(th).join("")}</tr>`;
  const body = rows.map((r, i) => {
    const cells = r === ELIDED ? cols.map(() => "⋮") : (r as string[]);
    return `<tr>${th(row_labels[i]!)}${cells.map(td).join("")}</tr>`;
  });
  return `<table ${TABLE}>${head}${body.join("")}</table>`;
}

function vector_table(items: string[], n: number): string {
  return `<table ${TABLE}><tr>${labels(items, n).map(th).join("")}</tr><tr>${items.map(td).join("")}</tr></table>`;
}

// Three or more dimensions: one table per matrix, captioned with its leading indices.
function blocks(cells: Cells[], shape: number[], prefix: string[]): string {
  if (shape.length === 2) {
    const caption = `<div style="font-family:monospace;color:#888">[${[...prefix, ":", ":"].join(", ")}]</div>`;
    return caption + matrix_table(cells, shape);
  }
  const idx = labels(cells, shape[0]!);
  return cells
    .map((c, i) => (c === ELIDED ? '<div style="font-family:monospace;color:#888">⋮</div>' : blocks(c as Cells[], shape.slice(1), [...prefix, idx[i]!])))
    .join("");
}

function header(t: Tensor): string {
  const parts = [
    `<b>${t instanceof Parameter ? "Parameter" : "tensor"}</b>`,
    `dtype=${escape_html(String(t.dtype))}`,
    `shape=(${t.shape.join(", ")})`,
    `device=${t.device}`,
    `${format_count(t.numel())} element${t.numel() === 1 ? "" : "s"}`,
    format_bytes(t.nbytes),
  ];
  if (t.requires_grad) parts.push("requires_grad=True");
  return `<div style="font-family:monospace">${parts.join(" · ")}</div>`;
}

/** text/html for a tensor: a header with dtype, shape and device, then its values. */
export function tensor_html(t: Tensor, repr: string = String(t)): string {
  const cells = parse_repr(repr);
  const shape = t.shape.slice();
  let values: string;
  if (t.numel() === 0) values = '<div style="font-family:monospace;color:#888">(no elements)</div>';
  else if (typeof cells === "string") values = `<div style="font-family:monospace">${escape_html(cells)}</div>`;
  else if (shape.length === 1) values = vector_table(cells as string[], shape[0]!);
  else if (shape.length === 2) values = matrix_table(cells, shape);
  else values = blocks(cells, shape, []);
  return `<div class="lowbit-tensor">${header(t)}${values}</div>`;
}
