// An nn.Module as a collapsible tree: <details>/<summary> need no JavaScript, so the tree also
// works in trusted-less viewers and nbconvert's HTML. Each node shows how many parameters the
// submodule holds and in which dtypes, which is what a quantization lesson looks at.
import type { Module } from "../nn/module.js";
import type { Parameter } from "../nn/parameter.js";
import { escape_html, format_bytes, format_count } from "./html.js";

const MONO = "font-family:monospace";
const NOTE = "color:#888";
// leaves line up with the text of the summaries beside them, past the disclosure triangle
const PAST_TRIANGLE = "padding-left:1.1em";
const INDENT = 'style="margin-left:1.25em"';

// parameters() skips shared tensors, so tied weights count once
function stats(m: Module): { count: number; bytes: number; dtypes: Map<string, number> } {
  let count = 0, bytes = 0;
  const dtypes = new Map<string, number>();
  for (const p of m.parameters()) {
    count += p.numel();
    bytes += p.nbytes;
    dtypes.set(String(p.dtype), (dtypes.get(String(p.dtype)) ?? 0) + p.numel());
  }
  return { count, bytes, dtypes };
}

type Stats = ReturnType<typeof stats>;

function summary_of({ count, dtypes }: Stats): string {
  if (count === 0) return "no parameters";
  const kinds = [...dtypes].map(([d, n]) => (dtypes.size === 1 ? d : `${d}: ${format_count(n)}`));
  return `${format_count(count)} parameters · ${kinds.join(", ")}`;
}

function title_of(name: string, m: Module): string {
  const extra = m.extra_repr();
  const head = `${m._get_name()}${extra && !extra.includes("\n") ? `(${extra})` : ""}`;
  return escape_html(name ? `(${name}): ${head}` : head);
}

function parameter_line(name: string, p: Parameter): string {
  return `<div style="${MONO};${PAST_TRIANGLE}">${escape_html(name)} <span style="${NOTE}">(${p.shape.join(", ")}) ${escape_html(String(p.dtype))} · ${format_count(p.numel())}</span></div>`;
}

// The root is open and its line carries the totals, memory included.
function node(name: string, m: Module, root: boolean): string {
  const own = [...m.named_parameters("", false)];
  const children = [...m.named_children()];
  const st = stats(m);
  const title = root ? `<b>${title_of(name, m)}</b>` : title_of(name, m);
  const note = root ? `${summary_of(st)} · ${format_bytes(st.bytes)}` : summary_of(st);
  const line = `<span style="${MONO}">${title}</span> <span style="${NOTE}">${note}</span>`;
  if (own.length === 0 && children.length === 0) return `<div style="${PAST_TRIANGLE}">${line}</div>`;
  const inner = [...own.map(([k, p]) => parameter_line(k, p)), ...children.map(([k, c]) => node(k, c, false))];
  return `<details${root ? " open" : ""}><summary>${line}</summary><div ${INDENT}>${inner.join("")}</div></details>`;
}

/** text/html for a module: the tree of submodules, the top level open with the totals. */
export function module_html(m: Module): string {
  return `<div class="lowbit-module">${node("", m, true)}</div>`;
}
