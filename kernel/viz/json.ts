// application/json for plain objects and arrays: only when the value survives JSON without loss
// (no functions, class instances, cycles, bigints or non-finite numbers), and small enough for a
// tree viewer. Tensors inside become their torch repr, which says dtype and shape where a typed
// array dump would not.
import { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/** Past this many values JupyterLab's JSON tree gets slow and the notebook file large. */
const MAX_NODES = 10_000;

class NotJSON extends Error {}

function is_plain_object(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The value as JSON data, or undefined when it is not faithfully JSON-serialisable. */
export function json_of(value: unknown): unknown {
  let nodes = 0;
  const open = new Set<object>();
  const walk = (v: unknown): unknown => {
    if (++nodes > MAX_NODES) throw new NotJSON();
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new NotJSON();
      return v;
    }
    if (v instanceof Tensor || v instanceof DType) return String(v);
    if (typeof v !== "object" || open.has(v)) throw new NotJSON();
    open.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map(walk);
    else if (typeof (v as { toJSON?: unknown }).toJSON === "function") out = walk((v as { toJSON(): unknown }).toJSON());
    else if (is_plain_object(v)) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = walk(x);
      out = o;
    } else throw new NotJSON();
    open.delete(v);
    return out;
  };
  try {
    return walk(value);
  } catch (e) {
    if (e instanceof NotJSON) return undefined;
    throw e;
  }
}

/** Whether mime_bundle offers application/json for this value: plain objects and arrays. */
export function is_json_container(value: unknown): value is object {
  return typeof value === "object" && value !== null && (Array.isArray(value) || is_plain_object(value));
}
