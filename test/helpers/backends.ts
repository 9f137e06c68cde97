// Runs a suite once per kernel backend: the native addon on every instruction set this CPU has,
// and the TypeScript reference.
import { afterAll, beforeAll, describe } from "vitest";
import { K, native_addon, native_kernels, reference, use_kernels } from "../../kernel/tensor/backend/index.js";
import type { Kernels } from "../../kernel/tensor/backend/types.js";

export interface Backend {
  name: string;
  kernels: Kernels;
  /** selects this backend's instruction set in the addon (native only) */
  isa?: string;
}

export function native_isas(): string[] {
  const n = native_addon();
  if (!n) return [];
  const info = n.info();
  return ["scalar", ...(info.avx2 ? ["avx2"] : []), ...(info.avx512 ? ["avx512"] : [])];
}

export function backends(): Backend[] {
  const out: Backend[] = [];
  const nk = native_kernels();
  if (nk) for (const isa of native_isas()) out.push({ name: `native-${isa}`, kernels: nk, isa });
  out.push({ name: "reference", kernels: reference });
  return out;
}

/** describe(name) for every backend, with that backend active inside. */
export function describe_backends(name: string, fn: (b: Backend) => void): void {
  for (const b of backends()) {
    describe(`${name} [${b.name}]`, () => {
      let prev: Kernels;
      beforeAll(() => {
        prev = K;
        use_kernels(b.kernels);
        if (b.isa) native_addon()!.setIsa(b.isa);
      });
      afterAll(() => {
        use_kernels(prev);
        native_addon()?.setIsa("best");
      });
      fn(b);
    });
  }
}
