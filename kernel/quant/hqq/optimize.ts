// hqq's proximal solver (optimize_weights_proximal_legacy, hqq/core/optimize.py, the default
// behind Quantizer.optimize_weights): with the (inverse) scale s of each group fixed, it moves the
// group's zero point z against an l_p error (p < 1) by half-quadratic splitting, for at most
// `iters` rounds (kernel/tensor/backend/reference/quantize_hqq.ts says how, step by step; the
// loop is Kernels.hqqProximal, native or that reference). Every step is torch's float32 CPU
// arithmetic. Two places differ from torch in the last bits: the group means (torch sums float32
// in a cascade; here the sum is float64, rounded to float32, then divided) and |x|^(p−1) (torch's
// SLEEF powf vs float64 pow rounded once), which can move a zero point by an ulp and, very rarely,
// a code that sits on a rounding tie.
import { K } from "../../tensor/backend/index.js";
import { float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";

export interface OptParams {
  lp_norm?: number;
  beta?: number;
  kappa?: number;
  iters?: number;
}

export const DEFAULT_OPT_PARAMS: Required<OptParams> = { lp_norm: 0.7, beta: 1e1, kappa: 1.01, iters: 20 };

export interface ProximalResult {
  /** codes of the [R, C] view, row-major */
  W_q: Uint8Array;
  /** the optimised zero points, one per group */
  zero: Float32Array;
  /** rounds run (the last one is the one whose error did not drop, unless all `iters` ran) */
  iterations: number;
  /** mean |W − W_r| after each round */
  errors: number[];
}

/** W_q = clamp(round(W·s + z), min_max) for every element, with the group's s and z. */
export function quantize_codes(W: Float32Array, R: number, C: number, scale: Float32Array, zero: Float32Array,
  axis: 0 | 1, max_v: number): Uint8Array {
  return proximal_legacy(W, R, C, scale, zero, max_v, axis, { iters: 0 }).W_q;
}

/** The solver on the float32 [R, C] view `W` with per-group inverse scales and zero points. */
export function proximal_legacy(W: Float32Array, R: number, C: number, scale: Float32Array, zero_in: Float32Array,
  max_v: number, axis: 0 | 1, opt: OptParams = {}): ProximalResult {
  const { lp_norm, beta, kappa, iters } = { ...DEFAULT_OPT_PARAMS, ...opt };
  const zero = Float32Array.from(zero_in), W_q = new Uint8Array(R * C), errors = new Float64Array(iters);
  const iterations = K.hqqProximal(R, C, axis, W, scale, zero, max_v, lp_norm, beta, kappa, iters, W_q, errors);
  return { W_q, zero, iterations, errors: Array.from(errors.subarray(0, iterations)) };
}

function float32_data(t: Tensor): Float32Array {
  const c = t.to(float32).contiguous();
  const d = c._data as Float32Array;
  return d.subarray(c._offset, c._offset + c.numel());
}

/** optimize_weights_proximal(tensor, scale, zero, min_max, axis, { opt_params }) as hqq calls it:
 *  tensor [R, C], scale and zero [R, 1] (axis 1) or [1, C] (axis 0) with scale the inverse scale;
 *  returns [W_q, scale, zero] (W_q float32 codes, like hqq's). */
export function optimize_weights_proximal(tensor: Tensor, scale: Tensor, zero: Tensor, min_max: [number, number],
  axis: 0 | 1 = 0, o: { opt_params?: OptParams } = {}): [Tensor, Tensor, Tensor] {
  const fn = "hqq.optimize_weights_proximal";
  if (!(tensor instanceof Tensor) || tensor.ndim !== 2) throw new TypeError(`${fn}: tensor must be a 2-D Tensor (the grouped weight view)`);
  if (axis !== 0 && axis !== 1) throw new RangeError(`${fn}: axis must be 0 or 1, got ${axis}`);
  const R = tensor.shape[0]!, C = tensor.shape[1]!;
  const n = axis === 1 ? R : C;
  const want = axis === 1 ? [R, 1] : [1, C];
  for (const [name, t] of [["scale", scale], ["zero", zero]] as const) {
    if (!(t instanceof Tensor) || t.numel() !== n) {
      throw new RangeError(`${fn}: ${name} must hold one value per group, shape [${want.join(", ")}] for axis ${axis}`);
    }
  }
  if (min_max[0] !== 0) throw new RangeError(`${fn}: hqq's codes start at 0; min_max must be [0, 2^nbits - 1]`);
  const s = float32_data(scale);
  const r = proximal_legacy(float32_data(tensor), R, C, s, float32_data(zero), min_max[1], axis, o.opt_params);
  const W_q = new Tensor(Float32Array.from(r.W_q), float32, [R, C]);
  return [W_q, new Tensor(Float32Array.from(s), float32, want), new Tensor(r.zero, float32, want)];
}
