// Interleaved timing of several contenders on the same work. On a shared, noisy VM the machine's
// speed drifts over seconds; short alternating bursts expose every contender to the same drift,
// where running all of one and then all of the other would bake the drift into the ratio.
import { setTimeout as sleep } from "node:timers/promises";
import { median } from "./stats.js";

export interface Contender {
  /** Runs `reps` timed repetitions; seconds per repetition. */
  burst(reps: number): Promise<number[]>;
}

/** One contender's repetition times, burst by burst: bursts[round][rep], in seconds. */
export type Bursts = number[][];

export interface Plan {
  rounds: number;
  warmup_s: number;
  burst_s: number;
  /** Idle time before each burst: OpenBLAS's idle workers spin for about 0.1 s after a call,
   *  and would otherwise steal a core from whoever runs next. */
  pause_ms: number;
}

/** A contender that runs a synchronous function, timing each repetition. */
export function sync_contender(fn: () => unknown): Contender {
  return {
    async burst(reps) {
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = process.hrtime.bigint();
        fn();
        times.push(Number(process.hrtime.bigint() - t0) * 1e-9);
      }
      return times;
    },
  };
}

/** Each contender's bursts, `plan.rounds` of them. */
export async function interleave(contenders: readonly Contender[], plan: Plan): Promise<Bursts[]> {
  const reps: number[] = [];
  for (const c of contenders) {
    // warm caches, page in the operands, start thread pools; the warm-up sizes the bursts
    const warm: number[] = [];
    const t0 = performance.now();
    while (warm.length < 3 || performance.now() - t0 < plan.warmup_s * 1000) warm.push(...(await c.burst(1)));
    reps.push(Math.min(1000, Math.max(1, Math.round(plan.burst_s / median(warm)))));
  }
  const bursts: Bursts[] = contenders.map(() => []);
  for (let r = 0; r < plan.rounds; r++) {
    for (let i = 0; i < contenders.length; i++) {
      const j = (i + r) % contenders.length;  // who goes first rotates
      await sleep(plan.pause_ms);
      bursts[j]!.push(await contenders[j]!.burst(reps[j]!));
    }
  }
  return bursts;
}
