// Reference cast / binary / unary / where kernels: one element at a time through JS numbers.
import { ALL_DTYPES, DType, TypedArray } from "../../dtype.js";
import { convert, read, store, store_bigint, write } from "../../elements.js";
import { BINARY_OPS, op_dtype_error, PREDICATES, UNARY_OPS } from "../ops.js";
import type { Dims } from "../types.js";
import { binary_i64, to_i64, unary_i64 } from "./int64.js";
import { check_output, for_each_index } from "./iter.js";
import { raw } from "./raw.js";
import { add_alpha, arith, binary_scalar, unary_scalar } from "./scalar_ops.js";

const dt = (code: number) => ALL_DTYPES[code]!;

// float32, float16 and bfloat16 compute in float32; the rest in themselves
function compute_code(code: number): number {
  return code === 6 || code === 7 ? 8 : code;
}

export function cast(shape: Dims, dst: TypedArray, dst_dtype: number, dst_off: number, dst_strides: Dims,
                     src: TypedArray, src_dtype: number, src_off: number, src_strides: Dims): void {
  const D = dt(dst_dtype), S = dt(src_dtype);
  check_output("cast output", shape, dst_strides);
  for_each_index(shape, [dst_off, src_off], [dst_strides, src_strides], mover(D, S, dst, src));
}

// How one element moves from src to dst, with torch's rules (see elements.ts convert).
function mover(D: DType, S: DType, dst: TypedArray, src: TypedArray): (idx: number[]) => void {
  if (D === S) {
    const d = raw(dst), s = raw(src);
    return ([o, i]) => { d[o!] = s[i!]!; };
  }
  if (S.name === "bfloat16" && D.name === "float32") {
    // a bf16 is the upper half of a float32, NaN payloads (even signalling ones) included
    const d = raw(dst), s = src as Uint16Array;
    return ([o, i]) => { d[o!] = s[i!]! << 16 >>> 0; };
  }
  if (S.name === "int64") {
    // exactly, whatever the magnitude: a JS number would drop bits beyond 2^53
    const s = src as BigInt64Array;
    return ([o, i]) => store_bigint(dst, D, o!, s[i!]!);
  }
  // from a float16, bfloat16 NaN is c10::BFloat16's 0x7fc0, as torch's (scalar) copy gives it
  const src_kind = !S.is_floating_point ? "int" : S.name === "float64" || S.name === "float16" ? "scalar" : "float";
  return ([o, i]) => store(dst, D, o!, read(src, S, i!), src_kind);
}

function check(op: string, T: DType, O: DType): void {
  const e = op_dtype_error(op, T, O);
  if (e) throw new TypeError(e);
}

export function binary(op: number, dtype: number, out_dtype: number, shape: Dims,
                       out: TypedArray, out_off: number, out_strides: Dims,
                       a: TypedArray | number, a_off: number, a_strides: Dims,
                       b: TypedArray | number, b_off: number, b_strides: Dims, alpha?: number): void {
  const name = BINARY_OPS[op]!;
  const T = dt(dtype), O = dt(out_dtype);
  check(name, T, O);
  if (typeof a === "number" && typeof b === "number") throw new TypeError(`${name}: at most one operand may be a scalar`);
  check_output("output", shape, out_strides);
  const pred = PREDICATES.has(name);
  const offsets = [out_off, a_off, b_off], strides = [out_strides, a_strides, b_strides];
  if (T.name === "int64") {
    const sa = typeof a === "number" ? to_i64(a) : 0n, sb = typeof b === "number" ? to_i64(b) : 0n;
    for_each_index(shape, offsets, strides, ([o, i, j]) => {
      const x = typeof a === "number" ? sa : (a as BigInt64Array)[i!]!;
      const y = typeof b === "number" ? sb : (b as BigInt64Array)[j!]!;
      const v = binary_i64(name, x, y, alpha === undefined ? undefined : to_i64(alpha));
      if (pred) out[o!] = Number(v);
      else (out as BigInt64Array)[o!] = v;
    });
    return;
  }
  const A = arith(compute_code(dtype));
  // scalar operands are converted to the compute type, as the native kernels do
  const sa = typeof a === "number" ? convert(a, A.dtype, "scalar") : 0;
  const sb = typeof b === "number" ? convert(b, A.dtype, "scalar") : 0;
  for_each_index(shape, offsets, strides, ([o, i, j]) => {
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
  check(name, T, O);
  check_output("output", shape, out_strides);
  const pred = PREDICATES.has(name);
  if (T.name === "int64") {
    for_each_index(shape, [out_off, x_off], [out_strides, x_strides], ([o, i]) => {
      const v = unary_i64(name, (x as BigInt64Array)[i!]!, params);
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
  check_output("output", shape, out_strides);
  const o_raw = raw(out), a_raw = raw(a), b_raw = raw(b);
  for_each_index(shape, [out_off, cond_off, a_off, b_off], [out_strides, cond_strides, a_strides, b_strides],
    ([o, c, i, j]) => {
      o_raw[o!] = cond[c!] ? a_raw[i!]! : b_raw[j!]!;
    });
}
