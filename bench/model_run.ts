// `npm run bench:model`: a Pythia-410m-shaped model (random weights) in lowbit and in a plain-torch
// GPT-NeoX, on the same checkpoint in one run: loading memory, prefill and greedy decoding in fp32
// and bf16. Options: --threads 1,2  --rounds 5  --dir <checkpoint cache>  (the defaults).
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { torch } from "../kernel/index.js";
import { describe_machine } from "./machine.js";
import { Checkpoint, DEFAULT_DIR, ensure_checkpoint, PYTHIA_410M } from "./model_checkpoint.js";
import { LowbitModel } from "./model_lowbit.js";
import type { LoadMemory } from "./model_load.js";
import { Generation, ModelDtype, ModelPeer } from "./model_peer.js";
import {
  agreeing, agreement_table, load_table, Loaded, model_document, model_missed, model_rows, ModelPlan, Timed,
} from "./model_report.js";
import { INSTALL_HINT, PeerInfo } from "./peer.js";
import { command_line, table, write_section } from "./report.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, "..", "..", "bench", "RESULTS.md");
const DTYPES: ModelDtype[] = ["float32", "bfloat16"];
const WARMUP_TOKENS = 8;

/** from_pretrained in a fresh process (bench/model_load.ts), which reports its memory. */
async function measure_load(dir: string, dtype: ModelDtype): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(HERE, "model_load.js"), dir, dtype]).catch((e: Error & { stderr?: string }) => {
    throw new Error(`loading ${dir} as ${dtype} failed: ${e.stderr?.trim() || e.message}`);
  });
  return { dtype, memory: JSON.parse(stdout.trim().split("\n").pop()!) as LoadMemory };
}

interface Side {
  generate(input_ids: number[], max_new_tokens: number): Promise<Generation>;
}

/** Both sides on one dtype: a warm-up generation each, then rounds with alternating order. */
async function time_dtype(sides: [Side, Side], prompt: number[], plan: ModelPlan): Promise<[Generation[], Generation[]]> {
  for (const s of sides) await s.generate(prompt, WARMUP_TOKENS);
  const out: [Generation[], Generation[]] = [[], []];
  for (let r = 0; r < plan.rounds; r++) {
    for (let i = 0; i < 2; i++) {
      const j = (i + r) % 2;
      await sleep(plan.pause_ms);
      out[j].push(await sides[j].generate(prompt, plan.new_tokens));
    }
  }
  return out;
}

function summary(t: Timed): string {
  const tps = (gs: Generation[]) => (gs.map((g) => g.decode_tokens / g.decode_s).sort((a, b) => a - b)[gs.length >> 1]!).toFixed(2);
  const pre = (gs: Generation[]) => (gs.map((g) => g.prefill_s * 1e3).sort((a, b) => a - b)[gs.length >> 1]!).toFixed(0);
  return `  ${t.dtype}: decode lowbit ${tps(t.lowbit)} tokens/s, torch ${tps(t.torch)}; prefill lowbit ${pre(t.lowbit)} ms, torch ${pre(t.torch)} ms; ` +
    `first ${agreeing(t.lowbit[0]!.new_tokens, t.torch[0]!.new_tokens)} ids agree`;
}

async function time_threads(threads: number, ckpt: Checkpoint, prompt: number[], plan: ModelPlan, peers: Map<number, PeerInfo>): Promise<Timed[]> {
  torch.set_num_threads(threads);
  const peer = await ModelPeer.start(threads);
  const out: Timed[] = [];
  try {
    const info = await peer.info();
    peers.set(threads, info);
    console.log(`\n${threads} thread(s): torch ${info.torch}, BLAS ${info.blas.openblas ?? info.blas.libraries.join(", ")}, BLAS threads ${info.blas.threads ?? "?"}`);
    if (!info.blas.openblas) console.warn(`warning: torch is not using OpenBLAS, so it is not a fair peer; install: ${INSTALL_HINT}`);
    for (const dtype of DTYPES) {
      await peer.load(ckpt.dir, dtype);
      const ours = await LowbitModel.load(ckpt.dir, dtype);
      const [lowbit, theirs] = await time_dtype([ours, peer], prompt, plan);
      const t: Timed = { threads, dtype, lowbit, torch: theirs };
      if (dtype === "float32" && agreeing(lowbit[0]!.new_tokens, theirs[0]!.new_tokens) === 0) {
        throw new Error(`fp32: lowbit's first greedy token ${lowbit[0]!.new_tokens[0]} is not torch's ${theirs[0]!.new_tokens[0]}; the two sides do not compute the same model`);
      }
      out.push(t);
      console.log(summary(t));
    }
  } finally {
    peer.close();
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { threads: { type: "string", default: "1,2" }, rounds: { type: "string", default: "5" }, dir: { type: "string", default: DEFAULT_DIR } },
  });
  const thread_counts = values.threads.split(",").map(Number);
  const plan: ModelPlan = { rounds: Number(values.rounds), prompt_tokens: 128, new_tokens: 64, pause_ms: 200 };
  if (!thread_counts.every((t) => Number.isInteger(t) && t > 0) || !Number.isInteger(plan.rounds) || plan.rounds < 1) {
    throw new RangeError("usage: npm run bench:model -- [--threads 1,2] [--rounds 5] [--dir DIR]");
  }
  const load_start = os.loadavg()[0]!;
  const machine = describe_machine();
  console.log(`${machine.cpu}, ${machine.cpus} CPUs, lowbit ${machine.lowbit_isa}, Node ${machine.node}`);
  const ckpt = ensure_checkpoint(values.dir);
  console.log(`checkpoint: ${ckpt.dir} (${(ckpt.parameters / 1e6).toFixed(1)}M parameters, ${(ckpt.bytes / 1e9).toFixed(2)} GB)`);

  const loads: Loaded[] = [];
  for (const dtype of DTYPES) loads.push(await measure_load(ckpt.dir, dtype));
  console.log(`\n${load_table(loads, ckpt)}`);

  torch.manual_seed(1);
  const prompt = (torch.randint(0, PYTHIA_410M.vocab_size, [plan.prompt_tokens]).tolist() as number[]).map(Number);
  const peers = new Map<number, PeerInfo>();
  const timed: Timed[] = [];
  for (const threads of thread_counts) timed.push(...await time_threads(threads, ckpt, prompt, plan, peers));

  const rs = model_rows(timed, plan);
  console.log(`\n${table(rs)}\n\n${agreement_table(timed, plan)}`);
  const doc = model_document({
    date: new Date().toISOString(), command: command_line("bench:model", "dist/bench/model_run.js"),
    machine, load: [load_start, os.loadavg()[0]!], peers, plan, checkpoint: ckpt,
  }, rs, timed, loads);
  write_section(RESULTS, "model", doc);
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  const missed = model_missed(rs, loads, ckpt);
  if (missed.length) {
    console.log(`goals missed: ${missed.join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(`bench:model: ${e.message}`);
  process.exitCode = 2;
});
