// The benchmark cases and lowbit's side of them. Inputs are drawn with the same seeds and in the
// same order as bench/torch_peer.py; lowbit's generator reproduces torch's, so both sides multiply
// the very same matrices (run.ts checks the outputs agree before timing).
import { nn, torch, Tensor } from "../kernel/index.js";

export type CaseName = "gemm" | "mv" | "linear" | "linear_bf16";

export interface Goal {
  text: string;
  met(ratio: number): boolean;
}

export interface Case {
  name: CaseName;
  title: string;
  /** FLOPs (GEMM) or bytes of weights read (GEMV) per evaluation. */
  work: number;
  unit: "GFLOP/s" | "GB/s";
  /** Goal on lowbit's throughput over torch's. */
  goal: Goal | null;
  /** A second goal: lowbit on this case against lowbit on another case, timed in the same rounds. */
  against_own: { other: CaseName; title: string; goal: Goal } | null;
}

const N_GEMM = 1024, N_GEMV = 4096;
const GEMV_WEIGHTS = N_GEMV * N_GEMV;

export const CASES: readonly Case[] = [
  {
    name: "gemm", title: `fp32 GEMM ${N_GEMM}³ (mm)`, work: 2 * N_GEMM ** 3, unit: "GFLOP/s",
    goal: { text: "≥ 0.80x", met: (r) => r >= 0.8 }, against_own: null,
  },
  {
    name: "mv", title: `fp32 GEMV ${N_GEMV}² (mv, W @ x)`, work: 4 * GEMV_WEIGHTS, unit: "GB/s",
    goal: { text: "≥ 0.90x", met: (r) => r >= 0.9 }, against_own: null,
  },
  {
    name: "linear", title: `fp32 GEMV ${N_GEMV}² (F.linear, x [1, ${N_GEMV}])`, work: 4 * GEMV_WEIGHTS, unit: "GB/s",
    goal: { text: "≥ 0.90x", met: (r) => r >= 0.9 }, against_own: null,
  },
  {
    name: "linear_bf16", title: `bf16 GEMV ${N_GEMV}² (F.linear)`, work: 2 * GEMV_WEIGHTS, unit: "GB/s",
    goal: null,
    against_own: {
      other: "linear", title: "bf16 vs fp32 GEMV, lowbit F.linear (fp32 time / bf16 time)",
      goal: { text: "> 1.00x", met: (r) => r > 1 },
    },
  },
];

/** lowbit's evaluation of each case, on inputs equal to the peer's. */
export function lowbit_cases(): Record<CaseName, () => Tensor> {
  torch.manual_seed(0);
  const w = torch.randn([N_GEMV, N_GEMV]);
  const x = torch.randn([N_GEMV]);
  torch.manual_seed(1);
  const a = torch.randn([N_GEMM, N_GEMM]);
  const b = torch.randn([N_GEMM, N_GEMM]);
  const wb = w.to(torch.bfloat16), x1 = x.unsqueeze(0);
  const x1b = x1.to(torch.bfloat16);
  return {
    gemm: () => torch.mm(a, b),
    mv: () => torch.mv(w, x),
    linear: () => nn.functional.linear(x1, w),
    linear_bf16: () => nn.functional.linear(x1b, wb),
  };
}

/** Sum of |output|, the figure compared with the peer's. */
export function checksum(y: Tensor): number {
  return y.to(torch.float32).abs().sum().item() as number;
}
