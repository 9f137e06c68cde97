// torch.multinomial(probs, 1) as torch's CPU kernel draws it: argmax(p / q) with q ~ Exp(1) from
// exponential_ on the generator (u from random64's 53 bits, q = -log1p(-u), rounded to float32),
// so torch.manual_seed makes sampling reproducible, and equal to torch 1.13's CPU draws.
import { float32, int64 } from "../../tensor/dtype.js";
import { default_generator, Generator } from "../../tensor/random.js";
import { Tensor } from "../../tensor/tensor.js";
import { empty } from "../../tensor/ops/util.js";

const TWO_POW_32 = 2 ** 32;
const MANTISSA_MASK_HI = 2 ** 21 - 1;   // the high word's share of the 53 bits

/** One token per row of probs [batch, vocab] (probabilities need not sum to one). */
export function multinomial_one(probs: Tensor, generator: Generator = default_generator): Tensor {
  if (probs.ndim !== 2) throw new RangeError(`multinomial_one: expected [batch, vocab] probabilities, got ${probs.ndim}-d`);
  const q = empty(probs._shape, float32);
  const qd = q._data as Float32Array;
  for (let i = 0; i < qd.length; i++) {
    const [hi, lo] = generator.random64();
    const u = ((hi & MANTISSA_MASK_HI) * TWO_POW_32 + lo) * 2 ** -53;
    qd[i] = -Math.log1p(-u);
  }
  const p = probs.dtype === float32 ? probs : probs.to(float32);
  return p.div(q).argmax(-1).to(int64);
}
