// What transformers' bitsandbytes quantizers share (quantizer_bnb_8bit.py / quantizer_bnb_4bit.py):
// float16 unless a torch_dtype is given, the model's _keep_in_fp32_modules left in float32, and
// every other nn.Linear but the LM head and tied weights (or all but llm_int8_skip_modules)
// replaced by a bitsandbytes layer.
import { float16 } from "../../tensor/dtype.js";
import { Linear } from "../../nn/modules/linear.js";
import type { PreTrainedModel } from "../modeling_utils.js";
import type { BitsAndBytesConfig } from "../quantization_config.js";
import { HfQuantizer } from "./base.js";
import { get_keys_to_not_convert, linear_layers } from "./linear_targets.js";

export abstract class BnbHfQuantizer extends HfQuantizer {
  override readonly use_keep_in_fp32_modules = true;
  declare readonly quantization_config: BitsAndBytesConfig;

  constructor(config: BitsAndBytesConfig, pre_quantized: boolean) {
    super("bitsandbytes", config, pre_quantized);
  }

  // bitsandbytes' kernels take float16 activations; transformers overrides torch_dtype=None so
  override update_torch_dtype(torch_dtype: unknown): unknown {
    return torch_dtype ?? float16;
  }

  protected targets(model: PreTrainedModel, keep_in_fp32: readonly string[]): Map<string, Linear> {
    const skip = this.quantization_config.llm_int8_skip_modules ?? get_keys_to_not_convert(model);
    return linear_layers(model, [...skip, ...keep_in_fp32]);
  }
}
