// How a test compares a learner's value with the expected one: exactly (numbers, strings, dtypes,
// nested arrays, plain objects, tensors with their dtype and shape) or within tolerances
// (|actual - expected| <= atol + rtol * |expected|, torch.allclose's rule). Each returns null when
// the values agree, else a short description of the first difference.
import { inspect } from "node:util";
import { Tensor } from "../tensor/tensor.js";

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** A value as a learner reads it: torch's repr for tensors, Python-like text otherwise. */
export function show(v: unknown): string {
  const s = v instanceof Tensor ? String(v) : typeof v === "string" ? JSON.stringify(v) : inspect(v, { depth: 3, breakLength: Infinity, maxArrayLength: 12 });
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

const at = (path: string) => (path ? ` at ${path}` : "");

function tensor_mismatch(actual: unknown, expected: Tensor): string | null {
  if (!(actual instanceof Tensor)) return `expected a tensor, got ${show(actual)}`;
  if (String(actual.dtype) !== String(expected.dtype)) return `expected dtype ${expected.dtype}, got ${actual.dtype}`;
  const shape = (t: Tensor) => `[${[...t.shape].join(", ")}]`;
  if (shape(actual) !== shape(expected)) return `expected shape ${shape(expected)}, got ${shape(actual)}`;
  return null;
}

/** Exact comparison; a tensor compares with a tensor (dtype, shape, values) or with nested arrays. */
export function mismatch(actual: unknown, expected: unknown, tol: Tolerance | null = null, path = ""): string | null {
  if (expected instanceof Tensor) {
    const t = tensor_mismatch(actual, expected);
    if (t) return t;
    return mismatch((actual as Tensor).tolist(), expected.tolist(), tol, path);
  }
  if (actual instanceof Tensor) actual = actual.tolist();
  if (typeof expected === "number" && typeof actual === "number") {
    if (Object.is(actual, expected) || actual === expected) return null;
    if (tol && Number.isNaN(actual) === Number.isNaN(expected) && Math.abs(actual - expected) <= (tol.atol ?? 1e-8) + (tol.rtol ?? 1e-5) * Math.abs(expected)) return null;
    return `expected ${show(expected)}, got ${show(actual)}${at(path)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `expected an array, got ${show(actual)}${at(path)}`;
    if (actual.length !== expected.length) return `expected ${expected.length} elements, got ${actual.length}${at(path)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(actual[i], expected[i], tol, `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (expected && typeof expected === "object" && Object.getPrototypeOf(expected) === Object.prototype) {
    if (!actual || typeof actual !== "object") return `expected an object, got ${show(actual)}${at(path)}`;
    for (const k of Object.keys(expected)) {
      const m = mismatch((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], tol, `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  // dtypes and other objects with a torch-like string form (torch.int8) compare by it
  if (expected && typeof expected === "object") return String(actual) === String(expected) ? null : `expected ${String(expected)}, got ${show(actual)}${at(path)}`;
  return Object.is(actual, expected) ? null : `expected ${show(expected)}, got ${show(actual)}${at(path)}`;
}
