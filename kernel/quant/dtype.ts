// The integer ranges the course quantizes into. torch.iinfo covers the byte-sized dtypes; the
// course also asks for 4- and 2-bit ranges, which torch has no dtype for, so those are named by
// string and their codes are kept in the smallest torch dtype that holds them.
import { as_dtype, DType, int8, uint8 } from "../tensor/dtype.js";

export type QDType = DType | string;

export interface QRange {
  /** the name the range was asked for by (torch.int8, "int4", ...) */
  name: string;
  qmin: number;
  qmax: number;
  /** the torch dtype the integer codes are stored in */
  storage: DType;
}

const SUB_BYTE: Record<string, QRange> = {
  int4: { name: "int4", qmin: -8, qmax: 7, storage: int8 },
  uint4: { name: "uint4", qmin: 0, qmax: 15, storage: uint8 },
  int2: { name: "int2", qmin: -2, qmax: 1, storage: int8 },
  uint2: { name: "uint2", qmin: 0, qmax: 3, storage: uint8 },
};
const INTEGER = ["uint8", "int8", "int16", "int32"];

/** The range of `dtype`: torch.iinfo(dtype) for torch's integer types, or a sub-byte name. */
export function q_range(dtype: QDType = int8): QRange {
  const key = typeof dtype === "string" ? dtype.replace(/^torch\./, "") : dtype.name;
  const sub = SUB_BYTE[key];
  if (sub) return sub;
  let d: DType | undefined;
  try {
    d = as_dtype(dtype);
  } catch {
    d = undefined;
  }
  if (!d || !INTEGER.includes(d.name)) {
    throw new TypeError(`quantization needs an integer target type, got ${String(dtype)}; use torch.int8, torch.uint8, ` +
      `torch.int16, torch.int32 or one of "int4", "uint4", "int2", "uint2"`);
  }
  const qmin = d.is_signed ? -(2 ** (d.bits - 1)) : 0;
  return { name: String(d), qmin, qmax: d.is_signed ? 2 ** (d.bits - 1) - 1 : 2 ** d.bits - 1, storage: d };
}

/** Python's `f(x, dtype=...)` as either a positional dtype or `{ dtype }`. */
export function dtype_arg(a: QDType | { dtype?: QDType } | undefined, fallback: QDType = int8): QDType {
  if (a === undefined || a === null) return fallback;
  if (typeof a === "string" || a instanceof DType) return a;
  return a.dtype ?? fallback;
}
