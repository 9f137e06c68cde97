#!/usr/bin/env node
// The `lowbit` command. Until the Jupyter kernel lands, its main job is the demo: a tour of the
// data-types lesson's numbers computed by lowbit's tensor core and native kernels.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { demo } from "./demo.js";
import { native_addon, native_unavailable_reason } from "./tensor/backend/index.js";

const HELP = `lowbit: LLM quantization in TypeScript, with PyTorch's numerics

usage: lowbit <command>

commands:
  kernel F  run the Jupyter kernel on connection file F (what Jupyter starts)
  demo      a short tour: data types, downcasting, a bf16 model (what \`npm start\` runs)
  info      the native kernels in use (instruction set, threads) or why they are not
  help      this text
  version   the package version
`;

function version(): string {
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json");
  return JSON.parse(readFileSync(pkg, "utf8")).version;
}

function info(): void {
  const n = native_addon();
  if (!n) {
    console.log(`native kernels: unavailable (${native_unavailable_reason()}); using the TypeScript reference kernels`);
    return;
  }
  const i = n.info();
  const features = ["avx2", "avx512", "avx512_bf16", "avx512_vnni"].filter((f) => i[f as keyof typeof i]);
  console.log(`native kernels: ${i.isa} (CPU supports: ${features.join(", ") || "baseline x86-64 only"})`);
  console.log(`threads: ${i.threads} of ${i.max_threads}`);
}

const cmd = process.argv[2] ?? "help";
switch (cmd) {
  case "kernel":
    await (await import("./jupyter/main.js")).run_kernel(process.argv[3]);
    break;
  case "demo":
    demo();
    break;
  case "info":
    info();
    break;
  case "version":
  case "--version":
    console.log(version());
    break;
  case "help":
  case "--help":
  case "-h":
    process.stdout.write(HELP);
    break;
  default:
    process.stderr.write(`lowbit: unknown command '${cmd}'\n\n${HELP}`);
    process.exitCode = 2;
}
