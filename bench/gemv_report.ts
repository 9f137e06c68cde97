// Turns the quantized GEMV timings (bench/gemv.ts) into the results table, printed and written as
// the gemv section of bench/RESULTS.md.
import type { Machine } from "./machine.js";
import type { Bursts, Plan } from "./measure.js";
import { median, quantile, round_ratios } from "./stats.js";

/** The copies of one contender's weights in the "memory" rows hold at least this much. */
export const STREAM_BYTES = 128 * 2 ** 20;
const STREAM_MB = STREAM_BYTES / 2 ** 20;

/** The contenders of one shape, in table order. */
export const KINDS = ["fp32", "bf16", "int8", "int4", "nf4", "ort"] as const;
export type Kind = (typeof KINDS)[number];

/** Where the weights come from on each call: memory (every call reads another copy, as decoding
 *  reads each layer once per token), or the caches (one copy, called again and again). */
export const CACHES = ["memory", "cache"] as const;
export type Cache = (typeof CACHES)[number];

export interface Shape {
  model: string;
  layer: string;
  N: number;
  K: number;
}

export interface GemvMeasured {
  cache: Cache;
  threads: number;
  shape: Shape;
  bursts: Record<Kind, Bursts>;
}

interface Goal {
  title: string;
  /** the slower contender (its time is the numerator) and the faster one */
  over: Kind;
  under: Kind;
  min: number;
}

export const GOALS: readonly Goal[] = [
  { title: "fp32 / int8", over: "fp32", under: "int8", min: 2.5 },
  { title: "fp32 / int4", over: "fp32", under: "int4", min: 4 },
  { title: "fp32 / NF4", over: "fp32", under: "nf4", min: 4 },
  { title: "ORT / int4", over: "ort", under: "int4", min: 1 },
];

interface Ratio {
  goal: Goal;
  value: number;
  quartiles: [number, number];
}

function ratio(m: GemvMeasured, g: Goal): Ratio {
  const a = m.bursts[g.under], b = m.bursts[g.over];
  const rs = round_ratios(a, b);
  return { goal: g, value: median(b.flat()) / median(a.flat()), quartiles: [quantile(rs, 0.25), quantile(rs, 0.75)] };
}

export function ratios(m: GemvMeasured): Ratio[] {
  return GOALS.map((g) => ratio(m, g));
}

/** The goals are about decoding, where a layer's weights come from memory: in the caches, fp32's
 *  bandwidth rises to what the quantized kernels' arithmetic can match, and the ratios are shown
 *  for information. */
const judged = (m: GemvMeasured) => m.cache === "memory";

export function table(ms: readonly GemvMeasured[]): string {
  const lines = [
    `| weights from | threads | shape | ${KINDS.map((k) => (k === "ort" ? "ORT int4" : k)).join(" | ")} | ${GOALS.map((g) => `${g.title} (goal ≥ ${g.min})`).join(" | ")} |`,
    `|---|---:|---|${KINDS.map(() => "---:").join("|")}|${GOALS.map(() => "---:").join("|")}|`,
  ];
  for (const m of ms) {
    const times = KINDS.map((k) => `${(median(m.bursts[k].flat()) * 1e3).toFixed(3)} ms`);
    const rs = ratios(m).map((r) => {
      const text = `${r.value.toFixed(2)}x (${r.quartiles[0].toFixed(2)}–${r.quartiles[1].toFixed(2)})`;
      return r.value >= r.goal.min || !judged(m) ? text : `**${text}**`;
    });
    lines.push(`| ${m.cache} | ${m.threads} | ${m.shape.model} ${m.shape.layer} ${m.shape.K}→${m.shape.N} | ${times.join(" | ")} | ${rs.join(" | ")} |`);
  }
  return lines.join("\n");
}

export function missed(ms: readonly GemvMeasured[]): string[] {
  return ms.filter(judged).flatMap((m) => ratios(m).filter((r) => r.value < r.goal.min)
    .map((r) => `${r.goal.title} on ${m.shape.model} ${m.shape.layer} at ${m.threads} thread(s)`));
}

/** Cached rows below a goal's ratio (information: the goals are judged on weights from memory). */
function below_in_cache(ms: readonly GemvMeasured[]): string[] {
  return ms.filter((m) => !judged(m)).flatMap((m) => ratios(m).filter((r) => r.value < r.goal.min)
    .map((r) => `${r.goal.title} ${r.value.toFixed(2)}x on ${m.shape.model} ${m.shape.layer} at ${m.threads} thread(s)`));
}

export interface GemvContext {
  date: string;
  command: string;
  machine: Machine;
  ort: string;
  plan: Plan;
  /** the 1-minute load average at the start and the end */
  load: number[];
  /** per shape, the largest |ORT − reference| and |lowbit int4 − reference| over the allowed bound */
  checks: string[];
}

export function document(ctx: GemvContext, ms: readonly GemvMeasured[]): string {
  const m = ctx.machine, miss = missed(ms), cached = below_in_cache(ms);
  return `# lowbit quantized GEMV: fp32, bf16, int8, int4, NF4 and onnxruntime's MatMulNBits

Written by \`npm run bench:gemv\` (bench/gemv.ts), which times every contender on the same inputs in
one run; run it again to replace these figures.

- Date: ${ctx.date}
- Command: \`${ctx.command}\`
- Machine: ${m.cpu}, ${m.cpus} CPUs${m.hypervisor ? ` (VM, ${m.hypervisor})` : ""}; ${m.caches}; flags: ${m.flags.join(" ")}; ${m.os}
- lowbit: Node ${m.node}, native kernels built for ${m.lowbit_isa}; peer: onnxruntime-node ${ctx.ort} (CPU execution provider)
- Load average (1 min) at the start and the end of the run: ${ctx.load.map((x) => x.toFixed(2)).join(", ")}

## Results

Median time per product y = x·Wᵀ, x [1, K] float32, W [N, K]; ratios are the slower contender's
median time over the faster one's, with the quartiles of the same ratio round by round in brackets.
"memory": every call reads another copy of its weights, the copies together ${STREAM_MB} MB or more
per contender, so weights stream from DRAM as in decoding, where each layer is read once per token
and a model is far larger than the caches; the goals are judged on these rows (bold: below the goal).
"cache": one copy, called again and again, so a Pythia layer stays in L2/L3 between calls.

${table(ms)}

${miss.length === 0 ? "All goals met with weights from memory." : `Goals missed with weights from memory: ${miss.join("; ")}.`}
${cached.length === 0 ? "" : `
With the weights in the caches, below the goals' ratios: ${cached.join("; ")}. There fp32 reads at
cache bandwidth, while the quantized kernels spend per 16 weights a shift, a table lookup and an FMA
(int8: a widening and a conversion) on this CPU's one 512-bit FMA a cycle; a float32 product of
dequantized weights cannot run 4x faster than an fp32 GEMV that is itself fed at 5-6 weights a
cycle. Only integer arithmetic on quantized activations (onnxruntime's accuracy level 4,
llama.cpp's Q8 activations) would, at the cost of float32 results.
`}
## How it is measured

- Weights: \`torch.manual_seed(0)\`, W = 0.02·randn(N, K), x = randn(1, K), per shape. fp32:
  \`F.linear(x, W)\`; bf16: W and x in bfloat16; int8: \`quant.quantize_rtn(W, { bits: 8 })\` (per-row
  absmax) through \`quant.quantized_linear\`; int4: \`quant.quantize_rtn(W, { bits: 4, group_size: 128 })\`
  (min/max per group of 128, integer zero points); NF4: \`bnb.nn.LinearNF4.from_linear\` (blocksize 64,
  double-quantized absmax), its packed bytes and absmax (dequantized once, as the layer caches them)
  through \`quant.quantized_linear\`, the product its forward runs.
- ORT: the same int4 codes, scales and zero points as lowbit's int4, in a one-node ONNX model
  (\`com.microsoft.MatMulNBits\`, bits 4, block_size 128, uint8 zero points; bench/onnx_matmulnbits.ts
  writes the protobuf), run by \`InferenceSession.run\` with intra-op threads = the row's thread count,
  default accuracy level (float32 compute, as lowbit's). Its time includes onnxruntime-node's
  asynchronous call (a few microseconds), which is what a Node program pays.
- Before timing, per shape, lowbit's int4 and ORT's outputs are both checked against
  \`F.linear(x, dequantize_weight(W_int4))\` (lowbit's fp32 GEMV over the dequantized weight) within
  2·(ceil(K/8) + 24)·2⁻²⁴·Σ|x·w| (the float32 summation bound): ${ctx.checks.join("; ")}.
- Timing: ${ctx.plan.warmup_s} s of warm-up per contender, then ${ctx.plan.rounds} rounds of bursts of about
  ${ctx.plan.burst_s * 1000} ms per contender, the order rotating every round, ${ctx.plan.pause_ms} ms apart; medians
  over all repetitions. The process exits with status 1 when a goal is missed.
- Copies: fp32 and bf16 weights are cloned tensors; int8, int4 and NF4 weights are copies of the
  packed codes and their scales (NF4: of the layer's packed bytes and its absmax as its forward
  uses them); ORT gets one session per copy. Each contender's copies hold at least ${STREAM_MB} MB.
`;
}
