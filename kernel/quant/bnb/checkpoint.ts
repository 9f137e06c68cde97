// What loading a quantized bitsandbytes checkpoint into Linear8bitLt / Linear4bit shares: the
// bias and the keys left over once the layer took its weight entries, checked as torch's strict
// load_state_dict checks them, before anything is written.
import { Tensor } from "../../tensor/tensor.js";
import { Parameter } from "../../nn/parameter.js";

export interface LoadResult {
  missing_keys: string[];
  unexpected_keys: string[];
}

/** Checks the bias and the other keys of `sd` (those not in `taken`); returns the writer of the bias
 *  (call it once every check of the layer passed) and load_state_dict's result. */
export function check_bias_and_rest(cls: string, sd: Record<string, Tensor>, taken: (k: string) => boolean,
                                    bias: Parameter | null, out_features: number, strict: boolean): [() => void, LoadResult] {
  const rest = Object.keys(sd).filter((k) => !taken(k));
  const unexpected = rest.filter((k) => k !== "bias" || !bias);
  const errors = `Error(s) in loading state_dict for ${cls}:\n\t`;
  if (strict && unexpected.length) throw new Error(`${errors}Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(", ")}.`);
  const b = sd.bias;
  if (bias && !b && strict) throw new Error(`${errors}Missing key(s) in state_dict: "bias".`);
  if (bias && b && (!(b instanceof Tensor) || b.numel() !== out_features)) {
    throw new Error(`${cls}.load_state_dict: size mismatch for bias: got ${b instanceof Tensor ? `[${b.shape.join(", ")}]` : typeof b}, expected [${out_features}]`);
  }
  const write = () => {
    if (bias && b) bias._set(b.contiguous().clone().reshape(out_features));
  };
  return [write, { missing_keys: bias && !b ? ["bias"] : [], unexpected_keys: unexpected }];
}
