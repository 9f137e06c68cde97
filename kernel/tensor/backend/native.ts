// Loads the native addon (build/Release/lowbit.node, built by `npm install`) and checks that it
// speaks the same op lists as this TypeScript.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { package_root } from "../../package.js";
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "./ops.js";
import type { Kernels } from "./types.js";

export interface NativeInfo {
  isa: string;
  best_isa: string;
  threads: number;
  max_threads: number;
  avx2: boolean;
  avx512: boolean;
  avx512_bf16: boolean;
  avx512_vnni: boolean;
}

export interface NativeAddon extends Omit<Kernels, "name"> {
  info(): NativeInfo;
  opNames(): { binary: string[]; unary: string[]; reduce: string[] };
  setNumThreads(n: number): void;
  setIsa(name: string): string;
  /** Asks running kernels to stop (they then throw KeyboardInterrupt); callable from any thread. */
  interrupt(): void;
  clearInterrupt(): void;
}

/** The addon's path: LOWBIT_NATIVE_PATH, or build/Release under the package root. */
export function addon_path(): string | null {
  if (process.env.LOWBIT_NATIVE_PATH) return process.env.LOWBIT_NATIVE_PATH;
  const candidate = path.join(package_root(), "build", "Release", "lowbit.node");
  return existsSync(candidate) ? candidate : null;
}

export function load_native(): NativeAddon {
  const p = addon_path();
  if (!p || !existsSync(p)) throw new Error(`${p ?? "build/Release/lowbit.node"} not found (run \`npm run build\`)`);
  const addon = createRequire(import.meta.url)(p) as NativeAddon;
  const names = addon.opNames();
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(names.binary, BINARY_OPS) || !same(names.unary, UNARY_OPS) || !same(names.reduce, REDUCE_OPS)) {
    throw new Error(`${p} was built from other sources than this TypeScript (run \`npm run build\`)`);
  }
  return addon;
}
