// quanto through from_pretrained: transformers' QuantoHfQuantizer (a QuantoConfig quantizes the
// loaded model's nn.Linear layers, all but the LM head and tied weights, and freezes them; it
// refuses activations, as transformers does), and optimum-quanto's reload of a saved quantized
// model (QuantizedModelForCausalLM.from_pretrained): quanto_qmap.json names the QLinear and
// QLayerNorm layers, whose frozen weights and calibrated scales come from the checkpoint.
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { LayerNorm } from "../../nn/modules/normalization.js";
import { QLayerNorm } from "../../quant/quanto/qlayernorm.js";
import { QLinear } from "../../quant/quanto/qlinear.js";
import { frozen_keys, load_qmodule, qmodule_for, quantization_map, QuantizationMap } from "../../quant/quanto/serialization.js";
import type { PreTrainedModel } from "../modeling_utils.js";
import type { QuantoConfig } from "../quantization_config.js";
import { HfQuantizer } from "./base.js";
import { get_keys_to_not_convert, linear_layers } from "./linear_targets.js";

/** optimum-quanto's name for the quantization map saved beside the weights */
export const QMAP_NAME = "quanto_qmap.json";

export class QuantoHfQuantizer extends HfQuantizer {
  declare readonly quantization_config: QuantoConfig | null;

  /** Either a QuantoConfig (quantize while loading) or a saved quantization map (reload). */
  constructor(config: QuantoConfig | null, private readonly qmap: QuantizationMap | null = null) {
    super("quanto", config, qmap !== null);
    if (config?.activations != null && qmap === null) {
      throw new Error("from_pretrained: transformers does not quantize activations with a QuantoConfig (its quanto quantizer refuses activations); " +
        "load the float model and use quanto for activation quantization: quanto.quantize(model, { weights: quanto.qint8, activations: quanto.qint8 }), " +
        "quanto.Calibration().run(() => model(samples)), quanto.freeze(model)");
    }
  }

  protected targets(model: PreTrainedModel): Map<string, Linear | LayerNorm> {
    if (this.qmap) {
      const out = new Map<string, Linear | LayerNorm>();
      for (const name of Object.keys(this.qmap)) {
        let m: Module;
        try {
          m = model.get_submodule(name);
        } catch {
          throw new Error(`${QMAP_NAME} names "${name}", which ${model._get_name()} does not have`);
        }
        if (!(m instanceof Linear || m instanceof LayerNorm)) {
          throw new Error(`${QMAP_NAME} names "${name}", a ${m._get_name()} in ${model._get_name()}; only nn.Linear (QLinear) and nn.LayerNorm (QLayerNorm) layers are quantized`);
        }
        out.set(name, m);
      }
      return out;
    }
    const c = this.quantization_config!;
    return linear_layers(model, [...get_keys_to_not_convert(model), ...(c.modules_to_not_convert ?? [])]);
  }

  protected override quantize_layer(linear: Linear): Module {
    const q = QLinear.from_module(linear, { weights: `q${this.quantization_config!.weights}` });
    q.freeze();
    return q;
  }

  protected override empty_layer(layer: Module, name: string): Module {
    return qmodule_for(layer, this.qmap![name]!, name);
  }

  protected override required_keys(layer: Module): string[] {
    return frozen_keys(layer as QLinear | QLayerNorm);
  }

  protected override load_layer(layer: Module, entries: Record<string, Tensor>): void {
    load_qmodule(layer as QLinear | QLayerNorm, entries);
  }
}

/** What save_pretrained writes for a quanto model: quanto_qmap.json as optimum-quanto's
 *  json.dump(qmap, indent=4) writes it, or nothing when the model has no QLinear. Unfrozen layers
 *  would save float weights under a map that says quantized, so they are refused. */
export function quanto_files(model: PreTrainedModel): Record<string, string> {
  const qmap = quantization_map(model);
  const names = Object.keys(qmap);
  if (names.length === 0) return {};
  // a QLayerNorm has no quantized weight to freeze
  const unfrozen = names.filter((n) => { const m = model.get_submodule(n); return m instanceof QLinear && !m.frozen; });
  if (unfrozen.length) {
    throw new Error(`save_pretrained: the quanto layers ${unfrozen.slice(0, 3).map((n) => `"${n}"`).join(", ")}${unfrozen.length > 3 ? ", ..." : ""} are not frozen; call quanto.freeze(model) first`);
  }
  // quantized output embeddings are no longer the input embeddings (optimum-quanto's save_pretrained)
  if (model.config.tie_word_embeddings && [model.get_input_embeddings(), model.get_output_embeddings()].some((m) => m instanceof QLinear)) {
    model.config.tie_word_embeddings = false;
  }
  return { [QMAP_NAME]: JSON.stringify(qmap, null, 4) };
}
