// A memory limit for a kernel process. `ulimit -v` cannot be used: V8 reserves far more virtual
// memory than it touches and would not start. So the resident set (VmRSS in /proc/PID/status) is
// polled, and a kernel past the limit is killed; V8's own heap limit (--max-old-space-size) is
// set to the same figure by the caller, so a runaway JavaScript heap fails fast with its own error.
import { readFileSync } from "node:fs";

/** The resident set of a process in bytes, or null where /proc does not have it (not Linux, or gone). */
export function rss_bytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface MemoryWatch {
  /** the resident set that broke the limit, once it did */
  exceeded: number | null;
  peak: number;
  stop(): void;
}

/** Polls pid every interval_ms and calls on_exceed (once) when its RSS passes limit bytes. */
export function watch_memory(pid: number, limit: number, on_exceed: (rss: number) => void, interval_ms = 50): MemoryWatch {
  const w: MemoryWatch = { exceeded: null, peak: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    const rss = rss_bytes(pid);
    if (rss === null) return;
    w.peak = Math.max(w.peak, rss);
    if (rss > limit && w.exceeded === null) {
      w.exceeded = rss;
      w.stop();
      on_exceed(rss);
    }
  }, interval_ms);
  timer.unref();
  return w;
}
