// hqq's proximal solver (optimize_weights_proximal_legacy, hqq/core/optimize.py, the default
// behind Quantizer.optimize_weights): with the (inverse) scale s fixed, it moves the zero point z
// of each group to reduce the l_p error (p < 1) of W ≈ (W_q − z)/s by half-quadratic splitting:
//   W_q = clamp(round(W·s + z)), W_r = (W_q − z)/s, W_e = shrink_p(W − W_r, β),
//   z = mean_group(W_q − (W − W_e)·s),  β ← κ·β,
// for at most `iters` rounds, stopping after the first round whose mean |W − W_r| did not drop
// (that round's z update is kept, as in hqq). Every step is torch's float32 CPU arithmetic: each
// operation rounded to float32 (a double result rounded once is exactly the float32 result for
// + − × ÷). Two places differ from torch in the last bits: the group means (torch sums float32
// in a cascade; here the sum is exact in float64, rounded to float32, then divided) and |x|^(p−1)
// (torch's SLEEF powf vs V8's pow), which can move a zero point by an ulp and, very rarely, a code
// that sits on a rounding tie.
import { float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { round_half_even } from "../linear.js";
import { groups_of } from "./groups.js";

const f = Math.fround;

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
  const g = groups_of(R, C, axis);
  const out = new Uint8Array(R * C);
  for (let k = 0; k < g.n; k++) {
    const s = scale[k]!, z = zero[k]!;
    for (let j = 0, i = g.start(k); j < g.len; j++, i += g.step) {
      const q = round_half_even(f(f(W[i]! * s) + z));
      out[i] = q < 0 ? 0 : q > max_v ? max_v : q;
    }
  }
  return out;
}

/** The solver on the float32 [R, C] view `W` with per-group inverse scales and zero points. */
export function proximal_legacy(W: Float32Array, R: number, C: number, scale: Float32Array, zero_in: Float32Array,
  max_v: number, axis: 0 | 1, opt: OptParams = {}): ProximalResult {
  const { lp_norm, kappa, iters } = { ...DEFAULT_OPT_PARAMS, ...opt };
  let beta = opt.beta ?? DEFAULT_OPT_PARAMS.beta;
  const g = groups_of(R, C, axis);
  const zero = Float32Array.from(zero_in);
  // torch's vectorised pow takes the scalar exponent as a float32
  const exponent = f(lp_norm - 1);
  const errors: number[] = [];
  let best_error = 1e4;
  let iterations = 0;
  for (let it = 0; it < iters; it++) {
    iterations++;
    const inv_beta = f(1 / beta);
    let err_sum = 0;
    for (let k = 0; k < g.n; k++) {
      const s = scale[k]!, z = zero[k]!;
      let z_sum = 0;
      for (let j = 0, i = g.start(k); j < g.len; j++, i += g.step) {
        const w = W[i]!;
        const r = round_half_even(f(f(w * s) + z));
        const q = r < 0 ? 0 : r > max_v ? max_v : r;
        const w_r = f(f(q - z) / s);
        const d = f(w - w_r);
        err_sum += Math.abs(d);
        // shrink_lp_op: sign(x)·relu(|x| − |x|^(p−1)/β); |x| = 0 gives relu(−inf) = 0
        const a = Math.abs(d);
        const shrunk = f(a - f(inv_beta * f(Math.pow(a, exponent))));
        const w_e = shrunk > 0 ? Math.sign(d) * shrunk : 0;
        z_sum += f(q - f(f(w - w_e) * s));
      }
      zero[k] = f(f(z_sum) / g.len);
    }
    beta *= kappa;
    const current_error = f(f(err_sum) / (R * C));
    errors.push(current_error);
    if (current_error < best_error) best_error = current_error;
    else break;
  }
  return { W_q: quantize_codes(W, R, C, scale, zero, axis, max_v), zero, iterations, errors };
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
