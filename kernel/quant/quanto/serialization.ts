// optimum-quanto's serialization (quantize.py quantization_map / requantize, nn/qmodule.py
// _load_from_state_dict): a frozen model saves its QLinear weights flattened (`weight._data`,
// `weight._scale`, and for qint4/qint2 `weight._data._data` + `weight._shift`) plus
// `input_scale`/`output_scale`, a QLayerNorm its float weight and bias plus the two scales, and a
// quantization map {name: {weights, activations}} tells a fresh float model which layers to
// rebuild as quantized modules before those entries are loaded back.
import { int8, uint8 } from "../../tensor/dtype.js";
import { fmt_shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { PackedTensor } from "./pack.js";
import { QLayerNorm } from "./qlayernorm.js";
import { QLinear } from "./qlinear.js";
import { is_qmodule, QModule } from "./qmodule.js";
import { as_activation_qtype, as_qtype } from "./qtypes.js";
import { WeightQBitsTensor, WeightQBytesTensor } from "./weights.js";

export type QuantizationMap = Record<string, { weights: string; activations: string }>;

/** quanto's quantization_map(model): every quantized module (QLinear, QLayerNorm) by dotted name,
 *  with its weight and activation qtype names ("none" when not quantized) -- what
 *  quanto_qmap.json holds. */
export function quantization_map(model: Module): QuantizationMap {
  const out: QuantizationMap = {};
  for (const [name, m] of model.named_modules()) {
    if (!is_qmodule(m)) continue;
    const weights = m instanceof QLinear ? m.weight_qtype?.name : undefined;
    out[name] = { weights: weights ?? "none", activations: m.activation_qtype?.name ?? "none" };
  }
  return out;
}

function describe(t: Tensor | undefined): string {
  return t instanceof Tensor ? `${t.dtype} ${fmt_shape(t._shape)}` : "none";
}

function expect_tensor(entries: Record<string, Tensor>, key: string, ok: (t: Tensor) => boolean, want: string): Tensor {
  const t = entries[key];
  if (!(t instanceof Tensor)) throw new Error(`missing "${key}" (${want})`);
  if (!ok(t)) throw new Error(`"${key}" must be ${want}, got ${describe(t)}`);
  return t;
}

const is_shape = (t: Tensor, shape: readonly number[]) => t.ndim === shape.length && t._shape.every((s, i) => s === shape[i]);
const is_float = (t: Tensor) => t.dtype.is_floating_point;

/** The state-dict keys of `q` once frozen (relative to the layer). */
export function frozen_keys(q: QLinear | QLayerNorm): string[] {
  if (q instanceof QLayerNorm) return [...(q.weight ? ["weight"] : []), ...(q.bias ? ["bias"] : []), "input_scale", "output_scale"];
  const data = q.weight_qtype?.bits === 8 ? ["weight._data"] : ["weight._data._data", "weight._shift"];
  return [...data, "weight._scale", ...(q.bias ? ["bias"] : []), "input_scale", "output_scale"];
}

function read_scales(entries: Record<string, Tensor>): [Tensor, Tensor] {
  const scalar = (k: string) => expect_tensor(entries, k, (t) => t.numel() === 1 && is_float(t), "a float scalar");
  return [scalar("input_scale"), scalar("output_scale")];
}

function check_unexpected(q: QLinear | QLayerNorm, entries: Record<string, Tensor>, what: string): void {
  const keys = frozen_keys(q);
  const unexpected = Object.keys(entries).filter((k) => !keys.includes(k));
  if (unexpected.length) throw new Error(`unexpected ${unexpected.map((k) => `"${k}"`).join(", ")} (${what} holds ${keys.join(", ")})`);
}

function write_scales(q: QModule, [input_scale, output_scale]: [Tensor, Tensor]): void {
  q.input_scale._set(input_scale.reshape([]).to(q.input_scale.dtype));
  q.output_scale._set(output_scale.reshape([]).to(q.output_scale.dtype));
}

/** Freezes `q` from the flattened entries of a frozen QLinear (keys relative to the layer), after
 *  checking every key's presence, dtype and shape; nothing is written if one is wrong. */
export function load_frozen_qlinear(q: QLinear, entries: Record<string, Tensor>): void {
  const qt = q.weight_qtype;
  if (!qt) throw new Error("this QLinear does not quantize its weights, so it has no frozen weight to load");
  const [out, inp] = [q.out_features, q.in_features];
  let weight: WeightQBytesTensor | WeightQBitsTensor;
  if (qt.bits === 8) {
    const data = expect_tensor(entries, "weight._data", (t) => t.dtype === int8 && is_shape(t, [out, inp]), `int8 [${out}, ${inp}]`);
    const scale = expect_tensor(entries, "weight._scale", (t) => is_float(t) && is_shape(t, [out, 1]), `float [${out}, 1]`);
    weight = new WeightQBytesTensor(qt, 0, data.contiguous().clone(), scale.contiguous().clone());
  } else {
    const g = q.weight_group_size;
    const [rows, cols] = g === null ? [out, inp] : [(out * inp) / g, g];
    const packed_rows = Math.ceil(rows / (8 / qt.bits));
    const data = expect_tensor(entries, "weight._data._data", (t) => t.dtype === uint8 && is_shape(t, [packed_rows, cols]),
      `uint8 [${packed_rows}, ${cols}] (${qt.bits}-bit codes of ${rows} rows packed)`);
    const scale = expect_tensor(entries, "weight._scale", (t) => is_float(t) && is_shape(t, [rows, 1]), `float [${rows}, 1]`);
    const shift = expect_tensor(entries, "weight._shift", (t) => (is_float(t) || t.dtype === uint8) && is_shape(t, [rows, 1]), `float or uint8 [${rows}, 1]`);
    const packed = new PackedTensor(data.contiguous().clone(), qt.bits, [rows, cols]);
    weight = new WeightQBitsTensor(qt, 0, g, [out, inp], packed, scale.contiguous().clone(), shift.contiguous().clone());
  }
  const scales = read_scales(entries);
  const bias = q.bias ? expect_tensor(entries, "bias", (t) => t.numel() === out && is_float(t), `float [${out}]`) : null;
  check_unexpected(q, entries, `a ${qt} QLinear`);
  // everything checked: now write
  q.weight = weight;
  if (q.bias && bias) q.bias._set(bias.contiguous().clone().reshape(out).to(q.bias.dtype));
  write_scales(q, scales);
}

/** Loads a QLayerNorm's float weight and bias and its scales (keys relative to the layer), after
 *  checking them all; nothing is written if one is wrong. */
export function load_qlayernorm(q: QLayerNorm, entries: Record<string, Tensor>): void {
  const shape = q.normalized_shape;
  const param = (k: string) => expect_tensor(entries, k, (t) => is_float(t) && is_shape(t, shape), `float ${fmt_shape(shape)}`);
  const weight = q.weight ? param("weight") : null;
  const bias = q.bias ? param("bias") : null;
  const scales = read_scales(entries);
  check_unexpected(q, entries, "a QLayerNorm");
  if (q.weight && weight) q.weight._set(weight.contiguous().clone().to(q.weight.dtype));
  if (q.bias && bias) q.bias._set(bias.contiguous().clone().to(q.bias.dtype));
  write_scales(q, scales);
}

/** load_frozen_qlinear or load_qlayernorm, as `q` is */
export function load_qmodule(q: QLinear | QLayerNorm, entries: Record<string, Tensor>): void {
  if (q instanceof QLayerNorm) load_qlayernorm(q, entries);
  else load_frozen_qlinear(q, entries);
}

/** The quantized module a quantization map entry describes, made from the float layer it
 *  replaces: a QLinear for an nn.Linear, a QLayerNorm for an nn.LayerNorm. */
export function qmodule_for(layer: Module, entry: QuantizationMap[string], name: string): QLinear | QLayerNorm {
  const what = `quantization map entry "${name}"`;
  if (!entry || typeof entry !== "object") throw new Error(`${what} must be {"weights": "qint8", "activations": "none"}`);
  const activations = entry.activations === "none" ? null : as_activation_qtype(entry.activations, what);
  if (layer instanceof LayerNorm) {
    if (entry.weights !== "none") throw new Error(`${what}: a QLayerNorm never quantizes its weights, so "weights" must be "none", got "${entry.weights}"`);
    if (activations === null) throw new Error(`${what}: a QLayerNorm quantizes activations only, so "activations" must be "qint8", got "none"`);
    return QLayerNorm.from_module(layer, { activations })!;
  }
  if (!(layer instanceof Linear)) throw new Error(`${what}: the model's "${name}" is a ${layer._get_name()}, which has no quantized counterpart (nn.Linear → QLinear, nn.LayerNorm → QLayerNorm)`);
  if (entry.weights === "none") throw new Error(`${what}: a QLinear without weight quantization is not supported in lowbit`);
  return QLinear.from_module(layer, { weights: as_qtype(entry.weights, what), activations });
}

/** quanto's requantize(model, state_dict, quantization_map): rebuilds the mapped layers as frozen
 *  QLinear / QLayerNorm from the state dict, then loads the other entries (non-strictly, as
 *  quanto). */
export function requantize(model: Module, state_dict: Record<string, Tensor>, quantization_map: QuantizationMap): void {
  const rest = { ...state_dict };
  const built: [string, QLinear | QLayerNorm][] = [];
  for (const [name, entry] of Object.entries(quantization_map)) {
    const q = qmodule_for(model.get_submodule(name), entry, name);
    const sub: Record<string, Tensor> = {};
    for (const k of Object.keys(rest)) if (k.startsWith(`${name}.`)) { sub[k.slice(name.length + 1)] = rest[k]!; delete rest[k]; }
    try {
      load_qmodule(q, sub);
    } catch (e) {
      throw new Error(`quanto.requantize: layer "${name}": ${(e as Error).message}`);
    }
    built.push([name, q]);
  }
  for (const [name, q] of built) {
    const dot = name.lastIndexOf(".");
    const parent = dot < 0 ? model : model.get_submodule(name.slice(0, dot));
    (parent as unknown as Record<string, unknown>)[name.slice(dot + 1)] = q;
  }
  model.load_state_dict(rest, false);
}
