// transformers' HfQuantizer (quantizers/base.py): what a quantization method does while
// from_pretrained fills a freshly built model. Either the checkpoint is float and every targeted
// nn.Linear is quantized once the float weights are in, or the checkpoint was saved quantized and
// each targeted layer is swapped for an empty quantized one that takes its entries of the file.
import { DType, float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { progress } from "../../viz/progress.js";
import { build_with_default_dtype } from "../no_init.js";
import type { PreTrainedModel } from "../modeling_utils.js";

export interface QuantizationConfigLike {
  quant_method: string;
  to_dict(): Record<string, unknown>;
}

/** Sets the dotted `name` of `model` to `child`. */
export function set_module(model: Module, name: string, child: Module): void {
  const dot = name.lastIndexOf(".");
  const parent = dot < 0 ? model : model.get_submodule(name.slice(0, dot));
  (parent as unknown as Record<string, unknown>)[name.slice(dot + 1)] = child;
}

export abstract class HfQuantizer {
  /** transformers' use_keep_in_fp32_modules: the model's _keep_in_fp32_modules stay float32 and
   *  unquantized (bitsandbytes only) */
  readonly use_keep_in_fp32_modules: boolean = false;

  /** `quantization_config`: what config.json records (none for a quanto checkpoint, which
   *  quanto_qmap.json describes) */
  constructor(readonly quant_method: string, readonly quantization_config: QuantizationConfigLike | null, readonly pre_quantized: boolean) {}

  /** The torch_dtype option the model is built with: the caller's, or the method's default when
   *  none was given (transformers' update_torch_dtype). */
  update_torch_dtype(torch_dtype: unknown): unknown {
    return torch_dtype;
  }

  /** The layers the method replaces (nn.Linear, and nn.LayerNorm for quanto's activations), by
   *  dotted name. */
  protected abstract targets(model: PreTrainedModel, keep_in_fp32: readonly string[]): Map<string, Module>;
  /** The quantized layer made from a loaded float layer. */
  protected quantize_layer(_layer: Module, _name: string): Module {
    throw new Error(`${this.quant_method} quantizes whole models, not layer by layer`);
  }
  /** An empty quantized layer of the float layer's shape, for a pre-quantized checkpoint. */
  protected empty_layer(_layer: Module, _name: string): Module {
    throw new Error(`loading checkpoints saved with ${this.quant_method} quantization is not supported yet`);
  }
  /** The keys (relative to the layer) a pre-quantized checkpoint must hold for `layer`. */
  protected required_keys(_layer: Module, _entries: Record<string, Tensor>): string[] {
    return [];
  }
  /** Replaces the targets of a loaded float model by their quantized layers. */
  protected quantize_model(model: PreTrainedModel, targets: Map<string, Module>, _dtype: DType): void {
    for (const [name, linear] of progress([...targets], { desc: `Quantizing (${this.quant_method})`, unit: "layer" })) {
      set_module(model, name, this.quantize_layer(linear, name));
    }
  }
  /** Fills an empty layer from its entries of a pre-quantized checkpoint. */
  protected load_layer(layer: Module, entries: Record<string, Tensor>): void {
    layer.load_state_dict(entries, true);
  }

  /** Fills `model` (just built in `dtype`) from the checkpoint's tensors and quantizes it. */
  load(model: PreTrainedModel, tensors: Record<string, Tensor>, source: string, dtype: DType): void {
    const keep = this.use_keep_in_fp32_modules ? [...(model.constructor as typeof PreTrainedModel)._keep_in_fp32_modules] : [];
    // transformers loads these in float32 from the file, not through the model's dtype
    if (keep.length) for (const [name, m] of model.named_modules()) if (name.split(".").some((n) => keep.includes(n))) m.to(float32);
    const targets = this.targets(model, keep);
    if (this.pre_quantized) {
      this.load_prequantized(model, targets, tensors, source, dtype);
    } else {
      model.load_weights(tensors, source);
      build_with_default_dtype(dtype, () => this.quantize_model(model, targets, dtype));
    }
    if (this.quantization_config) model.config.quantization_config = this.quantization_config.to_dict();
    Object.defineProperty(model, "hf_quantizer", { value: this, enumerable: false, writable: true, configurable: true });
  }

  private load_prequantized(model: PreTrainedModel, targets: Map<string, Module>, tensors: Record<string, Tensor>, source: string, dtype: DType): void {
    const layers = build_with_default_dtype(dtype, () => new Map([...targets].map(([name, linear]) => [name, this.empty_layer(linear, name)])));
    const rest = { ...tensors };
    const problems: string[] = [];
    const entries = new Map<string, Record<string, Tensor>>();
    for (const [name, layer] of layers) {
      const sub: Record<string, Tensor> = {};
      for (const k of Object.keys(rest)) {
        if (k.startsWith(`${name}.`)) {
          sub[k.slice(name.length + 1)] = rest[k]!;
          delete rest[k];
        }
      }
      entries.set(name, sub);
      for (const k of this.required_keys(layer, sub)) if (!(k in sub)) problems.push(`missing "${name}.${k}"`);
    }
    if (problems.length) {
      throw new Error(`${source} is not a complete ${this.quant_method} checkpoint for ${model._get_name()}:\n  ${problems.join("\n  ")}\n` +
        `Save the model again with save_pretrained, or load the float checkpoint with a quantization_config.`);
    }
    for (const [name, layer] of layers) {
      try {
        this.load_layer(layer, entries.get(name)!);
      } catch (e) {
        throw new Error(`${source}: layer "${name}": ${(e as Error).message}`);
      }
    }
    model.load_weights(rest, source, [...layers.keys()]);
    for (const [name, layer] of layers) set_module(model, name, layer);
  }
}
