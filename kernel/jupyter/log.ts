// The kernel's own log: straight to file descriptor 2 (Jupyter keeps it in the server log), around
// process.stderr, which the kernel redirects into the notebook while cells run.
import { writeSync } from "node:fs";

export function log(...parts: unknown[]): void {
  if (process.env.LOWBIT_KERNEL_QUIET === "1") return;
  try {
    writeSync(2, `[lowbit kernel] ${parts.map(String).join(" ")}\n`);
  } catch {
    // nothing sensible to do when stderr is gone
  }
}
