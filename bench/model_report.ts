// Turns the model benchmark's measurements (bench/model_run.ts) into its tables, printed and
// written as the `model` section of bench/RESULTS.md.
import type { Goal } from "./cases.js";
import type { Checkpoint } from "./model_checkpoint.js";
import type { LoadMemory } from "./model_load.js";
import type { Generation, ModelDtype } from "./model_peer.js";
import type { Machine } from "./machine.js";
import type { PeerInfo } from "./peer.js";
import { ratio, Row, table, unmet } from "./report.js";
import { median, spread } from "./stats.js";

export interface ModelPlan {
  rounds: number;
  prompt_tokens: number;
  new_tokens: number;
  /** idle time before each generation */
  pause_ms: number;
}

/** Both sides' generations at one thread count and dtype, round by round. */
export interface Timed {
  threads: number;
  dtype: ModelDtype;
  lowbit: Generation[];
  torch: Generation[];
}

export interface Loaded {
  dtype: ModelDtype;
  memory: LoadMemory;
}

const NAME: Record<ModelDtype, string> = { float32: "fp32", bfloat16: "bf16" };
const NO_SLOWER: Goal = { text: "≥ 1.00x", met: (r) => r >= 1 };
export const LOAD_GOAL: Goal = { text: "≤ 1.20x", met: (r) => r <= 1.2 };

// one repetition per round, as measure.ts's bursts
const bursts = (gs: Generation[], time: (g: Generation) => number) => gs.map((g) => [time(g)]);
const per_token = (g: Generation) => g.decode_s / g.decode_tokens;

export function model_rows(ts: readonly Timed[], plan: ModelPlan): Row[] {
  const out: Row[] = [];
  for (const t of ts) {
    const figure = (gs: Generation[], f: (x: number) => string, time: (g: Generation) => number) => {
      const xs = gs.map(time);
      return `${f(median(xs))} ±${(spread(xs) * 100).toFixed(1)}%`;
    };
    const tps = (s: number) => `${(1 / s).toFixed(2)} tokens/s`, ms = (s: number) => `${(s * 1e3).toFixed(0)} ms`;
    out.push({
      threads: t.threads, title: `${NAME[t.dtype]} decode (${plan.new_tokens - 1} tokens, KV cache)`,
      lowbit: figure(t.lowbit, tps, per_token), other: `torch ${figure(t.torch, tps, per_token)}`,
      ...ratio(bursts(t.lowbit, per_token), bursts(t.torch, per_token)), goal: NO_SLOWER,
    });
    const prefill = (g: Generation) => g.prefill_s;
    out.push({
      threads: t.threads, title: `${NAME[t.dtype]} prefill (${plan.prompt_tokens}-token prompt)`,
      lowbit: figure(t.lowbit, ms, prefill), other: `torch ${figure(t.torch, ms, prefill)}`,
      ...ratio(bursts(t.lowbit, prefill), bursts(t.torch, prefill)), goal: null,
    });
  }
  return out;
}

/** How many leading ids two greedy runs share. */
export function agreeing(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

const same_every_round = (gs: Generation[]) => gs.every((g) => agreeing(g.new_tokens, gs[0]!.new_tokens) === g.new_tokens.length);

export function agreement_table(ts: readonly Timed[], plan: ModelPlan): string {
  const lines = ["| threads | dtype | lowbit and torch agree on the first | lowbit: same ids every round | torch: same ids every round |", "|---:|---|---|---|---|"];
  for (const t of ts) {
    const n = agreeing(t.lowbit[0]!.new_tokens, t.torch[0]!.new_tokens);
    const yes = (b: boolean) => (b ? "yes" : "**no**");
    lines.push(`| ${t.threads} | ${NAME[t.dtype]} | ${n} of ${plan.new_tokens} new ids | ${yes(same_every_round(t.lowbit))} | ${yes(same_every_round(t.torch))} |`);
  }
  return lines.join("\n");
}

/** Peak resident memory a load added, over the checkpoint file's size. */
export const load_ratio = (l: Loaded, ckpt: Checkpoint) => (l.memory.peak - l.memory.baseline) / ckpt.bytes;

export function load_table(ls: readonly Loaded[], ckpt: Checkpoint): string {
  const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
  const lines = [
    "| from_pretrained | checkpoint file | peak RSS added | RSS added, after | model footprint | time | peak / file | goal | met |",
    "|---|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const l of ls) {
    const m = l.memory, r = load_ratio(l, ckpt), goal = l.dtype === "float32" ? LOAD_GOAL : null;
    const met = goal ? (goal.met(r) ? "yes" : "**NO**") : "(information)";
    lines.push(`| torch_dtype ${l.dtype} | ${gb(ckpt.bytes)} | ${gb(m.peak - m.baseline)} | ${gb(m.after - m.baseline)} | ${gb(m.footprint)} | ` +
      `${m.seconds.toFixed(1)} s | ${r.toFixed(2)}x | ${goal?.text ?? "—"} | ${met} |`);
  }
  return lines.join("\n");
}

/** The goals missed, in words. */
export function model_missed(rs: readonly Row[], ls: readonly Loaded[], ckpt: Checkpoint): string[] {
  return [
    ...unmet(rs).map((r) => `${r.title} at ${r.threads} thread(s)`),
    ...ls.filter((l) => l.dtype === "float32" && !LOAD_GOAL.met(load_ratio(l, ckpt))).map(() => "fp32 loading peak RSS"),
  ];
}

export interface ModelContext {
  date: string;
  command: string;
  machine: Machine;
  /** the load average (1 min) at the start and the end */
  load: [number, number];
  peers: Map<number, PeerInfo>;
  plan: ModelPlan;
  checkpoint: Checkpoint;
}

export function model_document(ctx: ModelContext, rs: readonly Row[], ts: readonly Timed[], ls: readonly Loaded[]): string {
  const m = ctx.machine, c = ctx.checkpoint, p = ctx.plan;
  const first = [...ctx.peers.values()][0]!;
  const blas = first.blas.openblas ? `OpenBLAS (${first.blas.openblas})` : `NOT OpenBLAS: ${first.blas.libraries.join(", ") || "none found"}`;
  const peer_threads = [...ctx.peers].map(([t, i]) => `${t} (torch ${i.torch_threads}, BLAS ${i.blas.threads ?? "?"})`).join("; ");
  const missed = model_missed(rs, ls, c);
  return `# lowbit vs PyTorch: a Pythia-410m-shaped model

Written by \`npm run bench:model\` (bench/model_run.ts), which runs lowbit and PyTorch on the same
checkpoint in one run; run it again to replace these figures.

- Date: ${ctx.date}
- Command: \`${ctx.command}\`
- Machine: ${m.cpu}, ${m.cpus} CPUs${m.hypervisor ? ` (VM, ${m.hypervisor})` : ""}; ${m.caches}; flags: ${m.flags.join(" ")}; ${m.os}
- Load average (1 min) at the start and the end of the run: ${ctx.load.map((x) => x.toFixed(2)).join(", ")}
- lowbit: Node ${m.node}, native kernels built for ${m.lowbit_isa}
- Peer: PyTorch ${first.torch}${first.package ? ` (Debian python3-torch ${first.package})` : ""} on Python ${first.python}; BLAS: ${blas}
- Threads per row (what the peer reported): ${peer_threads}
- Checkpoint: EleutherAI/pythia-410m's config (24 layers, hidden 1024, 16 heads, MLP 4096, vocab
  50304) with random weights, ${(c.parameters / 1e6).toFixed(1)}M parameters, model.safetensors in float32 (${(c.bytes / 1e9).toFixed(2)} GB)

## Speed

${table(rs)}

Ratio: torch's median time over lowbit's, per token for decoding (so lowbit's tokens/s over
torch's) and for the whole prompt for prefill; above 1 means lowbit is faster. In brackets, the
quartiles of the same ratio taken round by round. "±" is half the interquartile range over the median.

## Same tokens

${agreement_table(ts, p)}

Greedy ids of the first round. The weights are random, so logits have near-ties that rounding
differences can flip, and after the first flip the two continuations differ; bf16 rounds every
intermediate result, where kernels of the two libraries round at different places. A "no" in
the last two columns means that side's ids changed from round to round on the same inputs: its
arithmetic then depends on something besides the inputs, such as where its buffers lie in memory.

## Loading memory

${load_table(ls, c)}

Each load runs in a fresh Node process that imports lowbit, notes its resident memory, and calls
\`GPTNeoXForCausalLM.from_pretrained(dir, { torch_dtype })\`; "peak RSS added" is getrusage's peak
resident size at the end minus that baseline, and the goal compares it with the file's size.

${missed.length === 0 ? "All goals met." : `Goals missed: ${missed.join("; ")}.`}

## How it is measured

- Checkpoint: config.json of EleutherAI/pythia-410m (torch_dtype float32); every weight and
  bias drawn from N(0, 0.02) by \`torch.manual_seed(0)\` and \`normal_\`, layer norms 1 and 0.
  Made once into ${"`"}os.tmpdir()/lowbit-bench-pythia-410m${"`"} (about a minute) and reused.
- lowbit: \`transformers.GPTNeoXForCausalLM.from_pretrained(dir, { torch_dtype })\` and
  \`model.generate({ input_ids, max_new_tokens: ${p.new_tokens}, do_sample: false })\` with EOS ignored; prefill is
  the time to the end of the first forward (a forward hook), decode the rest.
- PyTorch: bench/gpt_neox_torch.py, a plain-torch GPT-NeoX forward (F.linear, F.layer_norm,
  matmul/softmax attention with a KV cache, greedy argmax) over the same files, cast to the dtype
  on load; prefill is the prompt's forward and its argmax, decode the other ${p.new_tokens - 1} tokens. It computes
  only the last position's logits in the prefill, where lowbit's generate (as transformers')
  computes all ${p.prompt_tokens}: about 12% more work in lowbit's prefill.
- Prompt: ${p.prompt_tokens} ids from \`torch.manual_seed(1); torch.randint(0, 50304, [${p.prompt_tokens}])\`.
- Threads: \`torch.set_num_threads(n)\` on both sides; the peer is a fresh process per thread count
  with \`OPENBLAS_NUM_THREADS=n OMP_NUM_THREADS=n OMP_WAIT_POLICY=PASSIVE\`. Without the last,
  torch's OpenMP workers spin after each elementwise op while OpenBLAS's threads wait for a core,
  and torch's fp32 decoding at 2 threads on 2 cores was 6x slower.
- Timing: per thread count and dtype, both sides load the model and generate 8 tokens once (warm-up),
  then ${p.rounds} rounds, each one generation per side, who goes first alternating, with a
  ${p.pause_ms} ms pause before each; medians over the rounds. The process exits with status 1 when a
  goal is missed.
- On a shared VM, absolute figures move by 10-30% from run to run; the ratios move less, since the
  two sides alternate within each round (see the quartiles).
`;
}
