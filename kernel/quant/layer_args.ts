// Argument checks shared by the quantized Linear layers (W8A16LinearLayer, Linear8bitLt, QLinear),
// each naming the sizes as its Python signature does.

/** Every size is a positive integer. */
export function check_features(fn: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${fn}: ${k} must be a positive integer, got ${v}`);
  }
}

/** `bias` is the positional flag; options come after it. */
export function check_bias_flag(fn: string, bias: unknown): void {
  if (typeof bias !== "boolean") throw new TypeError(`${fn}: bias must be true or false, got ${typeof bias}; options go in the 4th argument`);
}
