// `npm run bench`: lowbit against PyTorch on the same machine in one run, at 1 and 2 threads.
// Options: --threads 1,2  --rounds 30  (the defaults).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { torch } from "../kernel/index.js";
import { CASES, checksum, lowbit_cases } from "./cases.js";
import { describe_machine } from "./machine.js";
import { Contender, interleave, Plan, sync_contender } from "./measure.js";
import { INSTALL_HINT, PeerInfo, TorchPeer } from "./peer.js";
import { command_line, Context, document, Measured, rows, table, unmet, write_section } from "./report.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "RESULTS.md");

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { threads: { type: "string", default: "1,2" }, rounds: { type: "string", default: "30" } } });
  const thread_counts = values.threads.split(",").map(Number);
  const plan: Plan = { rounds: Number(values.rounds), warmup_s: 1, burst_s: 0.06, pause_ms: 150 };
  if (!thread_counts.every((t) => Number.isInteger(t) && t > 0) || !(plan.rounds > 0)) {
    throw new RangeError("usage: npm run bench -- [--threads 1,2] [--rounds 30]");
  }
  const machine = describe_machine();
  console.log(`${machine.cpu}, ${machine.cpus} CPUs, lowbit ${machine.lowbit_isa}, Node ${machine.node}`);
  const lowbit = lowbit_cases();
  const peers = new Map<number, PeerInfo>();
  const results: Measured[] = [];
  for (const threads of thread_counts) {
    torch.set_num_threads(threads);
    const peer = await TorchPeer.start(threads);
    try {
      const info = await peer.info();
      peers.set(threads, info);
      console.log(`\n${threads} thread(s): torch ${info.torch}, BLAS ${info.blas.openblas ?? info.blas.libraries.join(", ")}, ` +
        `BLAS threads ${info.blas.threads ?? "?"}`);
      if (!info.blas.openblas) console.warn(`warning: torch is not using OpenBLAS, so it is not a fair peer; install: ${INSTALL_HINT}`);
      for (const c of CASES) {
        const ours = checksum(lowbit[c.name]()), theirs = await peer.checksum(c.name);
        if (Math.abs(ours - theirs) > 1e-3 * Math.abs(theirs)) {
          throw new Error(`${c.name}: lowbit and torch disagree (sum |y| ${ours} vs ${theirs}); the timings would not compare like with like`);
        }
        const contenders: Contender[] = [sync_contender(lowbit[c.name]), { burst: (reps) => peer.run(c.name, reps) }];
        if (c.against_own) contenders.push(sync_contender(lowbit[c.against_own.other]));
        const [ours_t, theirs_t, own_t] = await interleave(contenders, plan);
        results.push({ threads, case: c, lowbit: ours_t!, torch: theirs_t!, own: own_t ?? null });
        console.log(table(rows(results.slice(-1))).split("\n").slice(2).join("\n"));
      }
    } finally {
      peer.close();
    }
  }
  const rs = rows(results);
  const ctx: Context = {
    date: new Date().toISOString(),
    command: command_line("bench", "dist/bench/run.js"),
    machine, peers, plan,
  };
  console.log(`\n${table(rs)}`);
  write_section(RESULTS, "tensor-ops", document(ctx, rs));
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  const missed = unmet(rs);
  if (missed.length) {
    console.log(`goals missed: ${missed.map((r) => `${r.title} at ${r.threads} thread(s)`).join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 2;
});
