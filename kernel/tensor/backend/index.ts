// The kernels every tensor op calls: the native addon when it loads, else the TypeScript
// reference (said once on stderr). LOWBIT_BACKEND=reference forces the reference.
import os from "node:os";
import { load_native, NativeAddon } from "./native.js";
import { reference } from "./reference/index.js";
import type { Kernels } from "./types.js";

let native: NativeAddon | null = null;
let native_error: string | null = null;
if (process.env.LOWBIT_BACKEND === "reference") {
  native_error = "LOWBIT_BACKEND=reference";
} else {
  try {
    native = load_native();
  } catch (e) {
    native_error = (e as Error).message;
    process.stderr.write(
      `lowbit: native kernels unavailable (${native_error}); using the TypeScript reference kernels, which are much slower.\n`,
    );
  }
}

function as_kernels(n: NativeAddon): Kernels {
  return {
    name: "native",
    cast: n.cast, binary: n.binary, unary: n.unary, where: n.where, reduce: n.reduce,
    gemm: n.gemm, softmax: n.softmax, layerNorm: n.layerNorm, int8Gemm: n.int8Gemm, wqGemm: n.wqGemm,
    quantizeBlockwise: n.quantizeBlockwise, dequantizeBlockwise: n.dequantizeBlockwise,
    int8VectorwiseQuant: n.int8VectorwiseQuant, quantizeRtn: n.quantizeRtn, quantoQuantize: n.quantoQuantize,
    hqqProximal: n.hqqProximal,
  };
}

/** The active kernels. */
export let K: Kernels = native ? as_kernels(native) : reference;

/** The native addon, or null when lowbit runs on the reference kernels. */
export function native_addon(): NativeAddon | null {
  return native;
}

/** Why the native addon is not in use, or null. */
export function native_unavailable_reason(): string | null {
  return native_error;
}

/** Switches every op to the given kernels (tests use this to run both backends). */
export function use_kernels(k: Kernels): void {
  K = k;
}

export function native_kernels(): Kernels | null {
  return native ? as_kernels(native) : null;
}

export { reference };

let threads = native ? native.info().threads : 1;

/** torch.set_num_threads */
export function set_num_threads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`set_num_threads: expected a positive integer, got ${n}`);
  threads = Math.min(n, os.availableParallelism());
  native?.setNumThreads(threads);
}

/** torch.get_num_threads */
export function get_num_threads(): number {
  return threads;
}
