// Reference reductions: floating sums in float64 (rounded once on store); integers in BigInt,
// wrapping like torch's int64 accumulator (a JS number would lose bits beyond 2^53).
import { ALL_DTYPES, TypedArray } from "../../dtype.js";
import { read, read_bigint, store, store_bigint } from "../../elements.js";
import { REDUCE_OPS } from "../ops.js";
import type { Dims } from "../types.js";
import { check_output, for_each_index } from "./iter.js";

// The position of the first maximum (minimum); a NaN wins and stays, as in torch.
function best_index<T extends number | bigint>(vals: readonly T[], is_max: boolean): number {
  let idx = -1;
  vals.forEach((t, i) => {
    const b = vals[idx]!;
    const best_nan = idx >= 0 && b !== b;
    if (idx < 0 || (!best_nan && (t !== t || (is_max ? t > b : t < b)))) idx = i;
  });
  return idx;
}

function float_reduction(name: string, vals: number[], total: number, correction: number): number {
  const sum = () => vals.reduce((s, t) => s + t, 0);
  switch (name) {
    case "sum": return sum();
    case "prod": return vals.reduce((s, t) => s * t, 1);
    case "mean": return sum() / total;
    case "var": {
      const mean = sum() / total;
      return vals.reduce((s, t) => s + (t - mean) * (t - mean), 0) / Math.max(0, total - correction);
    }
    case "any": return vals.some((t) => t !== 0) ? 1 : 0;
    case "all": return vals.every((t) => t !== 0) ? 1 : 0;
    default: return vals[best_index(vals, name === "amax")] ?? 0;
  }
}

function int_reduction(name: string, vals: bigint[], total: number, correction: number): bigint | number {
  const sum = () => vals.reduce((s, t) => BigInt.asIntN(64, s + t), 0n);
  switch (name) {
    case "sum": return sum();
    case "prod": return vals.reduce((s, t) => BigInt.asIntN(64, s * t), 1n);
    case "mean": return Number(sum()) / total;
    case "var": return float_reduction(name, vals.map(Number), total, correction);
    case "any": return vals.some((t) => t !== 0n) ? 1n : 0n;
    case "all": return vals.every((t) => t !== 0n) ? 1n : 0n;
    default: return vals[best_index(vals, name === "amax")] ?? 0n;
  }
}

export function reduce(op: number, in_dtype: number, out_dtype: number, outer: Dims,
                       out: TypedArray, out_off: number, out_strides: Dims,
                       x: TypedArray, x_off: number, x_outer_strides: Dims,
                       inner: Dims, inner_strides: Dims, correction: number): void {
  const name = REDUCE_OPS[op]!;
  const I = ALL_DTYPES[in_dtype]!, O = ALL_DTYPES[out_dtype]!;
  const total = inner.reduce((p, s) => p * s, 1);
  const arg = name === "argmax" || name === "argmin";
  check_output("output", outer, out_strides);
  for_each_index(outer, [out_off, x_off], [out_strides, x_outer_strides], ([o, base]) => {
    const at: number[] = [];
    for_each_index(inner, [base!], [inner_strides], ([i]) => at.push(i!));
    if (I.is_floating_point) {
      const vals = at.map((i) => read(x, I, i));
      if (arg) return store(out, O, o!, best_index(vals, name === "argmax"), "int");
      // one float64 value per output, converted once
      return store(out, O, o!, float_reduction(name, vals, total, correction), "scalar");
    }
    const vals = at.map((i) => read_bigint(x, I, i));
    if (arg) return store(out, O, o!, best_index(vals, name === "argmax"), "int");
    const v = int_reduction(name, vals, total, correction);
    if (typeof v === "bigint") store_bigint(out, O, o!, v);
    else store(out, O, o!, v, "scalar");
  });
}
