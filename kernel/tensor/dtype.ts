// torch dtypes as values: `torch.int8`, `torch.bfloat16`, ... whose string form is the torch
// name. Codes match native/src/kernels/dtype.h.
import { inspect } from "node:util";

export type DTypeName =
  | "bool" | "uint8" | "int8" | "int16" | "int32" | "int64"
  | "float16" | "bfloat16" | "float32" | "float64";

export type TypedArray =
  | Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint16Array | Float32Array | Float64Array;

type ArrayCtor = { new (n: number): TypedArray; new (b: ArrayBufferLike, off: number, len: number): TypedArray; BYTES_PER_ELEMENT: number };

export class DType {
  /** @internal */
  constructor(
    readonly name: DTypeName,
    readonly code: number,
    readonly itemsize: number,
    readonly is_floating_point: boolean,
    readonly is_signed: boolean,
    /** @internal */ readonly array: ArrayCtor,
  ) {}
  get bits(): number {
    return this.itemsize * 8;
  }
  toString(): string {
    return `torch.${this.name}`;
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export const bool = new DType("bool", 0, 1, false, false, Uint8Array);
export const uint8 = new DType("uint8", 1, 1, false, false, Uint8Array);
export const int8 = new DType("int8", 2, 1, false, true, Int8Array);
export const int16 = new DType("int16", 3, 2, false, true, Int16Array);
export const int32 = new DType("int32", 4, 4, false, true, Int32Array);
export const int64 = new DType("int64", 5, 8, false, true, BigInt64Array as unknown as ArrayCtor);
export const float16 = new DType("float16", 6, 2, true, true, Uint16Array);
export const bfloat16 = new DType("bfloat16", 7, 2, true, true, Uint16Array);
export const float32 = new DType("float32", 8, 4, true, true, Float32Array);
export const float64 = new DType("float64", 9, 8, true, true, Float64Array);

/** By code, in code order. */
export const ALL_DTYPES: readonly DType[] = [bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64];

const BY_NAME: Record<string, DType> = {
  ...Object.fromEntries(ALL_DTYPES.map((d) => [d.name, d])),
  float: float32, double: float64, half: float16, long: int64, int: int32, short: int16,
};

/** Accepts a DType, a torch name ("float32", "torch.float32") or an alias ("float", "long"). */
export function as_dtype(d: DType | string): DType {
  if (d instanceof DType) return d;
  const key = String(d).replace(/^torch\./, "");
  const found = BY_NAME[key];
  if (!found) {
    throw new TypeError(`unknown dtype '${d}'; expected one of ${ALL_DTYPES.map(String).join(", ")}`);
  }
  return found;
}

export function allocate(dtype: DType, n: number): TypedArray {
  return new dtype.array(n);
}

// ---- type promotion (c10's promoteTypes lattice, bool < integers < floats)

const ORDER = ["b1", "u1", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8"] as const;
// prettier-ignore
const PROMOTE: string[][] = [
  /*        b1    u1    i1    i2    i4    i8    f2    bf    f4    f8 */
  /* b1 */ ["b1", "u1", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8"],
  /* u1 */ ["u1", "u1", "i2", "i2", "i4", "i8", "f2", "bf", "f4", "f8"],
  /* i1 */ ["i1", "i2", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8"],
  /* i2 */ ["i2", "i2", "i2", "i2", "i4", "i8", "f2", "bf", "f4", "f8"],
  /* i4 */ ["i4", "i4", "i4", "i4", "i4", "i8", "f2", "bf", "f4", "f8"],
  /* i8 */ ["i8", "i8", "i8", "i8", "i8", "i8", "f2", "bf", "f4", "f8"],
  /* f2 */ ["f2", "f2", "f2", "f2", "f2", "f2", "f2", "f4", "f4", "f8"],
  /* bf */ ["bf", "bf", "bf", "bf", "bf", "bf", "f4", "bf", "f4", "f8"],
  /* f4 */ ["f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f8"],
  /* f8 */ ["f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8"],
];

/** torch.promote_types */
export function promote_types(a: DType, b: DType): DType {
  const r = PROMOTE[a.code]![b.code]!;
  return ALL_DTYPES[ORDER.indexOf(r as (typeof ORDER)[number])]!;
}

/** 0 bool, 1 integer, 2 floating: the categories of torch's result_type. */
export function category(d: DType): number {
  return d === bool ? 0 : d.is_floating_point ? 2 : 1;
}
