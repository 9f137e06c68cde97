// Runs native kernels in every configuration the CPU offers (each instruction set, 1 and 2
// threads) against the TypeScript reference, on copies of the same output storages.
import { describe, expect } from "vitest";
import { native_addon, native_kernels, reference } from "../../kernel/tensor/backend/index.js";
import type { Kernels } from "../../kernel/tensor/backend/types.js";
import type { TypedArray } from "../../kernel/tensor/dtype.js";
import { native_isas } from "./backends.js";

export interface NativeConfig {
  isa: string;
  threads: number;
  label: string;
}

export function native_configs(): NativeConfig[] {
  return native_isas().flatMap((isa) => [1, 2].map((threads) => ({ isa, threads, label: `${isa}, ${threads} thread(s)` })));
}

/** Calls fn with each configuration active, then restores the best ISA and the thread count. */
export function for_each_config(fn: (cfg: NativeConfig) => void): void {
  const addon = native_addon()!;
  const threads = addon.info().threads;
  try {
    for (const cfg of native_configs()) {
      addon.setIsa(cfg.isa);
      addon.setNumThreads(cfg.threads);
      fn(cfg);
    }
  } finally {
    addon.setIsa("best");
    addon.setNumThreads(threads);
  }
}

/** Calls fn with the reference, then with the native kernels in every configuration. */
export function for_each_backend(fn: (k: Kernels, label: string) => void): void {
  fn(reference, "reference");
  for_each_config((cfg) => fn(native(), cfg.label));
}

/** describe(), skipped when the addon did not load (lowbit then runs on the reference alone). */
export const describe_native = native_addon() ? describe : describe.skip;

export function native(): Kernels {
  return native_kernels()!;
}

export function copy_storage<T extends TypedArray>(t: T): T {
  return t.slice() as T;
}

/**
 * Runs `call` on copies of `outputs`, once with the reference and once per native configuration,
 * and hands each native result to `check` with the reference's. When the reference throws, every
 * native run must throw the same message.
 */
export function against_reference(
  outputs: readonly TypedArray[],
  call: (k: Kernels, outs: TypedArray[]) => void,
  check: (got: TypedArray[], want: TypedArray[], where: string) => void,
): void {
  const want = outputs.map(copy_storage);
  let error: Error | null = null;
  try {
    call(reference, want);
  } catch (e) {
    error = e as Error;
  }
  for_each_config((cfg) => {
    const got = outputs.map(copy_storage);
    if (error) {
      expect(() => call(native(), got), cfg.label).toThrow(error.message);
      return;
    }
    call(native(), got);
    check(got, want, cfg.label);
  });
}
