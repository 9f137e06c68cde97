// `npm run bench:quantize`: quantizing a Pythia-410m-sized set of weights -- `layers` times the
// float16 [3072, 1024], [1024, 1024], [4096, 1024] and [1024, 4096] of a GPT-NeoX layer, what
// from_pretrained quantizes while it loads -- with bitsandbytes' NF4 + double quantization,
// LLM.int8()'s CB/SCB and RTN int4 (group 128): lowbit's TypeScript reference (what every load ran
// before the native quantizers), its native kernels, and PyTorch running bitsandbytes' default
// backend formulas (bench/quantize_torch.py). Options: --threads 1,2 --rounds 3 --layers 24.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bnb, quant, torch, Tensor } from "../kernel/index.js";
import { native_kernels, reference, use_kernels } from "../kernel/tensor/backend/index.js";
import { describe_machine, Machine } from "./machine.js";
import { PythonPeer, PeerInfo } from "./peer.js";
import { command_line, write_section } from "./report.js";
import { median } from "./stats.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "RESULTS.md");
const SHAPES = [[3072, 1024], [1024, 1024], [4096, 1024], [1024, 4096]] as const;

/** Each method's call, and the tensors whose sums are compared with the peer's. */
const METHODS = {
  nf4: {
    title: "NF4 + double quant",
    run: (w: Tensor): Tensor[] => {
      const [packed, qs] = bnb.functional.quantize_4bit(w, { quant_type: "nf4", compress_statistics: true });
      return [packed, qs.absmax, qs.state2!.absmax, qs.offset!];
    },
  },
  int8: { title: "LLM.int8() CB/SCB", run: (w: Tensor): Tensor[] => bnb.functional.int8_vectorwise_quant(w, 0).slice(0, 2) as Tensor[] },
  rtn4: {
    title: "RTN int4, group 128",
    run: (w: Tensor): Tensor[] => {
      const q = quant.quantize_rtn(w, { bits: 4, group_size: 128 });
      return [new Tensor(q.data, torch.uint8, [q.data.length]), new Tensor(q.scale, torch.float32, [q.scale.length]), new Tensor(q.zero!, torch.float32, [q.zero!.length])];
    },
  },
} as const;
type Method = keyof typeof METHODS;

class QuantizePeer extends PythonPeer {
  static async start(threads: number, dynamic: Float32Array): Promise<QuantizePeer> {
    const peer = new QuantizePeer("quantize_torch.py", threads);
    await peer.started();
    await peer.request({ op: "weights", shapes: SHAPES, dynamic: Array.from(dynamic) });
    return peer;
  }
  async sums(method: Method): Promise<number[]> {
    return (await this.request<{ sums: number[] }>({ op: "checksum", method })).sums;
  }
  async run(method: Method, layers: number, rounds: number): Promise<number[]> {
    return (await this.request<{ times: number[] }>({ op: "run", method, layers, rounds })).times;
  }
}

function sums(ts: Tensor[]): number[] {
  return ts.map((t) => (t.reshape(-1).tolist() as number[]).reduce((a, b) => a + b, 0));
}

/** Seconds per pass over the whole set, one per round. */
function time_set(method: Method, weights: Tensor[], layers: number, rounds: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let l = 0; l < layers; l++) for (const w of weights) METHODS[method].run(w);
    times.push(Number(process.hrtime.bigint() - t0) * 1e-9);
  }
  return times;
}

interface Row { method: Method; threads: number; reference: number; native: number; torch: number }

function table(rows: readonly Row[], layers: number): string {
  const lines = [
    `| method | threads | TypeScript reference | native | PyTorch (bnb default backend) | native / reference | native / PyTorch |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(`| ${METHODS[r.method].title} | ${r.threads} | ${r.reference.toFixed(2)} s | ${r.native.toFixed(3)} s | ${r.torch.toFixed(3)} s | ` +
      `${(r.reference / r.native).toFixed(0)}x faster | ${(r.torch / r.native).toFixed(1)}x faster |`);
  }
  return `Seconds to quantize ${layers} layers' worth (${(layers * SHAPES.reduce((s, [n, k]) => s + n * k, 0) / 1e6).toFixed(0)}M float16 weights):\n\n${lines.join("\n")}`;
}

function document(ctx: { date: string; command: string; machine: Machine; peer: PeerInfo; load: number[]; rounds: number; layers: number; checks: string[] },
                  rows: readonly Row[]): string {
  const m = ctx.machine;
  return `# Quantizing a model's weights: TypeScript, native kernels and PyTorch

Written by \`npm run bench:quantize\` (bench/quantize.ts), which runs every contender on the same
weights in one run; run it again to replace these figures.

- Date: ${ctx.date}
- Command: \`${ctx.command}\`
- Machine: ${m.cpu}, ${m.cpus} CPUs${m.hypervisor ? ` (VM, ${m.hypervisor})` : ""}; ${m.caches}; ${m.os}
- lowbit: Node ${m.node}, native kernels built for ${m.lowbit_isa}; peer: PyTorch ${ctx.peer.torch} on Python ${ctx.peer.python}
- Load average (1 min) at the start and the end of the run: ${ctx.load.map((l) => l.toFixed(2)).join(", ")}

## Results

${table(rows, ctx.layers)}

## How it is measured

- Weights: \`torch.manual_seed(0)\`, W = 0.02·randn(N, K) in float16 for the four GPT-NeoX shapes of
  Pythia-410m (both sides draw the same numbers), each quantized ${ctx.layers} times per pass: the
  ${ctx.layers} layers' Linear weights that \`from_pretrained\` quantizes while loading.
- lowbit: \`bnb.functional.quantize_4bit(W, { quant_type: "nf4", compress_statistics: true })\`
  (what Linear4bit runs), \`bnb.functional.int8_vectorwise_quant(W, 0)\` (Linear8bitLt's CB/SCB) and
  \`quant.quantize_rtn(W, { bits: 4, group_size: 128 })\`; the reference column is the same calls
  with \`LOWBIT_BACKEND=reference\`'s kernels (one pass; it does not use threads), the native one
  the median of ${ctx.rounds} passes.
- PyTorch: bitsandbytes' pure-PyTorch backend formulas (absmax, reciprocal, argmin over the 16 NF4
  codes and over the 256 of the dynamic map for the nested absmax; row absmax and round for
  CB/SCB) and GPTQ's RTN grid, in torch ops, one process per thread count; median of ${ctx.rounds} passes.
- Same answers: the sums of every output tensor of the first weight, lowbit's against PyTorch's:
  ${ctx.checks.join("; ")}. Where they differ, it is for two known reasons: the double
  quantization's offset (absmax.mean()) is summed in float32 by torch and in float64 by lowbit, so
  its last bits, and those of the nested absmax, can differ (the fixture README says as much); and
  PyTorch evaluates bitsandbytes' \`127.0 / row_stats\` as \`row_stats.reciprocal() * 127\`
  (Tensor.__rtruediv__), where lowbit divides in float32 as the fixture's formula says, which
  moves about one CB code in a million.
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { threads: { type: "string", default: "1,2" }, rounds: { type: "string", default: "3" }, layers: { type: "string", default: "24" } },
  });
  const thread_counts = values.threads.split(",").map(Number);
  const rounds = Number(values.rounds), layers = Number(values.layers);
  if (!thread_counts.every((t) => Number.isInteger(t) && t > 0) || !(rounds > 0) || !(layers > 0)) {
    throw new RangeError("usage: npm run bench:quantize -- [--threads 1,2] [--rounds 3] [--layers 24]");
  }
  const machine = describe_machine();
  const native = native_kernels()!;
  const load = [os.loadavg()[0]!];
  torch.manual_seed(0);
  const weights = SHAPES.map(([n, k]) => torch.randn([n, k]).mul(0.02).half());
  const dynamic = bnb.functional.create_dynamic_map(true, 7, 8)._data as Float32Array;
  const reference_s: Partial<Record<Method, number>> = {};
  use_kernels(reference);
  for (const method of Object.keys(METHODS) as Method[]) {
    reference_s[method] = time_set(method, weights, layers, 1)[0]!;
    console.log(`reference ${method}: ${reference_s[method]!.toFixed(2)} s`);
  }
  use_kernels(native);
  const rows: Row[] = [], checks: string[] = [];
  let peer_info: PeerInfo | null = null;
  for (const threads of thread_counts) {
    torch.set_num_threads(threads);
    const peer = await QuantizePeer.start(threads, dynamic);
    try {
      peer_info ??= await peer.info();
      for (const method of Object.keys(METHODS) as Method[]) {
        if (threads === thread_counts[0]) {
          const [mine, theirs] = [sums(METHODS[method].run(weights[0]!)), await peer.sums(method)];
          const same = mine.every((v, i) => v === theirs[i]);
          checks.push(`${method} ${same ? "identical" : `differ (lowbit ${mine.join(", ")}; PyTorch ${theirs.join(", ")})`}`);
        }
        const native_s = median(time_set(method, weights, layers, rounds));
        const torch_s = median(await peer.run(method, layers, rounds));
        rows.push({ method, threads, reference: reference_s[method]!, native: native_s, torch: torch_s });
        console.log(table(rows.slice(-1), layers).split("\n").slice(-1)[0]);
      }
    } finally {
      peer.close();
    }
  }
  load.push(os.loadavg()[0]!);
  console.log(`\n${table(rows, layers)}\n\nchecks: ${checks.join("; ")}`);
  const ctx = {
    date: new Date().toISOString(), command: command_line("bench:quantize", "dist/bench/quantize.js"), machine,
    peer: peer_info!, load, rounds, layers, checks,
  };
  write_section(RESULTS, "quantize", document(ctx, rows));
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
}

main().catch((e: Error) => {
  console.error(`bench:quantize: ${e.message}`);
  process.exitCode = 2;
});
