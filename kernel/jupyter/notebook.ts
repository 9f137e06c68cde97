// Notebooks (nbformat 4) as JSON: reading with errors that name the problem, writing atomically
// (a temporary file renamed over the old one, so a failed write loses nothing), and turning a
// kernel's iopub messages into a cell's outputs the way nbclient does.
import { readFileSync } from "node:fs";
import { write_text_atomic } from "../atomic_file.js";
import type { Message } from "./wire.js";

export type MultilineString = string | string[];

export interface Output {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  [k: string]: unknown;
}

export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  source: MultilineString;
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  id?: string;
  attachments?: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

export const text = (s: MultilineString): string => (Array.isArray(s) ? s.join("") : s);

export function read_notebook(file: string): Notebook {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${file} is not a notebook: it is not JSON (${(e as Error).message})`);
  }
  if (!nb || typeof nb !== "object" || !Array.isArray(nb.cells)) throw new Error(`${file} is not a notebook: it has no "cells" list`);
  if (nb.nbformat !== 4) throw new Error(`${file}: nbformat ${nb.nbformat} is not supported (lowbit reads nbformat 4)`);
  for (const [i, c] of nb.cells.entries()) {
    if (!c || typeof c !== "object" || !["code", "markdown", "raw"].includes(c.cell_type)) {
      throw new Error(`${file}: cell ${i} has no valid cell_type`);
    }
  }
  return nb;
}

/** Splits text into lines keeping their newlines, as nbformat stores multiline strings. */
export function lines(s: string): string[] {
  return s.split(/(?<=\n)/).filter((l) => l.length > 0);
}

export function write_notebook(file: string, nb: Notebook): void {
  write_text_atomic(file, JSON.stringify(nb, null, 1) + "\n");
}

/** Collects a cell's outputs from iopub messages; update_display_data also reaches the outputs of
 *  earlier cells shown under the same display_id. */
export class OutputCollector {
  /** display_id -> outputs showing it, in any cell */
  private readonly by_display_id = new Map<string, Output[]>();
  private clear_on_next = false;

  constructor(private outputs: Output[] = []) {}

  /** Starts collecting for another cell. */
  next_cell(): Output[] {
    this.outputs = [];
    this.clear_on_next = false;
    return this.outputs;
  }

  add(msg: Message): void {
    const c = msg.content as Record<string, unknown>;
    const type = msg.header.msg_type;
    if (type === "clear_output") {
      if (c.wait) this.clear_on_next = true;
      else this.outputs.length = 0;
      return;
    }
    if (type === "update_display_data") {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      for (const o of (id && this.by_display_id.get(id)) || []) {
        o.data = c.data;
        o.metadata = c.metadata ?? {};
      }
      return;
    }
    let out: Output | null = null;
    switch (type) {
      case "stream": {
        const last = this.outputs[this.outputs.length - 1];
        if (!this.clear_on_next && last?.output_type === "stream" && last.name === c.name) {
          last.text = String(last.text) + String(c.text);
          return;
        }
        out = { output_type: "stream", name: c.name, text: String(c.text) };
        break;
      }
      case "display_data":
        out = { output_type: "display_data", data: c.data, metadata: c.metadata ?? {} };
        break;
      case "execute_result":
        out = { output_type: "execute_result", data: c.data, metadata: c.metadata ?? {}, execution_count: c.execution_count };
        break;
      case "error":
        out = { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback };
        break;
      default:
        return;
    }
    if (this.clear_on_next) {
      this.outputs.length = 0;
      this.clear_on_next = false;
    }
    this.outputs.push(out);
    const id = (c.transient as { display_id?: string } | undefined)?.display_id;
    if (id && type === "display_data") {
      const list = this.by_display_id.get(id) ?? [];
      list.push(out);
      this.by_display_id.set(id, list);
    }
  }
}

/** Outputs as nbformat writes them: stream text and string data as lists of lines. */
export function to_nbformat(outputs: Output[]): Output[] {
  const split = (v: unknown) => (typeof v === "string" ? lines(v) : v);
  return outputs.map((o) => {
    const r: Output = { ...o };
    if (o.output_type === "stream") r.text = lines(String(o.text));
    if (o.data && typeof o.data === "object") {
      r.data = Object.fromEntries(Object.entries(o.data as Record<string, unknown>).map(([k, v]) => [k, k.endsWith("json") ? v : split(v)]));
    }
    return r;
  });
}
