// Turns repetition times into the results table (printed, and written to bench/RESULTS.md).
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Case, Goal } from "./cases.js";
import type { Machine } from "./machine.js";
import type { Bursts, Plan } from "./measure.js";
import type { PeerInfo } from "./peer.js";
import { median, quantile, round_ratios, spread } from "./stats.js";

export interface Measured {
  threads: number;
  case: Case;
  lowbit: Bursts;
  torch: Bursts;
  /** lowbit on case.against_own.other, timed in the same rounds. */
  own: Bursts | null;
}

export interface Row {
  threads: number;
  title: string;
  lowbit: string;
  other: string;
  /** Median time of the other over lowbit's; and the quartiles of that ratio round by round. */
  ratio: number;
  quartiles: [number, number];
  goal: Goal | null;
}

/** b's median time over a's, with the quartiles of that ratio taken round by round. */
export function ratio(a: Bursts, b: Bursts): Pick<Row, "ratio" | "quartiles"> {
  const rs = round_ratios(a, b);
  return { ratio: median(b.flat()) / median(a.flat()), quartiles: [quantile(rs, 0.25), quantile(rs, 0.75)] };
}

function figure(c: Case, bursts: Bursts): string {
  const times = bursts.flat();
  const t = median(times), pm = `±${(spread(times) * 100).toFixed(1)}%`;
  if (c.unit === "GFLOP/s") return `${(c.work / t / 1e9).toFixed(1)} GFLOP/s ${pm}`;
  return `${(t * 1e3).toFixed(3)} ms, ${(c.work / t / 1e9).toFixed(1)} GB/s ${pm}`;
}

export function rows(results: readonly Measured[]): Row[] {
  const out: Row[] = [];
  for (const m of results) {
    const c = m.case;
    out.push({
      threads: m.threads, title: c.title, lowbit: figure(c, m.lowbit), other: `torch ${figure(c, m.torch)}`,
      ...ratio(m.lowbit, m.torch), goal: c.goal,
    });
    if (c.against_own && m.own) {
      out.push({
        threads: m.threads, title: c.against_own.title, lowbit: `bf16 ${(median(m.lowbit.flat()) * 1e3).toFixed(3)} ms`,
        other: `fp32 ${(median(m.own.flat()) * 1e3).toFixed(3)} ms`, ...ratio(m.lowbit, m.own), goal: c.against_own.goal,
      });
    }
  }
  return out;
}

export function table(rs: readonly Row[]): string {
  const lines = [
    "| threads | case | lowbit | compared with | ratio | goal | met |",
    "|---:|---|---|---|---:|---|---|",
  ];
  for (const r of rs) {
    const met = r.goal ? (r.goal.met(r.ratio) ? "yes" : "**NO**") : "(information)";
    const [q1, q3] = r.quartiles;
    lines.push(`| ${r.threads} | ${r.title} | ${r.lowbit} | ${r.other} | ${r.ratio.toFixed(2)}x (${q1.toFixed(2)}–${q3.toFixed(2)}) | ${r.goal?.text ?? "—"} | ${met} |`);
  }
  return lines.join("\n");
}

export function unmet(rs: readonly Row[]): Row[] {
  return rs.filter((r) => r.goal && !r.goal.met(r.ratio));
}

export interface Context {
  date: string;
  command: string;
  machine: Machine;
  peers: Map<number, PeerInfo>;
  plan: Plan;
}

export function document(ctx: Context, rs: readonly Row[]): string {
  const m = ctx.machine;
  const first = [...ctx.peers.values()][0]!;
  const blas = first.blas.openblas ? `OpenBLAS (${first.blas.openblas})` : `NOT OpenBLAS: ${first.blas.libraries.join(", ") || "none found"}`;
  const peer_threads = [...ctx.peers].map(([t, p]) => `${t} (torch ${p.torch_threads}, BLAS ${p.blas.threads ?? "?"})`).join("; ");
  const missed = unmet(rs);
  return `# lowbit vs PyTorch: fp32 GEMM and GEMV, bf16 GEMV

Written by \`npm run bench\` (bench/run.ts), which runs lowbit and PyTorch on the same inputs in one
run; run it again to replace these figures.

- Date: ${ctx.date}
- Command: \`${ctx.command}\`
- Machine: ${m.cpu}, ${m.cpus} CPUs${m.hypervisor ? ` (VM, ${m.hypervisor})` : ""}; ${m.caches}; flags: ${m.flags.join(" ")}; ${m.os}
- lowbit: Node ${m.node}, native kernels built for ${m.lowbit_isa}
- Peer: PyTorch ${first.torch}${first.package ? ` (Debian python3-torch ${first.package})` : ""} on Python ${first.python}; BLAS: ${blas}
- Threads per row (what the peer reported): ${peer_threads}

## Results

${table(rs)}

${missed.length === 0 ? "All goals met." : `Goals missed: ${missed.map((r) => `${r.title} at ${r.threads} thread(s)`).join("; ")}.`}

Ratio: torch's median time over lowbit's (above 1 means lowbit is faster); for the bf16-vs-fp32
row, lowbit's fp32 time over its bf16 time. In brackets, the quartiles of the same ratio taken
round by round, which shows how much it moves with the machine's drift. GEMV figures are
milliseconds per product and GB/s of weights read (64 MB fp32, 32 MB bf16). "±" is half the
interquartile range over the median.

## How it is measured

- Inputs: \`torch.manual_seed(0)\`, W = randn(4096, 4096), x = randn(4096); \`manual_seed(1)\`,
  A, B = randn(1024, 1024). lowbit reproduces torch's generator, so both sides use the same numbers;
  the sums of |output| are compared before timing.
- Cases: \`torch.mm(A, B)\`; \`torch.mv(W, x)\`; \`F.linear(x[None], W)\` (nn.Linear's layout,
  W stored [out, in]); the same with W and x in bfloat16. lowbit runs the same calls from its
  public API (\`torch.mm\`, \`torch.mv\`, \`nn.functional.linear\`).
- Threads: \`torch.set_num_threads(n)\` on both sides, and the peer is a fresh process per thread
  count with \`OPENBLAS_NUM_THREADS=n OMP_NUM_THREADS=n\`: torch.set_num_threads does not reach
  OpenBLAS, whose "1 thread" would otherwise use every core.
- Timing: ${ctx.plan.warmup_s} s of warm-up per contender, then ${ctx.plan.rounds} rounds of alternating
  bursts of about ${ctx.plan.burst_s * 1000} ms each (the order rotates every round, with a ${ctx.plan.pause_ms} ms
  pause before each burst so OpenBLAS's spinning idle threads are asleep); medians over all repetitions.
  The process exits with status 1 when a goal is missed.
- On a shared VM, absolute figures move by 10-30% from run to run; the ratios move less, since
  the contenders alternate within each round (see the quartiles). GEMV figures above DRAM
  bandwidth mean the weights stayed partly cached between repetitions, which a 32-64 MB matrix
  can when the two threads run on core complexes with separate L3 caches; it happens to both sides.

## A fair peer needs OpenBLAS

Debian's python3-torch calls whatever \`libblas.so.3\` the alternatives system points to; with only
the reference BLAS installed its GEMM is many times slower and the ratios mean nothing. Install
the peer with

    apt-get install python3-torch libopenblas0-pthread

The bench prints which BLAS library torch really loaded (above) and warns when it is not OpenBLAS.
\`LOWBIT_BENCH_PYTHON\` selects another Python with torch (default /usr/bin/python3).
`;
}

/** Writes through a temporary file, so an interrupted run leaves the previous results intact. */
export function write_atomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Replaces one benchmark's section of a results file (between `<!-- begin NAME -->` and
 *  `<!-- end NAME -->`), or appends it; the other benchmarks' sections stay as they are. */
export function write_section(file: string, name: string, text: string): void {
  const begin = `<!-- begin ${name} -->`, end = `<!-- end ${name} -->`;
  const section = `${begin}\n${text.trim()}\n${end}\n`;
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const i = old.indexOf(begin), j = old.indexOf(end, i);
  if (i >= 0 && j < 0) throw new Error(`${file}: '${begin}' has no '${end}'; fix the file by hand`);
  const next = i >= 0
    ? old.slice(0, i) + section + old.slice(j + end.length).replace(/^\n/, "")
    : old + (old && !old.endsWith("\n\n") ? (old.endsWith("\n") ? "\n" : "\n\n") : "") + section;
  write_atomic(file, next);
}

/** How this run was started, for the results: `npm run SCRIPT -- ARGS` or `node dist/...`. */
export function command_line(npm_script: string, script: string): string {
  const args = process.argv.slice(2);
  if (process.env.npm_lifecycle_event !== npm_script) return [`node ${script}`, ...args].join(" ");
  return [`npm run ${npm_script}`, ...(args.length ? ["--", ...args] : [])].join(" ");
}
