// `lowbit run NB.ipynb`: executes a notebook headless through a lowbit kernel (this package's own
// zeromq client, no Python), cell by cell with a time limit each, and writes the outputs back --
// into the notebook itself or --output -- and optionally a standalone HTML page.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { progress } from "../viz/progress.js";
import { KernelClient, type StartOptions } from "./client.js";
import { KERNEL_NAME, kernel_json } from "./kernelspec.js";
import { notebook_html } from "./html.js";
import { OutputCollector, read_notebook, text, to_nbformat, write_notebook, type Notebook } from "./notebook.js";

export interface RunOptions {
  output?: string;
  html?: string;
  /** seconds per cell; an overrun interrupts the cell and counts as its error */
  timeout_s?: number;
  /** run every cell even after one fails (nbconvert's --allow-errors) */
  allow_errors?: boolean;
  kernel?: StartOptions;
  /** answers input() calls (default: input is refused) */
  on_input?: (prompt: string, password: boolean) => Promise<string> | string;
  quiet?: boolean;
}

export interface CellFailure {
  cell: number;
  ename: string;
  evalue: string;
}

export interface RunResult {
  notebook: Notebook;
  /** every failing cell (a timeout has ename TimeoutError), in order */
  errors: CellFailure[];
}

export async function run_notebook(file: string, o: RunOptions = {}): Promise<RunResult> {
  const nb = read_notebook(file);
  const client = await KernelClient.start({ cwd: path.dirname(path.resolve(file)), ...o.kernel });
  const errors: CellFailure[] = [];
  try {
    const info = await client.request("kernel_info_request", {});
    nb.metadata.kernelspec = { name: KERNEL_NAME, display_name: kernel_json().display_name, language: "typescript" };
    nb.metadata.language_info = info.content.language_info;
    const collector = new OutputCollector();
    const code_cells = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === "code");
    const cells = o.quiet ? code_cells : progress(code_cells, { desc: path.basename(file), unit: "cell", file: process.stderr });
    for (const [cell, index] of cells) {
      const outputs = collector.next_cell();
      if (errors.length && !o.allow_errors) {
        cell.outputs = [];
        cell.execution_count = null;
        continue;
      }
      const r = await client.execute(text(cell.source), {
        timeout_ms: o.timeout_s === undefined ? undefined : o.timeout_s * 1000,
        on_iopub: (m) => collector.add(m),
        on_input: o.on_input,
        stop_on_error: false,
      });
      cell.execution_count = (r.reply.content.execution_count as number | undefined) ?? null;
      cell.outputs = outputs;
      const status = r.reply.content.status;
      if (r.timed_out) errors.push({ cell: index, ename: "TimeoutError", evalue: `cell ${index} did not finish within ${o.timeout_s} s` });
      else if (status === "error") errors.push({ cell: index, ename: String(r.reply.content.ename), evalue: String(r.reply.content.evalue) });
    }
    for (const c of nb.cells) if (c.outputs) c.outputs = to_nbformat(c.outputs);
  } finally {
    await client.shutdown();
  }
  write_notebook(o.output ?? file, nb);
  if (o.html) writeFileSync(o.html, notebook_html(nb, path.basename(file, ".ipynb")));
  return { notebook: nb, errors };
}
