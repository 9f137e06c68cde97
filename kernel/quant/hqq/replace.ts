// What transformers does with an HqqConfig when it loads a model (integrations/hqq.py
// prepare_for_hqq_linear + HqqHfQuantizer.create_quantized_param): every nn.Linear whose
// "linear tag" is not skipped becomes an HQQLinear. A layer's linear tag is its dotted name without
// "model", "layers" and the layer numbers (model.layers.3.self_attn.q_proj → self_attn.q_proj);
// skip_modules and dynamic_config speak in those tags.
import { as_dtype, DType } from "../../tensor/dtype.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { progress } from "../../viz/progress.js";
import { HqqConfig, QuantConfig } from "./config.js";
import { HQQLinear } from "./linear.js";

/** model.layers.31.self_attn.k_proj → self_attn.k_proj */
export function name_to_linear_tag(name: string): string {
  return name.split(".").filter((n) => n !== "model" && n !== "layers" && !/^\d+$/.test(n)).join(".");
}

export interface ReplaceOptions {
  /** dtype of the HQQLinear's scale, zero, bias and dequantized weight; default: each layer's
   *  weight dtype (transformers uses the model's torch_dtype) */
  compute_dtype?: DType | string;
  /** more linear tags to keep in float, besides the config's skip_modules */
  modules_to_not_convert?: string[];
}

function config_for(tag: string, config: HqqConfig): QuantConfig | null {
  const qc = config.quant_config;
  if ("weight_quant_params" in qc) return qc as QuantConfig;
  // a dynamic_config: only the tags it names are quantized
  return (qc as Record<string, QuantConfig>)[tag] ?? null;
}

/** Replaces, in place, each nn.Linear of `model` that the config quantizes by an HQQLinear (with a
 *  progress bar); returns the dotted names of the replaced layers. A layer that cannot be
 *  quantized (NaN/Inf weights, a group size that does not divide) raises an error naming it. */
export function replace_with_hqq_linear(model: Module, quantization_config: HqqConfig, o: ReplaceOptions = {}): string[] {
  const fn = "hqq.replace_with_hqq_linear";
  if (!(model instanceof Module)) throw new TypeError(`${fn}: expected an nn.Module, got ${model === null ? "null" : typeof model}`);
  if (!(quantization_config instanceof HqqConfig)) throw new TypeError(`${fn}: quantization_config must be an HqqConfig, e.g. new HqqConfig({ nbits: 4, group_size: 64 })`);
  const skip = new Set([...quantization_config.skip_modules, ...(o.modules_to_not_convert ?? [])]);
  const todo: { parent: Module; attr: string; name: string; layer: Linear; cfg: QuantConfig }[] = [];
  for (const [parent_name, parent] of model.named_modules()) {
    for (const [attr, child] of parent.named_children()) {
      if (!(child instanceof Linear)) continue;
      const name = parent_name ? `${parent_name}.${attr}` : attr;
      const tag = name_to_linear_tag(name);
      const cfg = skip.has(tag) ? null : config_for(tag, quantization_config);
      if (cfg) todo.push({ parent, attr, name, layer: child, cfg });
    }
  }
  if (todo.length === 0) {
    console.warn(`${fn}: no linear modules were found in your model for quantization`);
    return [];
  }
  const compute_dtype = o.compute_dtype === undefined ? undefined : as_dtype(o.compute_dtype);
  // every layer is quantized before any is swapped in, so a bad layer leaves the model untouched
  const built: HQQLinear[] = [];
  for (const t of progress(todo, { desc: "HQQ", unit: "layer" })) {
    try {
      built.push(new HQQLinear(t.layer, t.cfg, { compute_dtype: compute_dtype ?? t.layer.weight.dtype }));
    } catch (e) {
      const E = e instanceof Error ? (e.constructor as ErrorConstructor) : Error;
      throw new E(`${fn}: layer "${t.name}": ${e instanceof Error ? e.message : String(e)} (the model was left unchanged)`);
    }
  }
  todo.forEach((t, i) => { (t.parent as unknown as Record<string, unknown>)[t.attr] = built[i]; });
  return todo.map((t) => t.name);
}
