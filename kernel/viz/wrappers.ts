// IPython.display's wrapper objects: display(Markdown("**bold**")) shows the text rendered.
// Each is callable with or without `new`, as the Python classes are called.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { inspect } from "node:util";
import { callable_class } from "./callable.js";
import { json_of } from "./json.js";
import type { MimeBundle } from "./mime.js";

/** IPython's DisplayObject: the text form (a terminal, text/plain) is the object's toString(). */
export class DisplayObject {
  [inspect.custom](): string {
    return String(this);
  }
}

/** Markdown text, rendered by the front end. */
export class MarkdownClass extends DisplayObject {
  constructor(readonly data: string) {
    super();
  }
  _repr_markdown_(): string {
    return this.data;
  }
  override toString(): string {
    return this.data;
  }
}
export const Markdown = callable_class(MarkdownClass);
export type Markdown = MarkdownClass;

/** Raw HTML (scripts run where the front end trusts the output). */
export class HTMLClass extends DisplayObject {
  constructor(readonly data: string) {
    super();
  }
  _repr_html_(): string {
    return this.data;
  }
  override toString(): string {
    return "<HTML object>";
  }
}
export const HTML = callable_class(HTMLClass);
export type HTML = HTMLClass;

/** An SVG document. */
export class SVGClass extends DisplayObject {
  readonly data: string;
  constructor(data: string) {
    super();
    // IPython keeps only the <svg> element: an XML prolog or doctype is invalid inside HTML
    const start = data.indexOf("<svg");
    this.data = start > 0 ? data.slice(start) : data;
  }
  _repr_svg_(): string {
    return this.data;
  }
  override toString(): string {
    return "<SVG object>";
  }
}
export const SVG = callable_class(SVGClass);
export type SVG = SVGClass;

/** LaTeX, typeset by the front end's MathJax/KaTeX: `Latex("$x^2$")`. */
export class LatexClass extends DisplayObject {
  constructor(readonly data: string) {
    super();
  }
  _repr_latex_(): string {
    return this.data;
  }
  override toString(): string {
    return this.data;
  }
}
export const Latex = callable_class(LatexClass);
export type Latex = LatexClass;

/** Data shown as an expandable JSON tree (tensors inside appear as their repr). */
export class JSONClass extends DisplayObject {
  readonly data: unknown;
  constructor(data: unknown) {
    super();
    this.data = json_of(data);
    if (this.data === undefined) throw new TypeError("JSON(): the value is not JSON-serialisable (functions, class instances, cycles, bigints, NaN or too large)");
  }
  _repr_json_(): unknown {
    return this.data;
  }
  override toString(): string {
    return globalThis.JSON.stringify(this.data, null, 2);
  }
}
export const JSON = callable_class(JSONClass);
export type JSON = JSONClass;

export type ImageFormat = "png" | "jpeg";

export interface ImageOptions {
  /** The encoded image: bytes, or a base64 string. */
  data?: Uint8Array | string;
  /** A .png / .jpg / .jpeg file to read now (the notebook keeps the pixels, not the path). */
  path?: string;
  /** Taken from the path's extension or the data's signature when left out. */
  format?: ImageFormat | "jpg";
}

function sniff(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "jpeg";
  return undefined;
}

/** A PNG or JPEG image: `Image({ path: "plot.png" })`, `Image({ data: bytes, format: "png" })`. */
export class ImageClass extends DisplayObject {
  readonly format: ImageFormat;
  /** base64, as the MIME bundle carries images */
  readonly data: string;
  constructor(o: ImageOptions) {
    super();
    if ((o.data === undefined) === (o.path === undefined)) throw new TypeError("Image(): give exactly one of { data } or { path }");
    const bytes = o.path !== undefined ? readFileSync(o.path) : typeof o.data === "string" ? Buffer.from(o.data, "base64") : o.data!;
    const ext = o.path !== undefined ? extname(o.path).slice(1).toLowerCase() : undefined;
    const format = o.format ?? (ext === "png" || ext === "jpeg" || ext === "jpg" ? ext : sniff(bytes));
    if (format !== "png" && format !== "jpeg" && format !== "jpg") {
      throw new TypeError(`Image(): ${format === undefined ? "cannot tell the format" : `unsupported format '${format}'`}; pass { format: "png" } or { format: "jpeg" }`);
    }
    this.format = format === "jpg" ? "jpeg" : format;
    this.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }
  _repr_mimebundle_(): MimeBundle {
    return { [`image/${this.format}`]: this.data };
  }
  override toString(): string {
    return `<Image: ${this.format}, ${Buffer.byteLength(this.data, "base64")} bytes>`;
  }
}
export const Image = callable_class(ImageClass);
export type Image = ImageClass;
