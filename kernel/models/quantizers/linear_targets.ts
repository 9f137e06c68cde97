// Which nn.Linear layers transformers' integrations replace (integrations/bitsandbytes.py
// get_keys_to_not_convert and _replace_with_bnb_linear, the same rule for quanto): all but the
// output embedding (the last parameter of a model with a head) and tied weights, unless the
// config names the modules to skip.
import { Tensor } from "../../tensor/tensor.js";
import { Linear } from "../../nn/modules/linear.js";
import type { PreTrainedModel } from "../modeling_utils.js";

/** transformers' get_keys_to_not_convert: module names of the tied weights and of the model's
 *  last parameter (the LM head), none for a base model without tied weights. */
export function get_keys_to_not_convert(model: PreTrainedModel): string[] {
  const by_tensor = new Map<Tensor, string[]>();
  // torch's named_parameters(remove_duplicate=False) also repeats shared modules (T5's embed_tokens)
  const all: [string, Tensor][] = [];
  for (const [prefix, m] of model.named_modules(new Set(), "", false)) {
    for (const [k, p] of m.named_parameters("", false)) all.push([prefix ? `${prefix}.${k}` : k, p]);
  }
  for (const [name, p] of all) by_tensor.set(p, [...by_tensor.get(p) ?? [], name]);
  const tied = [...by_tensor.values()].filter((names) => names.length > 1).flat();
  const prefix = (model.constructor as typeof PreTrainedModel).base_model_prefix;
  const is_base_model = prefix !== "" && !(prefix in model);
  if (tied.length === 0 && is_base_model) return [];
  const last = all.length ? [all[all.length - 1]![0]] : [];
  const untouched = [...new Set(tied), ...last.filter((k) => !tied.includes(k))];
  // Python's str.replace(".weight", "") drops every occurrence
  return untouched.map((n) => n.split(".weight").join("").split(".bias").join(""));
}

/** _replace_with_bnb_linear's test: a layer is skipped when its attribute name is in the list, or
 *  its dotted name equals an entry or contains one followed by a dot. */
export function is_skipped(name: string, modules_to_not_convert: readonly string[]): boolean {
  const attr = name.slice(name.lastIndexOf(".") + 1);
  return modules_to_not_convert.includes(attr) || modules_to_not_convert.some((k) => name.includes(`${k}.`) || name === k);
}

/** The model's nn.Linear layers not skipped, by dotted name, in module order. */
export function linear_layers(model: PreTrainedModel, modules_to_not_convert: readonly string[]): Map<string, Linear> {
  const out = new Map<string, Linear>();
  for (const [name, m] of model.named_modules()) if (m instanceof Linear && name && !is_skipped(name, modules_to_not_convert)) out.set(name, m);
  return out;
}
