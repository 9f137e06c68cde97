// optimum-quanto's serialization (quantize.py quantization_map / requantize, nn/qmodule.py
// _load_from_state_dict): a frozen model saves its QLinear weights flattened (`weight._data`,
// `weight._scale`, and for qint4/qint2 `weight._data._data` + `weight._shift`) plus
// `input_scale`/`output_scale`, and a quantization map {name: {weights, activations}} tells a fresh
// float model which layers to rebuild as QLinear before those entries are loaded back.
import { int8, uint8 } from "../../tensor/dtype.js";
import { fmt_shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { PackedTensor } from "./pack.js";
import { QLinear } from "./qlinear.js";
import { as_qtype } from "./qtypes.js";
import { WeightQBitsTensor, WeightQBytesTensor } from "./weights.js";

export type QuantizationMap = Record<string, { weights: string; activations: string }>;

/** quanto's quantization_map(model): every QLinear by dotted name, with its weight and activation
 *  qtype names ("none" when not quantized) -- what quanto_qmap.json holds. */
export function quantization_map(model: Module): QuantizationMap {
  const out: QuantizationMap = {};
  for (const [name, m] of model.named_modules()) {
    if (m instanceof QLinear) out[name] = { weights: m.weight_qtype?.name ?? "none", activations: m.activation_qtype?.name ?? "none" };
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
export function frozen_keys(q: QLinear): string[] {
  const data = q.weight_qtype?.bits === 8 ? ["weight._data"] : ["weight._data._data", "weight._shift"];
  return [...data, "weight._scale", ...(q.bias ? ["bias"] : []), "input_scale", "output_scale"];
}

/** Freezes `q` from the flattened entries of a frozen QLinear (keys relative to the layer), after
 *  checking every key's presence, dtype and shape; nothing is written if one is wrong. */
export function load_frozen_qlinear(q: QLinear, entries: Record<string, Tensor>): void {
  const qt = q.weight_qtype;
  if (!qt) throw new Error("this QLinear does not quantize its weights, so it has no frozen weight to load");
  const [out, inp] = [q.out_features, q.in_features];
  const scalar = (k: string) => expect_tensor(entries, k, (t) => t.numel() === 1 && is_float(t), "a float scalar");
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
  const input_scale = scalar("input_scale"), output_scale = scalar("output_scale");
  const bias = q.bias ? expect_tensor(entries, "bias", (t) => t.numel() === out && is_float(t), `float [${out}]`) : null;
  const keys = frozen_keys(q);
  const unexpected = Object.keys(entries).filter((k) => !keys.includes(k));
  if (unexpected.length) throw new Error(`unexpected ${unexpected.map((k) => `"${k}"`).join(", ")} (a ${qt} QLinear holds ${keys.join(", ")})`);
  // everything checked: now write
  q.weight = weight;
  if (q.bias && bias) q.bias._set(bias.contiguous().clone().reshape(out).to(q.bias.dtype));
  q.input_scale._set(input_scale.reshape([]).to(q.input_scale.dtype));
  q.output_scale._set(output_scale.reshape([]).to(q.output_scale.dtype));
}

/** The QLinear a quantization map entry describes, made from the float layer it replaces. */
export function qlinear_for(linear: Linear, entry: QuantizationMap[string], name: string): QLinear {
  const what = `quantization map entry "${name}"`;
  if (!((linear as unknown) instanceof Linear)) throw new Error(`${what}: the model's "${name}" is not an nn.Linear, so it cannot be a QLinear`);
  if (!entry || typeof entry !== "object") throw new Error(`${what} must be {"weights": "qint8", "activations": "none"}`);
  if (entry.activations !== "none") throw new Error(`${what}: activations "${entry.activations}" are not supported yet in lowbit (only "none")`);
  if (entry.weights === "none") throw new Error(`${what}: a QLinear without weight quantization is not supported in lowbit`);
  return QLinear.from_module(linear, { weights: as_qtype(entry.weights, what) });
}

/** quanto's requantize(model, state_dict, quantization_map): rebuilds the mapped nn.Linear layers
 *  as frozen QLinear from the state dict, then loads the other entries (non-strictly, as quanto). */
export function requantize(model: Module, state_dict: Record<string, Tensor>, quantization_map: QuantizationMap): void {
  const rest = { ...state_dict };
  const built: [string, QLinear][] = [];
  for (const [name, entry] of Object.entries(quantization_map)) {
    const q = qlinear_for(model.get_submodule(name) as Linear, entry, name);
    const sub: Record<string, Tensor> = {};
    for (const k of Object.keys(rest)) if (k.startsWith(`${name}.`)) { sub[k.slice(name.length + 1)] = rest[k]!; delete rest[k]; }
    try {
      load_frozen_qlinear(q, sub);
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
