// `npm run bench:kernel`: the Jupyter kernel's latency, lowbit against tslab in one run. Cold start
// is the time from spawning a kernel to its first kernel_info_reply; the round trip is executing
// `1+1`, from sending execute_request to receiving both its execute_reply and its idle status.
// Both kernels start as `node <script>` with the same environment in the same empty directory.
// Options: --starts 10  --executes 200  --warmup 20  (the defaults).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KernelClient, type Execution } from "../kernel/jupyter/client.js";
import { describe_machine } from "./machine.js";
import { kernel_document, kernel_rows, kernel_table, lost_note, type Contender, type KernelPlan, type KernelTimes } from "./kernel_report.js";
import { command_line, write_section } from "./report.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const RESULTS = path.join(ROOT, "bench", "RESULTS.md");
const CODE = "1+1";

function contenders(): Contender[] {
  const tslab = path.dirname(createRequire(import.meta.url).resolve("tslab/package.json"));
  const version = (dir: string) => String(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version);
  return [
    { name: "lowbit", version: version(ROOT), argv: [process.execPath, path.join(ROOT, "dist", "kernel", "cli.js"), "kernel", "{connection_file}"] },
    { name: "tslab", version: version(tslab), argv: [process.execPath, path.join(tslab, "bin", "tslab"), "kernel", "--config-path", "{connection_file}"] },
  ];
}

/** A started kernel, with what it wrote to stderr. */
class Running {
  stderr = "";
  private constructor(readonly contender: Contender, readonly client: KernelClient) {
    client.process!.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
  }

  static async start(c: Contender, cwd: string, plan: KernelPlan): Promise<Running> {
    const client = await KernelClient.start({
      argv: c.argv, cwd, stderr: "pipe", ready_poll_ms: plan.poll_ms, reconnect_ms: plan.reconnect_ms,
    }).catch((e: Error) => {
      throw new Error(`${c.name}: ${e.message} (run \`${c.argv.join(" ")}\` with a connection file to see why)`);
    });
    return new Running(c, client);
  }

  /** ms from spawning the kernel to its first kernel_info_reply. */
  get cold_ms(): number {
    return this.client.startup.ready - this.client.startup.spawned;
  }

  /** Executes `1+1` and checks it gave 2: ms to the reply and to the reply and idle status both,
   *  or null when iopub messages (the value, the idle status) never came (the client gives up
   *  on them after 5 s). */
  async execute(times: KernelTimes): Promise<{ reply: number; done: number } | null> {
    const e = await this.client.execute(CODE);
    const out = result_text(e);
    if (e.reply.content.status !== "ok" || (out !== null && out !== "2")) {
      throw new Error(`${this.contender.name}: \`${CODE}\` gave status ${String(e.reply.content.status)}, output ${JSON.stringify(out)}` +
        `${this.stderr ? `; stderr: ${this.stderr}` : ""}`);
    }
    times.executions++;
    if (out === null || Number.isNaN(e.times.idle)) {
      times.lost++;
      return null;
    }
    return { reply: e.times.reply - e.times.sent, done: Math.max(e.times.reply, e.times.idle) - e.times.sent };
  }

  async stop(): Promise<void> {
    await this.client.shutdown();
    const lines = this.stderr.trim().split("\n").filter(Boolean);
    if (lines.length) console.log(`  (${this.contender.name} wrote ${lines.length} line(s) to stderr, the first: ${lines[0]})`);
  }
}

/** The value the cell showed: lowbit sends an execute_result, tslab prints it to stdout. */
function result_text(e: Execution): string | null {
  for (const m of e.iopub) {
    if (m.header.msg_type === "execute_result") return String((m.content.data as Record<string, unknown> | undefined)?.["text/plain"]);
    if (m.header.msg_type === "stream") return String(m.content.text).trim();
  }
  return null;
}

/** Cold starts, alternating which kernel goes first (ABBA), each kernel shut down before the next starts. */
async function cold_starts(cs: readonly Contender[], cwd: string, plan: KernelPlan, times: Map<string, KernelTimes>): Promise<void> {
  for (let i = 0; i < plan.starts; i++) {
    for (const c of i % 2 ? [...cs].reverse() : cs) {
      await sleep(plan.pause_ms);
      const r = await Running.start(c, cwd, plan);
      const t = times.get(c.name)!;
      t.cold.push(r.cold_ms);
      t.first.push((await r.execute(t))?.done ?? NaN);
      await r.stop();
      const first = Number.isNaN(t.first.at(-1)!) ? "lost its iopub messages" : `${t.first.at(-1)!.toFixed(1)} ms`;
      console.log(`  start ${i + 1} ${c.name}: kernel_info_reply after ${r.cold_ms.toFixed(1)} ms, first ${CODE} ${first}`);
    }
  }
}

/** Both kernels up at once; executes alternate between them so the machine's drift hits both. */
async function round_trips(cs: readonly Contender[], cwd: string, plan: KernelPlan, times: Map<string, KernelTimes>): Promise<void> {
  const running: Running[] = [];
  try {
    for (const c of cs) running.push(await Running.start(c, cwd, plan));
    for (let i = 0; i < plan.warmup; i++) for (const r of running) await r.execute(times.get(r.contender.name)!);
    for (let i = 0; i < plan.executes; i++) {
      for (const r of i % 2 ? [...running].reverse() : running) {
        const t = times.get(r.contender.name)!;
        const s = await r.execute(t);
        if (!s) continue;
        t.reply.push(s.reply);
        t.done.push(s.done);
      }
    }
  } finally {
    for (const r of running) await r.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { starts: { type: "string", default: "10" }, executes: { type: "string", default: "200" }, warmup: { type: "string", default: "20" } },
  });
  const plan: KernelPlan = {
    starts: Number(values.starts), executes: Number(values.executes), warmup: Number(values.warmup),
    pause_ms: 500, poll_ms: 5, reconnect_ms: 2,
  };
  if (![plan.starts, plan.executes].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(plan.warmup) && plan.warmup >= 0)) {
    throw new RangeError("usage: npm run bench:kernel -- [--starts 10] [--executes 200] [--warmup 20]");
  }
  const machine = describe_machine();
  const load = [os.loadavg()[0]!];
  console.log(`${machine.cpu}, ${machine.cpus} CPUs, Node ${machine.node}, load average ${load[0]!.toFixed(2)}`);
  const cs = contenders();
  const times = new Map(cs.map((c) => [c.name, { cold: [], first: [], reply: [], done: [], executions: 0, lost: 0 } as KernelTimes]));
  const cwd = mkdtempSync(path.join(os.tmpdir(), "lowbit-bench-kernel-"));
  try {
    console.log(`cold starts (${plan.starts} of each):`);
    await cold_starts(cs, cwd, plan, times);
    console.log(`round trips (${plan.warmup} warm-up, then ${plan.executes} of each)`);
    await round_trips(cs, cwd, plan, times);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  load.push(os.loadavg()[0]!);
  const [l, t] = [times.get("lowbit")!, times.get("tslab")!];
  const rs = kernel_rows(l, t);
  console.log(`\n${kernel_table(rs)}\n\n${lost_note(l, t).replace(/\n/g, " ")}`);
  const ctx = { date: new Date().toISOString(), command: command_line("bench:kernel", "dist/bench/kernel_latency.js"), machine, load, contenders: cs, plan };
  const doc = kernel_document(ctx, rs, l, t);
  write_section(RESULTS, "kernel-latency", doc);
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  const missed = rs.filter((r) => r.goal && !r.goal.met(r.ratio));
  if (missed.length) {
    console.log(`goals missed: ${missed.map((r) => r.title).join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(`bench:kernel: ${e.message}`);
  process.exitCode = 2;
});
