// The rich representation of a value as a MIME bundle, as IPython's formatters build it. Objects
// may provide their own: _repr_mimebundle_() or _repr_html_() / _repr_markdown_() / ... methods.
import { inspect } from "node:util";

export type MimeBundle = Record<string, unknown>;

const REPR_METHODS: [string, string][] = [
  ["_repr_html_", "text/html"],
  ["_repr_markdown_", "text/markdown"],
  ["_repr_svg_", "image/svg+xml"],
  ["_repr_png_", "image/png"],
  ["_repr_jpeg_", "image/jpeg"],
  ["_repr_latex_", "text/latex"],
  ["_repr_json_", "application/json"],
];

/** text/plain as Node's REPL would show the value, plus whatever richer forms the value offers. */
export function mime_bundle(value: unknown): MimeBundle {
  const text = typeof value === "string" ? inspect(value) : inspect(value, { depth: 4, colors: false });
  const out: MimeBundle = { "text/plain": text };
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const v = value as Record<string, unknown>;
    if (typeof v._repr_mimebundle_ === "function") {
      Object.assign(out, (v._repr_mimebundle_ as () => MimeBundle)());
    }
    for (const [method, mime] of REPR_METHODS) {
      if (typeof v[method] === "function" && !(mime in out)) {
        const r = (v[method] as () => unknown)();
        if (r !== undefined && r !== null) out[mime] = r;
      }
    }
  }
  return out;
}
