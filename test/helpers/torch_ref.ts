// Reading the PyTorch reference files of test/fixtures/torch (written by
// test/fixtures/gen/gen_torch_ops.py, encoding described in gen/common.py) and comparing lowbit's
// results with them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { torch } from "../../kernel/index.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { REPO_ROOT } from "./fixtures.js";

export interface EncTensor {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}
export type Operand =
  | { ref: string }
  | { t: EncTensor }
  | { int: number | string }
  | { float: number | string }
  | { bool: boolean }
  | { list: number[] };
/** What torch gave: a result, or the first line of the error it raised. */
export type Outcome<T = unknown> = { out: T; error?: undefined } | { error: string; out?: undefined };

export function torch_fixture<T = any>(name: string): T {  // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "test", "fixtures", "torch", `${name}.json`), "utf8"));
}

function float_of(v: number | string): number {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return Number(v);
}

type Value = number | bigint | boolean;

/** The exact values an encoded tensor holds: numbers (float32 ones rounded from their short
 *  decimal), bigints for int64, booleans for bool. */
export function values_of(e: EncTensor): Value[] {
  switch (e.dtype) {
    case "bool": return e.data.map((v) => v === 1);
    case "int64": return e.data.map((v) => BigInt(v));
    case "float32": return e.data.map((v) => Math.fround(float_of(v)));
    default: return e.data.map(float_of);
  }
}

export function decode(e: EncTensor): Tensor {
  const dtype = torch[e.dtype as "float32"];
  return torch.tensor(values_of(e) as number[], { dtype }).reshape(e.shape);
}

/** A JS argument from an operand: tensors, Python ints and floats as numbers, bools. */
export function operand(o: Operand, inputs: Record<string, EncTensor> = {}): Tensor | number | bigint | boolean | number[] {
  if ("ref" in o) {
    const t = inputs[o.ref];
    if (!t) throw new Error(`fixture input ${o.ref} is missing`);
    return decode(t);
  }
  if ("t" in o) return decode(o.t);
  if ("int" in o) return typeof o.int === "string" ? BigInt(o.int) : o.int;
  if ("float" in o) return float_of(o.float);
  if ("list" in o) return o.list;
  return o.bool;
}

/** The elements of a lowbit tensor in row-major order, in the same representation as values_of. */
export function actual_values(t: Tensor): Value[] {
  const c = t.contiguous();
  if (c.dtype === torch.int64) return Array.from((c._data as BigInt64Array).subarray(c._offset, c._offset + c.numel()));
  return ((c.numel() === 0 ? [] : c.reshape(-1).tolist()) as Value[]);
}

const MANTISSA: Record<string, [number, number]> = {
  float16: [10, -14], bfloat16: [7, -126], float32: [23, -126], float64: [52, -1022],
};

/** |a - b| in units of the last place of `dtype` at b (the expected value). */
export function ulps(a: number, b: number, dtype: string): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 0 : Infinity;
  const [m, emin] = MANTISSA[dtype]!;
  const e = b === 0 ? emin : Math.max(Math.floor(Math.log2(Math.abs(b))), emin);
  return Math.abs(a - b) / 2 ** (e - m);
}

export interface Tolerance {
  /** allowed distance in ulps of the output type */
  ulp?: number;
  /** allowed relative difference |a - b| <= rtol * |b|, or rtol * scale[i] when given */
  rtol?: number;
  scale?: readonly number[];
}

function close(a: Value, b: Value, dtype: string, tol: Tolerance, scale: number): boolean {
  if (Object.is(a, b)) return true;  // signed zeros differ, NaN is NaN
  if (typeof a !== "number" || typeof b !== "number") return false;
  if (tol.ulp !== undefined && ulps(a, b, dtype) <= tol.ulp) return true;
  if (tol.rtol !== undefined && Number.isFinite(b) && Math.abs(a - b) <= tol.rtol * scale) return true;
  return false;
}

const show = (v: Value) => (typeof v === "bigint" ? `${v}n` : Object.is(v, -0) ? "-0" : String(v));

/** Why `actual` differs from torch's `expected` (dtype, shape, then values; exact unless a
 *  tolerance is given -- signed zeros count, NaN equals NaN), or null when it does not. */
export function mismatch(actual: Tensor, expected: EncTensor, tol: Tolerance = {}): string | null {
  if (String(actual.dtype) !== `torch.${expected.dtype}`) return `dtype ${actual.dtype}, torch gives torch.${expected.dtype}`;
  const shape = [...actual.shape];
  if (shape.length !== expected.shape.length || shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${shape}], torch gives [${expected.shape}]`;
  }
  const a = actual_values(actual), b = values_of(expected);
  const bad: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const scale = tol.scale ? tol.scale[i]! : typeof b[i] === "number" ? Math.abs(b[i] as number) : 0;
    if (!close(a[i]!, b[i]!, expected.dtype, tol, scale)) bad.push(`[${i}] ${show(a[i]!)} vs torch ${show(b[i]!)}`);
  }
  return bad.length ? `${bad.length}/${b.length} elements differ: ${bad.slice(0, 6).join(", ")}${bad.length > 6 ? ", ..." : ""}` : null;
}

/** A short label for an operand in failure messages. */
export function describe_operand(o: Operand | null | undefined): string {
  if (o === null || o === undefined) return "None";
  if ("ref" in o) return o.ref;
  if ("t" in o) return o.t.shape.length === 0 ? `tensor(${o.t.data[0]}, ${o.t.dtype})` : `tensor<${o.t.dtype}>[${o.t.shape}]`;
  if ("int" in o) return String(o.int);
  if ("float" in o) return `${o.float}(float)`;
  if ("list" in o) return `[${o.list}]`;
  return o.bool ? "True" : "False";
}
