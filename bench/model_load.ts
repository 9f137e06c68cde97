// A child process of `npm run bench:model` that only loads the checkpoint: `node model_load.js DIR
// DTYPE` prints one line of JSON with the peak resident memory the load added. A fresh process,
// so that nothing the benchmark allocated before (or freed into the allocator) blurs the peak.
import { torch, transformers } from "../kernel/index.js";

export interface LoadMemory {
  /** resident bytes after importing lowbit, before loading */
  baseline: number;
  /** the process's peak resident bytes (getrusage's maxrss), at the end of the load */
  peak: number;
  /** resident bytes once loaded */
  after: number;
  /** bytes of the model's parameters and buffers */
  footprint: number;
  seconds: number;
}

async function main(): Promise<void> {
  const [dir, dtype] = process.argv.slice(2);
  if (!dir || (dtype !== "float32" && dtype !== "bfloat16")) throw new Error("usage: node model_load.js DIR float32|bfloat16");
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const model = await transformers.GPTNeoXForCausalLM.from_pretrained(dir, { torch_dtype: torch[dtype] });
  const seconds = (performance.now() - t0) / 1e3;
  const m: LoadMemory = {
    baseline, peak: process.resourceUsage().maxRSS * 1024, after: process.memoryUsage().rss,
    footprint: model.get_memory_footprint(), seconds,
  };
  console.log(JSON.stringify(m));
}

main().catch((e: Error) => {
  console.error(`model_load: ${e.message}`);
  process.exitCode = 2;
});
