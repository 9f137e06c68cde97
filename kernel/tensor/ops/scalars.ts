// Checks on JS scalars meeting integer tensors, with torch's error for values that do not fit.
import { DType } from "../dtype.js";

const RANGES: Record<string, [number, number]> = {
  bool: [0, 1], uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767],
  int32: [-2147483648, 2147483647], int64: [-9223372036854775808, 9223372036854775807],
};

/** The integer a scalar becomes in an integer dtype (truncated toward zero), or a RangeError
 *  naming the value and the dtype when it does not fit, as torch raises. */
export function float_to_int_checked(v: number, dtype: DType, op: string): number {
  const [lo, hi] = RANGES[dtype.name]!;
  if (!Number.isFinite(v) || Math.trunc(v) < lo || Math.trunc(v) > hi) {
    throw new RangeError(`${op}: value ${v} cannot be converted to type ${dtype.name} without overflow`);
  }
  return Math.trunc(v);
}
