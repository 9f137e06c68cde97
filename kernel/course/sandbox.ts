// Runs a sequence of cells in a fresh lowbit kernel under limits: a time limit per cell (an
// interrupt first; a kernel that does not stop is killed), a total time limit, and a memory limit
// (V8's heap limit plus the resident set watched from outside). A cell that overran, failed or lost
// its kernel is reported as such; cells after a lost kernel are not run.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KernelClient, type ExecuteOptions } from "../jupyter/client.js";
import { OutputCollector, type Output } from "../jupyter/notebook.js";
import { package_root } from "../package.js";
import { watch_memory } from "./memory.js";

export interface Limits {
  /** seconds per cell */
  cell_timeout_s: number;
  /** seconds for the whole notebook */
  total_timeout_s: number;
  /** bytes of resident memory */
  memory_bytes: number;
}

export type CellStatus = "ok" | "error" | "timeout" | "dead" | "not_run";

export interface CellRun {
  status: CellStatus;
  outputs: Output[];
  /** error name and message (status error), or why the cell did not finish */
  ename?: string;
  evalue?: string;
}

/** How long an interrupted cell may take to stop before its kernel is killed. */
const STOP_GRACE_MS = 3000;
const MB = 1024 * 1024;

export async function run_sandboxed(cells: string[], limits: Limits): Promise<CellRun[]> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "lowbit-grade-"));
  const runs: CellRun[] = [];
  let client: KernelClient | undefined;
  let death: string | null = null;
  const stderr: string[] = [];
  try {
    client = await KernelClient.start({
      argv: [process.execPath, `--max-old-space-size=${Math.max(64, Math.floor(limits.memory_bytes / MB))}`,
        path.join(package_root(), "dist", "kernel", "cli.js"), "kernel", "{connection_file}"],
      cwd, stderr: "pipe", startup_timeout_ms: 60_000,
    });
    client.process!.stderr!.on("data", (d: Buffer) => {
      stderr.push(d.toString());
      if (stderr.length > 50) stderr.shift();
    });
    const kernel = client;
    const watch = watch_memory(kernel.process!.pid!, limits.memory_bytes, (rss) => {
      death = `memory limit exceeded: the kernel used ${Math.round(rss / MB)} MB, the limit is ${Math.round(limits.memory_bytes / MB)} MB`;
      kernel.kill();
    });
    // the kernel finishes loading TypeScript in the background after it answers; that wait
    // belongs to no cell's time
    await execute(kernel, "void 0", { timeout_ms: 60_000, silent: true });
    const deadline = Date.now() + limits.total_timeout_s * 1000;
    const collector = new OutputCollector();
    try {
      for (const cell of cells) {
        const outputs = collector.next_cell();
        if (death) {
          runs.push({ status: "not_run", outputs, evalue: `not run: ${death}` });
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          runs.push({ status: "not_run", outputs, evalue: `not run: the notebook's total time limit of ${limits.total_timeout_s} s was reached` });
          continue;
        }
        const timeout_ms = Math.min(limits.cell_timeout_s * 1000, left);
        const r = await execute(kernel, cell, { timeout_ms, on_iopub: (m) => collector.add(m) });
        if (r.died) death ??= r.timed_out ? "the kernel was stopped: a cell would not stop when interrupted" : died_message(kernel.exited, stderr);
        if (r.timed_out) {
          const total = timeout_ms < limits.cell_timeout_s * 1000;
          runs.push({ status: "timeout", outputs, evalue: total
            ? `the notebook's total time limit of ${limits.total_timeout_s} s was reached in this cell`
            : `the cell did not finish within ${limits.cell_timeout_s} s (an endless loop?)${r.died ? " and the kernel was stopped" : ""}` });
        } else if (r.died) runs.push({ status: "dead", outputs, evalue: death! });
        else if (r.error) runs.push({ status: "error", outputs, ename: r.error.ename, evalue: r.error.evalue });
        else runs.push({ status: "ok", outputs });
      }
    } finally {
      watch.stop();
    }
  } catch (e) {
    // the kernel did not start: every cell says why
    const why = `not run: the kernel did not start (${(e as Error).message})`;
    while (runs.length < cells.length) runs.push({ status: "not_run", outputs: [], evalue: why });
  } finally {
    if (client) await client.shutdown().catch(() => client!.kill());
    rmSync(cwd, { recursive: true, force: true });
  }
  return runs;
}

function died_message(code: number | null | undefined, stderr: string[]): string {
  const tail = stderr.join("");
  if (/heap out of memory|Allocation failed/i.test(tail)) return "memory limit exceeded: the kernel ran out of JavaScript heap";
  return `the kernel died (exit code ${code})`;
}

interface Executed {
  timed_out: boolean;
  died: boolean;
  error?: { ename: string; evalue: string };
}

/** One execution; past its time limit the kernel is interrupted, and killed if it does not stop. */
async function execute(k: KernelClient, code: string, o: { timeout_ms: number; silent?: boolean; on_iopub?: ExecuteOptions["on_iopub"] }): Promise<Executed> {
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    k.kill();
  }, o.timeout_ms + STOP_GRACE_MS);
  try {
    const r = await k.execute(code, { timeout_ms: o.timeout_ms, silent: o.silent, store_history: !o.silent, stop_on_error: false, on_iopub: o.on_iopub });
    const c = r.reply.content;
    return { timed_out: r.timed_out, died: false, error: c.status === "error" ? { ename: String(c.ename), evalue: String(c.evalue) } : undefined };
  } catch {
    return { timed_out: killed, died: true };
  } finally {
    clearTimeout(killer);
  }
}
