// Python's json.dumps(obj, indent=2, sort_keys=True): what transformers writes index files with.
// Keys sort by code point, non-ASCII is escaped (ensure_ascii), and a JS object's habit of moving
// integer-like keys first does not apply.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function by_code_point(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function string(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function dump(v: Json, pad: string): string {
  if (v === null || typeof v !== "object") return typeof v === "string" ? string(v) : JSON.stringify(v);
  const inner = pad + "  ";
  const items = Array.isArray(v)
    ? v.map((x) => inner + dump(x, inner))
    : Object.keys(v).sort(by_code_point).map((k) => `${inner}${string(k)}: ${dump(v[k]!, inner)}`);
  if (items.length === 0) return Array.isArray(v) ? "[]" : "{}";
  const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${items.join(",\n")}\n${pad}${close}`;
}

export function python_json_dumps(v: Json): string {
  return dump(v, "");
}
