// JS scalars meeting integer tensors. torch converts Python scalars two ways: operands of
// elementwise ops are cast like tensor elements (integers wrap), while fills, bounds, alpha and
// tensor() go through c10's checked conversion and raise when the value does not fit.
import { DType } from "../dtype.js";
import { wrap_int } from "../elements.js";

const RANGES: Record<string, [number, number]> = {
  bool: [0, 1], uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767],
  // int64's top is the largest double below 2^63
  int32: [-2147483648, 2147483647], int64: [-9223372036854775808, 9223372036854774784],
};

function overflow(v: number, dtype: DType, op: string): never {
  throw new RangeError(`${op}: value ${v} cannot be converted to type ${dtype.name} without overflow`);
}

/** c10's checked conversion of a scalar to an integer dtype: a Python int (an integral JS
 *  number) must lie in the type's range, or for unsigned types in [-max, max] (negative values
 *  wrap, as two's complement); a float must lie in [min, max] and is truncated. */
export function float_to_int_checked(v: number, dtype: DType, op: string): number {
  const [lo, hi] = RANGES[dtype.name]!;
  if (Number.isNaN(v)) overflow(v, dtype, op);
  if (Number.isInteger(v)) {
    const min = lo === 0 ? -hi : lo;
    if (v < min || v > hi) overflow(v, dtype, op);
    return dtype.name === "int64" ? v : wrap_int(v, dtype.bits, dtype.is_signed);
  }
  if (v < lo || v > hi) overflow(v, dtype, op);
  return Math.trunc(v);
}

/** A Python int operand of an elementwise op on an integer dtype: cast as a tensor element is,
 *  keeping the low bits (torch.tensor([1], dtype=torch.uint8) + 300 is 45). Only values beyond
 *  int64 fail, as Python ints that torch cannot unpack. */
export function int_operand(v: number, dtype: DType, op: string): number {
  if (!(v >= -9223372036854775808 && v < 9223372036854775808)) {
    throw new RangeError(`${op}: the integer ${v} does not fit in int64`);
  }
  if (dtype.name === "bool") return v !== 0 ? 1 : 0;
  return dtype.name === "int64" ? Math.trunc(v) : wrap_int(Math.trunc(v), dtype.bits, dtype.is_signed);
}
