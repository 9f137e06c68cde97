// What the figures were measured on: CPU model, the flags that decide which kernels run, cores
// and caches (from lscpu), and lowbit's own view (the instruction set its dispatcher picked).
import { execFileSync } from "node:child_process";
import os from "node:os";
import { native_addon } from "../kernel/tensor/backend/index.js";

const FLAGS = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni"];

export interface Machine {
  cpu: string;
  cpus: number;
  flags: string[];
  caches: string;
  hypervisor: string | null;
  os: string;
  node: string;
  lowbit_isa: string;
}

function lscpu(): Map<string, string> {
  const fields = new Map<string, string>();
  try {
    for (const line of execFileSync("lscpu", { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }).split("\n")) {
      const i = line.indexOf(":");
      if (i > 0) fields.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
  } catch {
    // no lscpu: the Node figures below still describe the machine
  }
  return fields;
}

export function describe_machine(): Machine {
  const addon = native_addon();
  if (!addon) throw new Error("lowbit's native kernels are not loaded; build them with `npm run build` before benchmarking");
  const f = lscpu();
  const flags = new Set((f.get("Flags") ?? "").split(/\s+/));
  const caches = ["L1d", "L2", "L3"].filter((c) => f.has(`${c} cache`)).map((c) => `${c} ${f.get(`${c} cache`)}`);
  return {
    cpu: f.get("Model name") ?? os.cpus()[0]?.model ?? "unknown",
    cpus: os.availableParallelism(),
    flags: FLAGS.filter((x) => flags.has(x)),
    caches: caches.join(", "),
    hypervisor: f.get("Hypervisor vendor") ?? null,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    lowbit_isa: addon.info().isa,
  };
}
