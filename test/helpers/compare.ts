// Element-wise comparison of a native output storage with the reference's: bit for bit by
// default, or within an error bound plus a number of steps (ulps) of the output type.
import { expect } from "vitest";
import { DType, TypedArray } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { f32_bits, to_bf16, to_f16 } from "../../kernel/tensor/half.js";
import { round_to } from "./values.js";

export interface Options {
  /** storage indices of the output view; every other element must keep its bits */
  view?: readonly number[];
  tol?: Tolerance;
  /** NaNs must keep their exact bits too (pure data movement: same-dtype casts, where) */
  nan_bits?: boolean;
}

export interface Tolerance {
  /** a bound on |got - want| for the element at storage index i before either was rounded to
   *  the output type; the two roundings then allow one more step of the output type */
  err?: (i: number) => number;
  /** steps of the output type allowed (beyond err) */
  ulps?: number;
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** A float's position on the number line of its type: neighbours differ by 1, ±0 are both 0. */
export function ordinal(dtype: DType, v: number): bigint {
  let b: bigint, sign: bigint;
  switch (dtype.name) {
    case "float16": { const h = to_f16(v); b = BigInt(h & 0x7fff); sign = BigInt(h & 0x8000); break; }
    case "bfloat16": { const h = to_bf16(v); b = BigInt(h & 0x7fff); sign = BigInt(h & 0x8000); break; }
    case "float32": { const u = f32_bits(v); b = BigInt(u & 0x7fffffff); sign = BigInt(u >>> 31); break; }
    default: { f64[0] = v; b = i64[0]! & 0x7fffffffffffffffn; sign = i64[0]! < 0n ? 1n : 0n; }
  }
  return sign ? -b : b;
}

// The element's raw bits (16-bit floats are stored as bits already; f32/f64 are reinterpreted).
function raw(data: TypedArray, dtype: DType, i: number): bigint {
  if (dtype.name === "float32") return BigInt(f32_bits((data as Float32Array)[i]!));
  if (dtype.name === "float64") { f64[0] = (data as Float64Array)[i]!; return i64[0]!; }
  return BigInt(data[i]!);
}

// bfloat16 NaN patterns are part of the contract (0xffff vs 0x7fc0, see dtype.h); the sign and
// payload of a computed NaN are whatever the hardware produced, which JavaScript cannot mirror
function nan_ok(dtype: DType, g: bigint, w: bigint, exact: boolean): boolean {
  return (dtype.name !== "bfloat16" && !exact) || g === w;
}

function within(dtype: DType, g: number, w: number, err: number, ulps: number): boolean {
  if (!(err >= 0 && err < Infinity)) throw new Error(`error bound ${err}: a bound must be finite, or it checks nothing`);
  const o = ordinal(dtype, g);
  return o >= ordinal(dtype, round_to(dtype, w - err)) - BigInt(ulps) && o <= ordinal(dtype, round_to(dtype, w + err)) + BigInt(ulps);
}

function bytes(t: TypedArray): Buffer {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
}

/** Compares whole storages, element by element (bit for bit unless opts say otherwise). */
export function expect_storage(got: TypedArray, want: TypedArray, dtype: DType, what: string, opts: Options = {}): void {
  const { view, tol } = opts;
  expect(got.length, what).toBe(want.length);
  if (bytes(got).equals(bytes(want))) return;
  const in_view = new Uint8Array(got.length);
  if (view) for (const i of view) in_view[i] = 1;
  else in_view.fill(1);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < got.length; i++) {
    const gb = raw(got, dtype, i), wb = raw(want, dtype, i);
    if (gb === wb) continue;
    if (dtype.is_floating_point && in_view[i]) {
      const g = read(got, dtype, i), w = read(want, dtype, i);
      if (Number.isNaN(g) && Number.isNaN(w) && nan_ok(dtype, gb, wb, opts.nan_bits ?? false)) continue;
      if (tol && !Number.isNaN(g) && !Number.isNaN(w) && within(dtype, g, w, tol.err?.(i) ?? 0, (tol.ulps ?? 0) + (tol.err ? 1 : 0))) continue;
    }
    if (++count <= 6) {
      const show = (b: bigint, v: number | bigint) => `${v} (0x${BigInt.asUintN(dtype.itemsize * 8, b).toString(16)})`;
      const val = (d: TypedArray) => (dtype.name === "int64" ? (d as BigInt64Array)[i]! : read(d, dtype, i));
      bad.push(`[${i}${in_view[i] ? "" : ", outside the view"}] got ${show(gb, val(got))}, want ${show(wb, val(want))}${tol?.err ? ` (err bound ${tol.err(i)})` : ""}`);
    }
  }
  expect(bad, `${what}: ${count} of ${got.length} elements differ`).toEqual([]);
}
