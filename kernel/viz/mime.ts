// The rich representation of a value as a MIME bundle, as IPython's formatters build it. Objects
// may provide their own: _repr_mimebundle_() or _repr_html_() / _repr_markdown_() / ... methods.
// Tensors and modules get theirs here, so the tensor core and nn know nothing of notebooks.
import { inspect } from "node:util";
import { Module } from "../nn/module.js";
import { Tensor } from "../tensor/tensor.js";
import { is_json_container, json_of } from "./json.js";
import { module_html } from "./module_html.js";
import { tensor_html } from "./tensor_html.js";

export type MimeBundle = Record<string, unknown>;

/** Which MIME types the caller will keep (IPython's include/exclude), so that costly forms
 *  nobody shows are not built; _repr_mimebundle_(o) receives them. */
export interface MimeOptions {
  include?: string[];
  exclude?: string[];
}

/** Whether a bundle built with these options should hold this MIME type. */
export function wants(o: MimeOptions, mime: string): boolean {
  return (o.include?.includes(mime) ?? true) && !o.exclude?.includes(mime);
}

const REPR_METHODS: [string, string][] = [
  ["_repr_html_", "text/html"],
  ["_repr_markdown_", "text/markdown"],
  ["_repr_svg_", "image/svg+xml"],
  ["_repr_png_", "image/png"],
  ["_repr_jpeg_", "image/jpeg"],
  ["_repr_latex_", "text/latex"],
  ["_repr_json_", "application/json"],
];

/** text/plain as Node's REPL would show the value (torch's repr for tensors and modules), plus
 *  whatever richer forms the value offers. */
export function mime_bundle(value: unknown, o: MimeOptions = {}): MimeBundle {
  const text = typeof value === "string" ? inspect(value) : inspect(value, { depth: 4, colors: false });
  const out: MimeBundle = { "text/plain": text };
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return out;
  const wanted = (mime: string) => !(mime in out) && wants(o, mime);
  const v = value as Record<string, unknown>;
  if (typeof v._repr_mimebundle_ === "function") {
    Object.assign(out, (v._repr_mimebundle_ as (o: MimeOptions) => MimeBundle)(o));
  }
  for (const [method, mime] of REPR_METHODS) {
    if (typeof v[method] === "function" && wanted(mime)) {
      const r = (v[method] as () => unknown)();
      if (r !== undefined && r !== null) out[mime] = r;
    }
  }
  if (value instanceof Tensor && wanted("text/html")) out["text/html"] = tensor_html(value, text);
  else if (value instanceof Module && wanted("text/html")) out["text/html"] = module_html(value);
  else if (is_json_container(value) && wanted("application/json")) {
    const json = json_of(value);
    if (json !== undefined) out["application/json"] = json;
  }
  return out;
}
