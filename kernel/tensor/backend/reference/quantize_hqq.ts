// Reference hqq solver (optimize_weights_proximal_legacy, hqq/core/optimize.py): the definition
// native/src/kernels/quantize_hqq.cc is tested against. With the (inverse) scale s of each group
// fixed, it moves the group's zero point z to reduce the l_p error (p < 1) of W ≈ (W_q − z)/s by
// half-quadratic splitting:
//   W_q = clamp(round(W·s + z)), W_r = (W_q − z)/s, W_e = shrink_p(W − W_r, β),
//   z = mean_group(W_q − (W − W_e)·s),  β ← κ·β,
// for at most `iters` rounds, stopping after the first round whose mean |W − W_r| did not drop
// (that round's z update is kept, as in hqq). Every step is torch's float32 CPU arithmetic: each
// operation rounded to float32 (a double result rounded once is exactly the float32 result for
// + − × ÷). The group means are float64 sums rounded to float32 and divided, |x|^(p−1) is pow in
// float64 rounded once, and the mean error sums each group in float64, then the groups in order.

import { round_half_even } from "./floats.js";

const f = Math.fround;

/** The groups of the [R, C] view: statistics are taken along `axis`, so axis 1 makes each row a
 *  group and axis 0 each column. n groups of len elements, group g's first at start(g), the next
 *  ones `step` apart. */
function groups_of(R: number, C: number, axis: number): { n: number; len: number; start: (g: number) => number; step: number } {
  return axis === 1 ? { n: R, len: C, start: (g) => g * C, step: 1 } : { n: C, len: R, start: (g) => g, step: C };
}

/** The solver on the float32 [R, C] view W (see Kernels.hqqProximal): zero is updated in place,
 *  errors[i] is round i's mean |W − W_r|, codes are clamp(round(W·s + z), 0, max_v) with the final
 *  zeros (iters 0: the codes of the given zeros). Returns the rounds run. */
export function hqqProximal(R: number, C: number, axis: number, W: Float32Array, scale: Float32Array, zero: Float32Array,
                            max_v: number, lp_norm: number, beta: number, kappa: number, iters: number,
                            codes: Uint8Array, errors: Float64Array): number {
  const g = groups_of(R, C, axis);
  // torch's vectorised pow takes the scalar exponent as a float32
  const exponent = f(lp_norm - 1);
  let best_error = 1e4, rounds = 0;
  for (let it = 0; it < iters; it++) {
    rounds++;
    const inv_beta = f(1 / beta);
    let err_sum = 0;
    for (let k = 0; k < g.n; k++) {
      const s = scale[k]!, z = zero[k]!;
      let z_sum = 0, e_sum = 0;
      for (let j = 0, i = g.start(k); j < g.len; j++, i += g.step) {
        const w = W[i]!;
        const r = round_half_even(f(f(w * s) + z));
        const q = r < 0 ? 0 : r > max_v ? max_v : r;
        const w_r = f(f(q - z) / s);
        const d = f(w - w_r);
        e_sum += Math.abs(d);
        // shrink_lp_op: sign(x)·relu(|x| − |x|^(p−1)/β); |x| = 0 gives relu(−inf) = 0
        const a = Math.abs(d);
        const shrunk = f(a - f(inv_beta * f(Math.pow(a, exponent))));
        const w_e = shrunk > 0 ? Math.sign(d) * shrunk : 0;
        z_sum += f(q - f(f(w - w_e) * s));
      }
      zero[k] = f(f(z_sum) / g.len);
      err_sum += e_sum;
    }
    beta *= kappa;
    const current_error = f(f(err_sum) / (R * C));
    errors[it] = current_error;
    if (current_error < best_error) best_error = current_error;
    else break;
  }
  for (let k = 0; k < g.n; k++) {
    const s = scale[k]!, z = zero[k]!;
    for (let j = 0, i = g.start(k); j < g.len; j++, i += g.step) {
      const q = round_half_even(f(f(W[i]! * s) + z));
      codes[i] = q < 0 ? 0 : q > max_v ? max_v : q;
    }
  }
  return rounds;
}
