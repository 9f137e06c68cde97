// transformers' Bnb8BitHfQuantizer: load_in_8bit swaps nn.Linear for bnb.nn.Linear8bitLt
// (has_fp16_weights = llm_int8_has_fp16_weight, threshold = llm_int8_threshold), quantized from
// the float16 weight, or filled from an 8-bit checkpoint's weight (int8 CB), SCB and weight_format.
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { Linear8bitLt } from "../../quant/bnb/linear8bitlt.js";
import { BnbHfQuantizer } from "./bitsandbytes.js";

export class Bnb8BitHfQuantizer extends BnbHfQuantizer {
  private options() {
    return { has_fp16_weights: this.quantization_config.llm_int8_has_fp16_weight, threshold: this.quantization_config.llm_int8_threshold };
  }

  protected override quantize_layer(linear: Linear): Module {
    return Linear8bitLt.from_linear(linear, this.options());
  }

  protected override empty_layer(linear: Linear): Module {
    return new Linear8bitLt(linear.in_features, linear.out_features, linear.bias !== null, { ...this.options(), dtype: linear.weight.dtype });
  }

  protected override required_keys(layer: Module): string[] {
    return ["weight", "SCB", ...((layer as Linear8bitLt).bias ? ["bias"] : [])];
  }

  protected override load_layer(layer: Module, entries: Record<string, Tensor>): void {
    const l = layer as Linear8bitLt;
    if (entries.weight!.dtype.name !== "int8") {
      throw new Error(`"weight" is ${entries.weight!.dtype}, but an 8-bit checkpoint holds the int8 codes (CB) there`);
    }
    l.load_state_dict(entries, true);
  }
}
