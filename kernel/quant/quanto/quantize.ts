// optimum-quanto's quantize(model, weights, activations, include, exclude) and freeze(model)
// (quantize.py): every nn.Linear whose dotted name (from named_modules) matches `include` (if given)
// and no `exclude` pattern (fnmatch globs, or plain names) becomes a QLinear sharing its weight,
// and with activations every such nn.LayerNorm becomes a QLayerNorm.
import { DType } from "../../tensor/dtype.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { QLayerNorm } from "./qlayernorm.js";
import { QLinear } from "./qlinear.js";
import { is_qmodule } from "./qmodule.js";
import { as_activation_qtype, as_qtype, qtype } from "./qtypes.js";
import { WeightQBitsTensor, WeightQBytesTensor, AbsmaxOptimizer, MaxOptimizer } from "./weights.js";

export interface QuantizeOptions {
  weights?: qtype | DType | string | null;
  activations?: qtype | DType | string | null;
  optimizer?: AbsmaxOptimizer | MaxOptimizer | null;
  include?: string | readonly string[] | null;
  exclude?: string | readonly string[] | null;
}

/** Python's fnmatch.fnmatch on module names (case-sensitive, as on POSIX): `*`, `?`, `[seq]`,
 *  `[!seq]`. */
export function fnmatch(name: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const j = pattern.indexOf("]", i + 2);
      if (j < 0) { re += "\\["; continue; }
      let body = pattern.slice(i + 1, j);
      const neg = body.startsWith("!");
      if (neg) body = body.slice(1);
      re += `[${neg ? "^" : ""}${body.replace(/\\/g, "\\\\").replace(/\^/g, "\\^")}]`;
      i = j;
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^(?:${re})$`, "s").test(name);
}

function patterns(v: unknown, key: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((p) => typeof p === "string")) return v;
  throw new TypeError(`quanto.quantize: ${key} must be a module name / glob pattern or a list of them, e.g. ["lm_head", "*.attention.*"]`);
}

/** quanto.quantize(model, { weights, activations, include, exclude }): replaces the model's
 *  nn.Linear layers by QLinear in place (weights quantized on the fly until freeze) and, with
 *  activations, its nn.LayerNorm layers by QLayerNorm. */
export function quantize(model: Module, o: QuantizeOptions = {}): void {
  const fn = "quanto.quantize";
  if (!(model instanceof Module)) throw new TypeError(`${fn}: expected an nn.Module, got ${typeof model}`);
  if (typeof o !== "object" || o === null) throw new TypeError(`${fn}: options must be an object such as { weights: quanto.qint8 }`);
  const activations = o.activations == null ? null : as_activation_qtype(o.activations, fn);
  if (o.weights == null && activations === null) {
    throw new TypeError(`${fn}: weights must be given (quanto.qint8, quanto.qint4 or quanto.qint2), or activations (quanto.qint8) to quantize LayerNorm outputs`);
  }
  const weights = o.weights == null ? null : as_qtype(o.weights, fn);
  const include = patterns(o.include, "include");
  const exclude = patterns(o.exclude, "exclude");
  if (model instanceof Linear || (activations && model instanceof LayerNorm)) {
    throw new TypeError(`${fn}: the model itself is an nn.${model._get_name()}, which cannot be replaced in place; wrap it (nn.Sequential(layer)) or use quanto.${model instanceof Linear ? "QLinear" : "QLayerNorm"}.from_module`);
  }
  const targets: [string, Linear | LayerNorm][] = [];
  for (const [name, m] of model.named_modules()) {
    if (include && !include.some((p) => fnmatch(name, p))) continue;
    if (exclude && exclude.some((p) => fnmatch(name, p))) continue;
    if (m instanceof Linear || (activations && m instanceof LayerNorm && !(m instanceof QLayerNorm))) targets.push([name, m]);
  }
  // quanto would make weightless QLinear layers whose forward fails; refuse before changing anything
  const weightless = weights === null ? targets.filter(([, m]) => m instanceof Linear).map(([n]) => n) : [];
  if (weightless.length) {
    throw new TypeError(`${fn}: without weights the nn.Linear layers ${weightless.slice(0, 3).map((n) => `"${n}"`).join(", ")}${weightless.length > 3 ? ", ..." : ""} ` +
      `cannot become QLinear (quanto's QLinear needs quantized weights); pass weights: quanto.qint8, or exclude them (e.g. include: "*layernorm*")`);
  }
  for (const [name, m] of targets) {
    const q = m instanceof Linear
      ? QLinear.from_module(m, { weights, activations, optimizer: o.optimizer ?? null })
      : QLayerNorm.from_module(m, { activations })!;
    Object.defineProperty(q, "name", { enumerable: false, writable: true, configurable: true, value: name });
    const dot = name.lastIndexOf(".");
    const parent = model.get_submodule(dot < 0 ? "" : name.slice(0, dot));
    (parent as unknown as Record<string, unknown>)[name.slice(dot + 1)] = q;
  }
}

/** quanto.freeze(model): every QLinear stores its quantized weight (and drops the float one). */
export function freeze(model: Module): void {
  const fn = "quanto.freeze";
  if (!(model instanceof Module)) throw new TypeError(`${fn}: expected an nn.Module, got ${typeof model}`);
  let n = 0;
  for (const m of model.modules()) {
    if (m instanceof QLinear) m.freeze();
    if (is_qmodule(m)) n++;
  }
  if (n === 0) throw new Error(`${fn}: the model has no quantized modules; call quanto.quantize(model, { weights: quanto.qint8 }) first`);
}

/** true for a quantized module and for a model holding one */
export function is_quantized(model: Module): boolean {
  for (const m of model.modules()) if (is_qmodule(m)) return true;
  return false;
}

export type { WeightQBitsTensor, WeightQBytesTensor };
