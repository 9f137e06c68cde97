// Reference reductions: floating sums in float64 (rounded once on store), integer sums and
// products exact in int64 (BigInt, wrapping as the native int64 accumulator does).
import { ALL_DTYPES, DType, TypedArray } from "../../dtype.js";
import { read, store } from "../../elements.js";
import { REDUCE_OPS } from "../ops.js";
import type { Dims } from "../types.js";
import { for_each_index } from "./iter.js";

const INT64 = 5;

// an int64 value into an element of O, keeping its low bits in narrower integers
function store_int64(out: TypedArray, O: DType, o: number, v: bigint): void {
  if (O.name === "int64") (out as BigInt64Array)[o] = v;
  else if (O.is_floating_point) store(out, O, o, Number(v), "int");
  else if (O.name === "bool") out[o] = v !== 0n ? 1 : 0;
  else out[o] = Number(O.is_signed ? BigInt.asIntN(O.bits, v) : BigInt.asUintN(O.bits, v));
}

export function reduce(op: number, in_dtype: number, out_dtype: number, outer: Dims,
                       out: TypedArray, out_off: number, out_strides: Dims,
                       x: TypedArray, x_off: number, x_outer_strides: Dims,
                       inner: Dims, inner_strides: Dims, correction: number): void {
  const name = REDUCE_OPS[op]!;
  const I = ALL_DTYPES[in_dtype]!, O = ALL_DTYPES[out_dtype]!;
  const total = inner.reduce((p, s) => p * s, 1);
  if (!I.is_floating_point && (name === "sum" || name === "prod")) {
    for_each_index(outer, [out_off, x_off], [out_strides, x_outer_strides], ([o, base]) => {
      let acc = name === "sum" ? 0n : 1n;
      for_each_index(inner, [base!], [inner_strides], ([i]) => {
        const v = in_dtype === INT64 ? (x as BigInt64Array)[i!]! : BigInt(read(x, I, i!));
        acc = BigInt.asIntN(64, name === "sum" ? acc + v : acc * v);
      });
      store_int64(out, O, o!, acc);
    });
    return;
  }
  for_each_index(outer, [out_off, x_off], [out_strides, x_outer_strides], ([o, base]) => {
    const vals: number[] = [];
    for_each_index(inner, [base!], [inner_strides], ([i]) => vals.push(read(x, I, i!)));
    let v: number;
    let from_float = I.is_floating_point;  // reductions produce one float64 value per output
    switch (name) {
      case "sum": v = vals.reduce((s, t) => s + t, 0); break;
      case "prod": v = vals.reduce((s, t) => s * t, 1); break;
      case "mean": v = vals.reduce((s, t) => s + t, 0) / total; break;
      case "var": {
        const mean = vals.reduce((s, t) => s + t, 0) / total;
        const m2 = vals.reduce((s, t) => s + (t - mean) * (t - mean), 0);
        v = m2 / Math.max(0, total - correction);
        break;
      }
      case "any": v = vals.some((t) => t !== 0) ? 1 : 0; break;
      case "all": v = vals.every((t) => t !== 0) ? 1 : 0; break;
      default: {
        const is_max = name === "amax" || name === "argmax";
        let best = 0, idx = -1;
        vals.forEach((t, i) => {
          const best_nan = idx >= 0 && Number.isNaN(best);
          if (idx < 0 || (!best_nan && (Number.isNaN(t) || (is_max ? t > best : t < best)))) {
            best = t;
            idx = i;
          }
        });
        if (name === "argmax" || name === "argmin") {
          v = idx;
          from_float = false;
        } else {
          v = best;
        }
      }
    }
    store(out, O, o!, v, from_float ? "scalar" : "int");
  });
}
