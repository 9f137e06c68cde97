// transformers' Bnb4BitHfQuantizer: load_in_4bit swaps nn.Linear for bnb.nn.Linear4bit
// (compute_dtype, compress_statistics = bnb_4bit_use_double_quant, quant_type, quant_storage),
// quantized from the float weight in the model's dtype, or filled from a 4-bit checkpoint: the
// packed weight and its QuantState.as_dict(packed=True) entries under "weight.".
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { Linear4bit } from "../../quant/bnb/linear4bit.js";
import { BnbHfQuantizer } from "./bitsandbytes.js";

export class Bnb4BitHfQuantizer extends BnbHfQuantizer {
  private options() {
    const c = this.quantization_config;
    return {
      compute_dtype: c.bnb_4bit_compute_dtype, compress_statistics: c.bnb_4bit_use_double_quant,
      quant_type: c.bnb_4bit_quant_type, quant_storage: c.bnb_4bit_quant_storage,
    };
  }

  protected override quantize_layer(linear: Linear): Module {
    return Linear4bit.from_linear(linear, this.options());
  }

  protected override empty_layer(linear: Linear): Module {
    return new Linear4bit(linear.in_features, linear.out_features, linear.bias !== null, { ...this.options(), dtype: linear.weight.dtype });
  }

  // the packed quant state names its type; the nested entries belong to double quantization
  protected override required_keys(layer: Module, entries: Record<string, Tensor>): string[] {
    const c = this.quantization_config;
    const packed = Object.keys(entries).find((k) => k.startsWith("weight.quant_state.bitsandbytes__")) ?? `weight.quant_state.bitsandbytes__${c.bnb_4bit_quant_type}`;
    const nested = c.bnb_4bit_use_double_quant ? ["weight.nested_absmax", "weight.nested_quant_map"] : [];
    return ["weight", "weight.absmax", "weight.quant_map", ...nested, packed, ...((layer as Linear4bit).bias ? ["bias"] : [])];
  }
}
