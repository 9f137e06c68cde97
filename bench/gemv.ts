// `npm run bench:gemv`: batch-1 GEMV on Pythia-410m and Llama-7B layer shapes, lowbit's fp32, bf16,
// int8, int4 (group 128) and NF4 products against onnxruntime-node's MatMulNBits on the same int4
// weights, all in one run, twice: with every contender's weights streamed from memory, as in
// decoding (each call reads another copy, the copies together several times the last-level cache),
// and with one copy that stays in the caches between calls. Options: --threads 1,2  --rounds 15
// --shapes pythia,llama  --cache memory,cache (the defaults).
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { bnb, nn, quant, torch, Tensor } from "../kernel/index.js";
import { code4_weight } from "../kernel/quant/bnb/matmul_4bit.js";
import { Cache, CACHES, GemvMeasured, Kind, KINDS, missed, Shape, STREAM_BYTES, table, document } from "./gemv_report.js";
import { describe_machine } from "./machine.js";
import { Contender, interleave, Plan, sync_contender } from "./measure.js";
import { matmulnbits_model } from "./onnx_matmulnbits.js";
import { command_line, write_section } from "./report.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "RESULTS.md");
const GROUP = 128;

const SHAPES: Record<string, Shape[]> = {
  pythia: [
    { model: "Pythia-410m", layer: "qkv", N: 3072, K: 1024 },
    { model: "Pythia-410m", layer: "dense", N: 1024, K: 1024 },
    { model: "Pythia-410m", layer: "fc", N: 4096, K: 1024 },
    { model: "Pythia-410m", layer: "proj", N: 1024, K: 4096 },
  ],
  llama: [
    { model: "Llama-7B", layer: "q/k/v/o", N: 4096, K: 4096 },
    { model: "Llama-7B", layer: "gate/up", N: 11008, K: 4096 },
    { model: "Llama-7B", layer: "down", N: 4096, K: 11008 },
  ],
};

/** Every contender's product for one shape, on the same W and x. */
interface Prepared {
  run: Record<Exclude<Kind, "ort">, () => Tensor>;
  int4: quant.QuantizedWeight;
  x: Tensor;
  reference: Tensor;
  magnitude: Tensor;
}

/** n copies of a weight's arrays (a fresh object each, as a layer would hold it). */
function copies_of(w: quant.QuantizedWeight, n: number): quant.QuantizedWeight[] {
  return Array.from({ length: n }, (_, i) => i === 0 ? w : {
    ...w, data: w.data.slice(), scale: w.scale.slice(), zero: w.zero ? w.zero.slice() : null,
  });
}

/** How many copies of `bytes` of weights make every call read from memory (1 in the cache case). */
function count(cache: Cache, bytes: number): number {
  return cache === "cache" ? 1 : Math.max(1, Math.ceil(STREAM_BYTES / bytes));
}

function weight_bytes(w: quant.QuantizedWeight): number {
  return w.data.byteLength + w.scale.byteLength + (w.zero?.byteLength ?? 0);
}

/** Calls fn on the copies in turn. */
function cycle<T>(items: readonly T[], fn: (item: T) => Tensor): () => Tensor {
  let i = 0;
  return () => fn(items[i++ % items.length]!);
}

function prepare(s: Shape, cache: Cache): Prepared {
  torch.manual_seed(0);
  const w = torch.randn([s.N, s.K]).mul(0.02);
  const x = torch.randn([1, s.K]);
  const wb = w.to(torch.bfloat16), xb = x.to(torch.bfloat16);
  const int8 = quant.quantize_rtn(w, { bits: 8 });
  const int4 = quant.quantize_rtn(w, { bits: 4, group_size: GROUP });
  const lin = new nn.Linear(s.K, s.N, false);
  lin.weight.copy_(w);
  const nf4_layer = bnb.nn.LinearNF4.from_linear(lin);
  // the layer's own product, on copies of what it multiplies: its packed bytes and absmax
  const nf4 = code4_weight("bench:gemv", nf4_layer.weight, nf4_layer.weight.quant_state!);
  const deq = quant.dequantize_weight(int4);
  const tensors = (t: Tensor) => Array.from({ length: count(cache, t.numel() * t.dtype.itemsize) }, (_, i) => (i === 0 ? t : t.clone()));
  const weights = (q: quant.QuantizedWeight) => copies_of(q, count(cache, weight_bytes(q)));
  return {
    run: {
      fp32: cycle(tensors(w), (wi) => nn.functional.linear(x, wi)),
      bf16: cycle(tensors(wb), (wi) => nn.functional.linear(xb, wi)),
      int8: cycle(weights(int8), (q) => quant.quantized_linear(x, q)),
      int4: cycle(weights(int4), (q) => quant.quantized_linear(x, q)),
      nf4: cycle(weights(nf4), (q) => quant.quantized_linear(x, q)),
    },
    int4, x,
    reference: nn.functional.linear(x, deq),
    magnitude: nn.functional.linear(x.abs(), deq.abs()),
  };
}

/** The largest |got − reference| over its float32 summation bound (must be at most 1). */
function worst(got: Float32Array, p: Prepared, K: number): number {
  const ref = p.reference.reshape(-1).tolist() as number[], mag = p.magnitude.reshape(-1).tolist() as number[];
  const u = 2 * (Math.ceil(K / 8) + 24) * 2 ** -24;
  let w = 0;
  for (let i = 0; i < ref.length; i++) w = Math.max(w, Math.abs(got[i]! - ref[i]!) / (u * mag[i]! + 1e-30));
  return w;
}

/** ORT sessions over the same int4 weights: one, or enough that their weights stream from memory. */
async function ort_sessions(p: Prepared, s: Shape, threads: number, cache: Cache): Promise<ort.InferenceSession[]> {
  const model = matmulnbits_model({
    N: s.N, K: s.K, block_size: GROUP, codes: p.int4.data as Uint8Array, scales: p.int4.scale, zeros: p.int4.zero!,
  }, 1);
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
  };
  const sessions: ort.InferenceSession[] = [];
  for (let i = 0; i < count(cache, weight_bytes(p.int4)); i++) sessions.push(await ort.InferenceSession.create(model, options));
  return sessions;
}

function ort_contender(sessions: readonly ort.InferenceSession[], feeds: Record<string, ort.Tensor>): Contender {
  let next = 0;
  return {
    async burst(reps) {
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const session = sessions[next++ % sessions.length]!;
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - t0) * 1e-9);
      }
      return times;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: "string", default: "1,2" }, rounds: { type: "string", default: "15" },
      shapes: { type: "string", default: "pythia,llama" }, cache: { type: "string", default: CACHES.join(",") },
    },
  });
  const thread_counts = values.threads.split(",").map(Number);
  const shapes = values.shapes.split(",").flatMap((k) => SHAPES[k] ?? []);
  const caches = values.cache.split(",") as Cache[];
  const plan: Plan = { rounds: Number(values.rounds), warmup_s: 0.5, burst_s: 0.05, pause_ms: 50 };
  if (!thread_counts.every((t) => Number.isInteger(t) && t > 0) || !(plan.rounds > 0) || shapes.length === 0 ||
      caches.length === 0 || !caches.every((c) => CACHES.includes(c))) {
    throw new RangeError(`usage: npm run bench:gemv -- [--threads 1,2] [--rounds 15] [--shapes pythia,llama] [--cache ${CACHES.join(",")}]`);
  }
  const machine = describe_machine();
  const load = [os.loadavg()[0]!];
  console.log(`${machine.cpu}, ${machine.cpus} CPUs, lowbit ${machine.lowbit_isa}, Node ${machine.node}, onnxruntime-node ${ort.env.versions.common}`);
  const results: GemvMeasured[] = [];
  const checks: string[] = [];
  for (const cache of caches) {
    for (const s of shapes) {
      const p = prepare(s, cache);
      const feeds = { A: new ort.Tensor("float32", (p.x.contiguous()._data as Float32Array).slice(0, s.K), [1, s.K]) };
      for (const threads of thread_counts) {
        torch.set_num_threads(threads);
        const sessions = await ort_sessions(p, s, threads, cache);
        try {
          // like with like: ORT and lowbit multiply the very same int4 weights
          const y_ort = (await sessions[0]!.run(feeds)).Y!.data as Float32Array;
          const y_lb = p.run.int4().contiguous()._data as Float32Array;
          const [wo, wl] = [worst(y_ort, p, s.K), worst(y_lb, p, s.K)];
          if (!(wo <= 1 && wl <= 1)) {
            throw new Error(`${s.model} ${s.layer}: ORT's or lowbit's int4 output is off the dequantized reference ` +
              `(${wo.toFixed(2)} and ${wl.toFixed(2)} times the bound); the timings would not compare like with like`);
          }
          if (threads === thread_counts[0] && cache === caches[0]) checks.push(`${s.model} ${s.layer} ORT ${wo.toFixed(3)}, lowbit ${wl.toFixed(3)} of the bound`);
          const contenders = KINDS.map((k) => (k === "ort" ? ort_contender(sessions, feeds) : sync_contender(p.run[k])));
          const bursts = await interleave(contenders, plan);
          results.push({ cache, threads, shape: s, bursts: Object.fromEntries(KINDS.map((k, i) => [k, bursts[i]!])) as GemvMeasured["bursts"] });
          console.log(table(results.slice(-1)).split("\n").slice(2).join("\n"));
        } finally {
          for (const session of sessions) await session.release();
        }
      }
    }
  }
  load.push(os.loadavg()[0]!);
  console.log(`\n${table(results)}`);
  const ctx = {
    date: new Date().toISOString(), command: command_line("bench:gemv", "dist/bench/gemv.js"), machine,
    ort: ort.env.versions.common ?? "?", plan, load, checks,
  };
  write_section(RESULTS, "gemv", document(ctx, results));
  console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  const miss = missed(results);
  if (miss.length) {
    console.log(`goals missed: ${miss.join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(`bench:gemv: ${e.message}`);
  process.exitCode = 2;
});
