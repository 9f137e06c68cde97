// Turns the kernel latency timings (bench/kernel_latency.ts) into the results table, printed and
// written as the kernel-latency section of bench/RESULTS.md.
import type { Goal } from "./cases.js";
import type { Machine } from "./machine.js";
import { median, quantile } from "./stats.js";

export interface Contender {
  name: "lowbit" | "tslab";
  version: string;
  /** the kernel command; {connection_file} is replaced */
  argv: string[];
}

/** One kernel's samples, in ms. */
export interface KernelTimes {
  /** spawn to the first kernel_info_reply, one per start */
  cold: number[];
  /** the first `1+1` after each start: request to reply and idle */
  first: number[];
  /** `1+1` in a warm kernel: request to execute_reply */
  reply: number[];
  /** `1+1` in a warm kernel: request to execute_reply and idle status, both */
  done: number[];
  /** executions of `1+1`, and how many of them lost iopub messages (left out of the figures;
   *  in `first`, NaN) */
  executions: number;
  lost: number;
}

export interface KernelPlan {
  starts: number;
  executes: number;
  warmup: number;
  /** idle time before each start */
  pause_ms: number;
  /** the client asks for kernel_info this often once the shell connects */
  poll_ms: number;
  /** zeromq's reconnect interval while the kernel has not bound its ports yet */
  reconnect_ms: number;
}

export interface KernelRow {
  title: string;
  lowbit: string;
  tslab: string;
  /** tslab's figure over lowbit's: above 1, lowbit is faster */
  ratio: number;
  goal: Goal | null;
}

const NO_SLOWER: Goal = { text: "≥ 1.00x", met: (r) => r >= 1 };

export function kernel_rows(l: KernelTimes, t: KernelTimes): KernelRow[] {
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2)) + " ms";
  const row = (title: string, stat: (xs: number[]) => number, samples: (k: KernelTimes) => number[], goal: Goal | null,
    detail: (xs: number[]) => string = () => ""): KernelRow => {
    const xs = (k: KernelTimes) => samples(k).filter((x) => !Number.isNaN(x));
    return { title, lowbit: ms(stat(xs(l))) + detail(xs(l)), tslab: ms(stat(xs(t))) + detail(xs(t)), ratio: stat(xs(t)) / stat(xs(l)), goal };
  };
  const spread = (xs: number[]) => ` (p90 ${ms(quantile(xs, 0.9))}, min ${ms(Math.min(...xs))})`;
  const to_result = (k: KernelTimes) => k.cold.map((c, i) => c + k.first[i]!);
  return [
    row("cold start: spawn → kernel_info_reply, median", median, (k) => k.cold, NO_SLOWER, spread),
    row("first `1+1` after kernel_info_reply, median", median, (k) => k.first, null, spread),
    row("spawn → first `1+1` done, median", median, to_result, null, spread),
    row("round trip `1+1` (reply and idle), p50", median, (k) => k.done, NO_SLOWER),
    row("round trip `1+1` (reply and idle), p99", (xs) => quantile(xs, 0.99), (k) => k.done, NO_SLOWER),
    row("round trip `1+1` to execute_reply, p50", median, (k) => k.reply, null),
    row("round trip `1+1` to execute_reply, p99", (xs) => quantile(xs, 0.99), (k) => k.reply, null),
  ];
}

export function kernel_table(rs: readonly KernelRow[]): string {
  const lines = [
    "| measure | lowbit | tslab | tslab / lowbit | goal | met |",
    "|---|---|---|---:|---|---|",
  ];
  for (const r of rs) {
    const met = r.goal ? (r.goal.met(r.ratio) ? "yes" : "**NO**") : "(information)";
    lines.push(`| ${r.title} | ${r.lowbit} | ${r.tslab} | ${r.ratio.toFixed(2)}x | ${r.goal?.text ?? "—"} | ${met} |`);
  }
  return lines.join("\n");
}

/** Which executions lost iopub messages, in words. */
export function lost_note(l: KernelTimes, t: KernelTimes): string {
  const n = (k: KernelTimes) => `${k.lost} of ${k.executions}`;
  const note = `Executions of \`1+1\` whose iopub messages (the value, the idle status) never arrived: lowbit ${n(l)}, tslab ${n(t)}`;
  return l.lost + t.lost === 0 ? `${note}.` : `${note}; they are left out of the figures above. tslab 1.0 sends
on a zeromq socket without waiting for its previous send to finish, and zeromq refuses (EBUSY) a
send while one is in flight, so now and then a message is dropped; its error report goes to
stderr, which tslab forwards to the same iopub socket while a cell runs. lowbit queues its sends.`;
}

export interface KernelContext {
  date: string;
  command: string;
  machine: Machine;
  /** the 1-minute load average at the start and at the end */
  load: number[];
  contenders: Contender[];
  plan: KernelPlan;
}

export function kernel_document(ctx: KernelContext, rs: readonly KernelRow[], l: KernelTimes, t: KernelTimes): string {
  const m = ctx.machine, p = ctx.plan;
  const missed = rs.filter((r) => r.goal && !r.goal.met(r.ratio));
  const [lowbit, tslab] = ctx.contenders as [Contender, Contender];
  return `# lowbit vs tslab: Jupyter kernel latency

Written by \`npm run bench:kernel\` (bench/kernel_latency.ts), which starts and drives both kernels
in one run; run it again to replace these figures.

- Date: ${ctx.date}
- Command: \`${ctx.command}\`
- Machine: ${m.cpu}, ${m.cpus} CPUs${m.hypervisor ? ` (VM, ${m.hypervisor})` : ""}; ${m.os}; Node ${m.node}
- Load average (1 min) at the start and the end of the run: ${ctx.load.map((x) => x.toFixed(2)).join(", ")}
- Kernels: lowbit ${lowbit.version} (\`node dist/kernel/cli.js kernel FILE\`), tslab ${tslab.version}
  (\`node node_modules/tslab/bin/tslab kernel --config-path FILE\`)

## Results

${kernel_table(rs)}

${missed.length === 0 ? "All goals met: lowbit is no slower than tslab on either." : `Goals missed: ${missed.map((r) => r.title).join("; ")}.`}

Ratio: tslab's figure over lowbit's (above 1 means lowbit is faster).

${lost_note(l, t)}

## How it is measured

- Both kernels run as \`node SCRIPT\` (no shell or npm wrapper) with the same environment, in the
  same empty temporary directory, driven by lowbit's Jupyter client (kernel/jupyter/client.ts)
  over zeromq on 127.0.0.1.
- Cold start: ${p.starts} starts of each kernel, alternating which goes first (lowbit, tslab, tslab,
  lowbit, ...), each shut down before the next starts, ${p.pause_ms} ms apart. Timed from the spawn call
  to the first kernel_info_reply on shell. The client retries the TCP connection every
  ${p.reconnect_ms} ms until the kernel has bound its ports, asks for kernel_info as soon as the shell
  connects and again every ${p.poll_ms} ms (tslab 1.0 drops a request that arrives while it is still
  binding its other sockets), so each figure is within a few ms of the kernel being able to answer.
- First \`1+1\`: sent the moment each cold start's kernel_info_reply arrives. lowbit builds its
  TypeScript service (tslab's converter) after it answers kernel_info, tslab before it binds its
  ports, so this row carries the work lowbit defers; "spawn → first \`1+1\` done" adds the two.
- Round trip: both kernels running, ${p.warmup} warm-up executions each, then ${p.executes} executions of
  \`1+1\` alternating between the kernels (who goes first swaps every time), one at a time. Timed
  from sending execute_request to receiving both the execute_reply (shell) and the idle status
  (iopub), which is when a front end considers the cell done; the execute_reply rows stop at the
  reply. Each result is checked to be 2.
- Per cell, both kernels type-check and transpile with tslab's converter (TypeScript 5.0 from
  @tslab/typescript-for-tslab) against the declarations of the cells before, and run the
  JavaScript with vm.runInThisContext. lowbit returns the value as an execute_result; tslab
  prints it as a stdout stream message. lowbit also does four things per cell that tslab does
  not, each a fraction of a millisecond: it publishes execute_input (the messaging protocol asks
  for it); it names each cell's script (cell-N.js) so tracebacks point into the right cell,
  which means V8 compiles a repeated \`1+1\` afresh where tslab's unnamed script hits V8's
  compile cache (distinct cells compile afresh in both); it parses the cell once more to place
  the line markers that map errors to cell lines; and it checks every cell against lowbit's API
  declarations. With all four removed (an experiment, not a change) its round trip matched
  tslab's; those are what a gap in the round-trip rows is made of.
- The machine is a shared VM; other processes' load (above) moves the absolute figures and the
  tails (p90, p99) most. The kernels alternate, so the load falls on both.
`;
}
