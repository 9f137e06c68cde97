// Reference cast / binary / unary / where kernels: one element at a time through JS numbers, and
// through BigInt for int64 (./int64.ts).
import { ALL_DTYPES, TypedArray } from "../../dtype.js";
import { read, store, write, convert } from "../../elements.js";
import { BINARY_OPS, PREDICATES, UNARY_OPS } from "../ops.js";
import type { Dims } from "../types.js";
import { binary_int64, unary_int64 } from "./int64.js";
import { for_each_index } from "./iter.js";
import { add_alpha, arith, binary_scalar, unary_scalar } from "./scalar_ops.js";

const dt = (code: number) => ALL_DTYPES[code]!;
const INT64 = 5;

// float32, float16 and bfloat16 compute in float32; the rest in themselves
function compute_code(code: number): number {
  return code === 6 || code === 7 ? 8 : code;
}

export function cast(shape: Dims, dst: TypedArray, dst_dtype: number, dst_off: number, dst_strides: Dims,
                     src: TypedArray, src_dtype: number, src_off: number, src_strides: Dims): void {
  const D = dt(dst_dtype), S = dt(src_dtype);
  // int64 into a narrower integer keeps its low bits, which a JS number may have lost
  const low_bits = src_dtype === INT64 && !D.is_floating_point && dst_dtype !== 0 && dst_dtype !== INT64;
  for_each_index(shape, [dst_off, src_off], [dst_strides, src_strides], ([o, i]) => {
    if (low_bits) {
      const v = (src as BigInt64Array)[i!]!;
      write(dst, D, o!, Number(D.is_signed ? BigInt.asIntN(D.bits, v) : BigInt.asUintN(D.bits, v)));
    } else if (src_dtype === INT64 && dst_dtype === INT64) {
      (dst as BigInt64Array)[o!] = (src as BigInt64Array)[i!]!;
    } else {
      store(dst, D, o!, read(src, S, i!), S.is_floating_point ? (S.name === "float64" ? "scalar" : "float") : "int");
    }
  });
}

// int64 operands and results, exactly; scalars arrive as (already integral) numbers
function binary_big(name: string, out_dtype: number, shape: Dims,
                    out: TypedArray, out_off: number, out_strides: Dims,
                    a: TypedArray | number, a_off: number, a_strides: Dims,
                    b: TypedArray | number, b_off: number, b_strides: Dims, alpha?: number): void {
  const sa = typeof a === "number" ? BigInt(a) : 0n, sb = typeof b === "number" ? BigInt(b) : 0n;
  const al = alpha === undefined ? undefined : BigInt(alpha);
  const pred = out_dtype !== INT64;
  for_each_index(shape, [out_off, a_off, b_off], [out_strides, a_strides, b_strides], ([o, i, j]) => {
    const x = typeof a === "number" ? sa : (a as BigInt64Array)[i!]!;
    const y = typeof b === "number" ? sb : (b as BigInt64Array)[j!]!;
    const v = binary_int64(name, x, y, al);
    if (pred) out[o!] = Number(v);
    else (out as BigInt64Array)[o!] = v;
  });
}

export function binary(op: number, dtype: number, out_dtype: number, shape: Dims,
                       out: TypedArray, out_off: number, out_strides: Dims,
                       a: TypedArray | number, a_off: number, a_strides: Dims,
                       b: TypedArray | number, b_off: number, b_strides: Dims, alpha?: number): void {
  const name = BINARY_OPS[op]!;
  if (dtype === INT64) return binary_big(name, out_dtype, shape, out, out_off, out_strides, a, a_off, a_strides, b, b_off, b_strides, alpha);
  const T = dt(dtype), O = dt(out_dtype);
  const A = arith(compute_code(dtype));
  // scalar operands are converted to the compute type, as the native kernels do
  const sa = typeof a === "number" ? convert(a, A.dtype, "scalar") : 0;
  const sb = typeof b === "number" ? convert(b, A.dtype, "scalar") : 0;
  const pred = PREDICATES.has(name);
  for_each_index(shape, [out_off, a_off, b_off], [out_strides, a_strides, b_strides], ([o, i, j]) => {
    const x = typeof a === "number" ? sa : read(a, T, i!);
    const y = typeof b === "number" ? sb : read(b, T, j!);
    const v = alpha === undefined ? binary_scalar(name, x, y, A) : add_alpha(x, y, alpha, A);
    if (pred) write(out, O, o!, v);
    else store(out, O, o!, v, T.is_floating_point ? "float" : "int");
  });
}

export function unary(op: number, dtype: number, out_dtype: number, shape: Dims,
                      out: TypedArray, out_off: number, out_strides: Dims,
                      x: TypedArray, x_off: number, x_strides: Dims, params: readonly number[] = []): void {
  const name = UNARY_OPS[op]!;
  const T = dt(dtype), O = dt(out_dtype);
  const pred = PREDICATES.has(name);
  if (dtype === INT64) {
    for_each_index(shape, [out_off, x_off], [out_strides, x_strides], ([o, i]) => {
      const v = unary_int64(name, (x as BigInt64Array)[i!]!, params);
      if (pred) out[o!] = Number(v);
      else (out as BigInt64Array)[o!] = v;
    });
    return;
  }
  const A = arith(compute_code(dtype));
  for_each_index(shape, [out_off, x_off], [out_strides, x_strides], ([o, i]) => {
    const v = unary_scalar(name, read(x, T, i!), A, params);
    if (pred) write(out, O, o!, v);
    else store(out, O, o!, v, T.is_floating_point ? "float" : "int");
  });
}

export function where(dtype: number, shape: Dims, out: TypedArray, out_off: number, out_strides: Dims,
                      cond: TypedArray, cond_off: number, cond_strides: Dims,
                      a: TypedArray, a_off: number, a_strides: Dims,
                      b: TypedArray, b_off: number, b_strides: Dims): void {
  for_each_index(shape, [out_off, cond_off, a_off, b_off], [out_strides, cond_strides, a_strides, b_strides],
    ([o, c, i, j]) => {
      out[o!] = cond[c!] ? a[i!]! : b[j!]!;
    });
}
