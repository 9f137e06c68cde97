// display() / update_display() / clear_output(), IPython's API, over a pluggable sink: the Jupyter
// kernel installs one that publishes on iopub; outside a kernel the terminal sink prints text.
import { randomUUID } from "node:crypto";
import { mime_bundle, type MimeBundle } from "./mime.js";

export type { MimeBundle };
export type DisplayMetadata = Record<string, unknown>;

export interface DisplaySink {
  /** A new output (display_data), registered under display_id when one is given. */
  display(data: MimeBundle, metadata: DisplayMetadata, display_id?: string): void;
  /** Replaces every output shown under display_id (update_display_data). */
  update(data: MimeBundle, metadata: DisplayMetadata, display_id: string): void;
  /** Clears the cell's outputs, at once or (wait) when the next output arrives. */
  clear(wait: boolean): void;
  /** Whether outputs render rich MIME types (a notebook) or only text (a terminal). */
  readonly rich: boolean;
}

/** Outside a notebook: text/plain on stdout; updates print again. */
export const terminal_sink: DisplaySink = {
  rich: false,
  display(data) {
    process.stdout.write(String(data["text/plain"] ?? "") + "\n");
  },
  update(data) {
    process.stdout.write(String(data["text/plain"] ?? "") + "\n");
  },
  clear() {},
};

let sink: DisplaySink = terminal_sink;

/** The Jupyter kernel routes displays to the notebook; null restores the terminal. */
export function set_display_sink(s: DisplaySink | null): void {
  sink = s ?? terminal_sink;
}

export function display_sink(): DisplaySink {
  return sink;
}

export interface DisplayOptions {
  /** An id to update this output later; true makes a fresh one. */
  display_id?: string | true;
  metadata?: DisplayMetadata;
  /** Show only these MIME types of the object's representation. */
  include?: string[];
  /** Leave these MIME types out. */
  exclude?: string[];
  /** The object is already a MIME bundle (like IPython's raw=True). */
  raw?: boolean;
}

function bundle_of(obj: unknown, o: DisplayOptions): MimeBundle {
  // a terminal prints text/plain only: don't build the rest (a figure's HTML carries plotly.js)
  const include = o.include ?? (sink.rich ? undefined : ["text/plain"]);
  let data = o.raw ? (obj as MimeBundle) : mime_bundle(obj, { include, exclude: o.exclude });
  if (include) data = Object.fromEntries(Object.entries(data).filter(([k]) => include.includes(k)));
  if (o.exclude) data = Object.fromEntries(Object.entries(data).filter(([k]) => !o.exclude!.includes(k)));
  return data;
}

/** A displayed output that can be updated in place (IPython's DisplayHandle). */
export class DisplayHandle {
  constructor(readonly display_id: string) {}
  update(obj: unknown, o: Omit<DisplayOptions, "display_id"> = {}): void {
    sink.update(bundle_of(obj, o), o.metadata ?? {}, this.display_id);
  }
  display(obj: unknown, o: Omit<DisplayOptions, "display_id"> = {}): void {
    sink.display(bundle_of(obj, o), o.metadata ?? {}, this.display_id);
  }
}

/** IPython's display(): shows each object; with display_id returns a handle to update it. */
export function display(obj: unknown, o: DisplayOptions = {}): DisplayHandle | undefined {
  const id = o.display_id === true ? randomUUID() : o.display_id;
  sink.display(bundle_of(obj, o), o.metadata ?? {}, id);
  return id === undefined ? undefined : new DisplayHandle(id);
}

/** IPython's update_display(obj, display_id=...). */
export function update_display(obj: unknown, o: DisplayOptions & { display_id: string }): void {
  sink.update(bundle_of(obj, o), o.metadata ?? {}, o.display_id as string);
}

/** IPython's clear_output(wait=False). */
export function clear_output(o: { wait?: boolean } = {}): void {
  sink.clear(o.wait ?? false);
}
