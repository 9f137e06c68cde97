// safetensors dtype names. The Rust crate's Dtype enum lists them in increasing alignment and
// save_file lays tensors out in descending enum order, so the order here decides the file layout.
import { as_dtype, type DType } from "../../tensor/dtype.js";

// name -> bytes per element, in the crate's enum order
const CRATE: ReadonlyMap<string, number> = new Map([
  ["BOOL", 1], ["U8", 1], ["I8", 1], ["F8_E5M2", 1], ["F8_E4M3", 1], ["I16", 2], ["U16", 2], ["F16", 2], ["BF16", 2],
  ["I32", 4], ["U32", 4], ["F32", 4], ["F64", 8], ["I64", 8], ["U64", 8],
]);
const CRATE_ORDER = [...CRATE.keys()];

const TO_TORCH: Record<string, string> = {
  BOOL: "bool", U8: "uint8", I8: "int8", I16: "int16", I32: "int32", I64: "int64",
  F16: "float16", BF16: "bfloat16", F32: "float32", F64: "float64",
};
const FROM_TORCH: Record<string, string> = Object.fromEntries(Object.entries(TO_TORCH).map(([st, t]) => [t, st]));

export const SUPPORTED = Object.keys(TO_TORCH);

/** The lowbit dtype of a safetensors dtype name, or undefined for one lowbit has no tensor type for. */
export function dtype_of(name: string): DType | undefined {
  return Object.hasOwn(TO_TORCH, name) ? as_dtype(TO_TORCH[name]!) : undefined;
}

export function safetensors_name(d: DType): string {
  return FROM_TORCH[d.name]!;
}

/** Bytes per element of any dtype the format defines (so a file can be checked, and its other
 *  tensors read, even where one tensor has a dtype lowbit cannot represent); undefined if unknown. */
export function itemsize_of(name: string): number | undefined {
  return CRATE.get(name);
}

/** Position in the crate's enum: higher is written first. */
export function crate_rank(name: string): number {
  return CRATE_ORDER.indexOf(name);
}
