// The state dict save_pretrained writes. Module.state_dict walks parameters and buffers only;
// layers whose checkpoint form holds more (bitsandbytes' Linear4bit adds its quant state under
// "weight.") override state_dict, which a parent's walk does not call, where torch calls every
// module's _save_to_state_dict. So those layers are asked for their own entries here.
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";

export function checkpoint_state_dict(model: Module): Record<string, Tensor> {
  const out = model.state_dict();
  for (const [name, m] of model.named_modules()) {
    if (name && m.state_dict !== Module.prototype.state_dict) Object.assign(out, m.state_dict(name));
  }
  return out;
}
