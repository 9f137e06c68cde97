// bitsandbytes' code tables and its CUDA kernels' per-value code choice: get_4bit_type,
// create_dynamic_map, and dQuantizeNF4 / dQuantizeFP4 / dQuantize<0> from csrc/kernels.cu.
// The fixtures come from the CUDA kernels (which made the real checkpoints), so these follow them
// comparison for comparison, in float32.
import { float32 } from "../../tensor/dtype.js";
import { linspace_formula } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";

export type QuantType4bit = "nf4" | "fp4";

// bitsandbytes' literal NF4 table (functional.py get_4bit_type), rounded to float32 by torch.tensor
const NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
];
// FP4 (e2m1 without inf/nan): nibble = sign bit (8) | 3-bit pattern, divided by the largest, 12.
// Python's `-0` is the integer 0, so nibble 8 decodes to +0.0.
const FP4 = [0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, 0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0];

/** The float32 values of a 4-bit code table, index = nibble. */
export function code_values(quant_type: QuantType4bit): Float32Array {
  if (quant_type === "nf4") return Float32Array.from(NF4);
  if (quant_type === "fp4") return Float32Array.from(FP4, (v) => Math.fround(v / 12));
  throw bad_quant_type("get_4bit_type", quant_type);
}

export function bad_quant_type(fn: string, quant_type: unknown): Error {
  return new RangeError(`${fn}: quant_type must be "nf4" or "fp4", got ${JSON.stringify(quant_type)}`);
}

/** bnb.functional.get_4bit_type("nf4" | "fp4"): the 16 float32 code values, index = nibble.
 *  (bitsandbytes also knows "int4" and "af4", which no 4-bit kernel uses; not provided here.) */
export function get_4bit_type(typename: QuantType4bit): Tensor {
  return new Tensor(code_values(typename), float32, [16]);
}

/** bnb.functional.create_dynamic_map(signed, max_exponent_bits, total_bits): the "dynamic tree"
 *  8-bit map that quantize_blockwise (and double quantization) uses, sorted, float32. Each decade
 *  10^(i-max_exponent_bits+1) gets the midpoints of a float32 linspace(0.1, 1, ...), scaled in float32. */
export function create_dynamic_map(signed: boolean | { signed?: boolean; max_exponent_bits?: number; total_bits?: number } = true,
  max_exponent_bits = 7, total_bits = 8): Tensor {
  if (typeof signed === "object") {
    max_exponent_bits = signed.max_exponent_bits ?? 7;
    total_bits = signed.total_bits ?? 8;
    signed = signed.signed ?? true;
  }
  const fn = "create_dynamic_map";
  if (!Number.isInteger(total_bits) || total_bits < 2 || total_bits > 8) {
    throw new RangeError(`${fn}: total_bits must be an integer in 2..8, got ${total_bits}`);
  }
  if (!Number.isInteger(max_exponent_bits) || max_exponent_bits < 1 || max_exponent_bits > total_bits - 1) {
    throw new RangeError(`${fn}: max_exponent_bits must be an integer in 1..${total_bits - 1} for total_bits ${total_bits}, got ${max_exponent_bits}`);
  }
  const data: number[] = [];
  const non_sign_bits = total_bits - 1;
  const additional_items = 2 ** (non_sign_bits - max_exponent_bits) - 1;
  const decade = (i: number, items: number): void => {
    const b = linspace_f32(0.1, 1, items);
    // Python's 10 ** k (an int, or a float for k < 0) times a float32 tensor: float32 arithmetic
    const scale = Math.fround(10 ** (-(max_exponent_bits - 1) + i));
    const means = Array.from({ length: items - 1 }, (_, j) => Math.fround(Math.fround(b[j]! + b[j + 1]!) / 2));
    for (const m of means) data.push(Math.fround(scale * m));
    if (signed) for (const m of means) data.push(Math.fround(-scale * m));
  };
  let i = 0;
  for (i = 0; i < max_exponent_bits; i++) {
    decade(i, signed ? 2 ** (i + non_sign_bits - max_exponent_bits) + 1 : 2 ** (i + non_sign_bits - max_exponent_bits + 1) + 1);
  }
  if (additional_items > 0) decade(i - 1, additional_items + 1);
  data.push(0, 1.0);
  if (data.length !== 2 ** total_bits) {
    // bitsandbytes asserts the same
    throw new RangeError(`${fn}: signed=${signed}, max_exponent_bits=${max_exponent_bits}, total_bits=${total_bits} gives ${data.length} values, not ${2 ** total_bits}`);
  }
  while (data.length < 256) data.push(0);
  data.sort((a, b) => a - b);
  return new Tensor(Float32Array.from(data), float32, [data.length]);
}

/** torch.linspace(start, end, steps, dtype=torch.float32) as the x86 CPU build that made
 *  bitsandbytes' map computes it: the kernel's vectorized path (AVX2, 8 lanes, taken two vectors at
 *  a time) sets lane i of the vector at idx to base + i·step, base being the scalar formula
 *  (an FMA) at idx; the tail is scalar. For >= 16 steps this differs in the last bit from the
 *  scalar formula alone (the fixture's 65-step decade shows it). */
function linspace_f32(start: number, end: number, steps: number): Float32Array {
  const F = Math.fround;
  const step = F(F(F(end) - F(start)) / (steps - 1));
  const scalar = linspace_formula(float32, start, end, steps);
  const out = new Float32Array(steps);
  const W = 8;
  const vectorized = Math.floor(steps / (2 * W)) * 2 * W;
  for (let idx = 0; idx < vectorized; idx += W) {
    const base = scalar(idx);
    for (let i = 0; i < W; i++) out[idx + i] = F(base + F(i * step));
  }
  for (let idx = vectorized; idx < steps; idx++) out[idx] = scalar(idx);
  return out;
}
