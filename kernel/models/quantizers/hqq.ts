// transformers' HqqHfQuantizer: an HqqConfig swaps the float model's nn.Linear layers (all but
// skip_modules, by linear tag) for HQQLinear with the model's dtype as compute dtype, through
// hqq's replace_with_hqq_linear. HQQ checkpoints are neither saved nor loaded yet.
import { DType } from "../../tensor/dtype.js";
import { Linear } from "../../nn/modules/linear.js";
import { HqqConfig } from "../../quant/hqq/config.js";
import { replace_with_hqq_linear } from "../../quant/hqq/replace.js";
import type { PreTrainedModel } from "../modeling_utils.js";
import { HfQuantizer } from "./base.js";

export class HqqHfQuantizer extends HfQuantizer {
  declare readonly quantization_config: HqqConfig;

  constructor(config: HqqConfig) {
    super("hqq", config, false);
  }

  // replace_with_hqq_linear picks its own layers, by linear tag
  protected targets(): Map<string, Linear> {
    return new Map();
  }

  protected override quantize_model(model: PreTrainedModel, _targets: Map<string, Linear>, dtype: DType): void {
    replace_with_hqq_linear(model, this.quantization_config, { compute_dtype: dtype });
  }
}
