// optimum-quanto's QModuleMixin (nn/qmodule.py), the activation half of it: the scalar buffers
// input_scale / output_scale (ones, in the weight's dtype), and with activations an output hook
// that quantizes the module's output with output_scale, plus (for QLinear made from a module) a
// pre-hook that quantizes its input with input_scale unless the input is already quantized.
import { DType } from "../../tensor/dtype.js";
import { ones } from "../../tensor/ops/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module, RemovableHandle } from "../../nn/module.js";
import { ActivationQBytesTensor, quantize_activation } from "./activations.js";
import { as_activation_qtype, qtype } from "./qtypes.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass = abstract new (...args: any[]) => Module;

const QMODULE = Symbol("quanto.QModuleMixin");

/** true for the modules QModuleMixin makes (QLinear, QLayerNorm) */
export function is_qmodule(m: unknown): m is QModule {
  return m instanceof Module && QMODULE in m;
}

export interface QModule extends Module {
  activation_qtype: qtype | null;
  input_scale: Tensor;
  output_scale: Tensor;
  _quantize_hooks: { input?: RemovableHandle; output?: RemovableHandle };
  /** the dotted name quantize() found it under (quanto's qmodule.name), for messages */
  name?: string;
  /** @internal what QModuleMixin.__init__ adds, for the constructor once the parameters exist */
  _init_activations(fn: string, activations: unknown, dtype: DType, quantize_input: boolean): void;
  quantize_input(args: unknown[]): Tensor;
  quantize_output(output: Tensor): Tensor;
  disable_output_quantization(): void;
}

// the mixin's type is spelled out: a class expression extending Module cannot be declared
export function QModuleMixin<B extends ModuleClass>(Base: B): B & (abstract new (...args: any[]) => QModule) {  // eslint-disable-line @typescript-eslint/no-explicit-any
  abstract class Q extends Base implements QModule {
    declare activation_qtype: qtype | null;
    declare input_scale: Tensor;
    declare output_scale: Tensor;
    declare _quantize_hooks: { input?: RemovableHandle; output?: RemovableHandle };

    _init_activations(fn: string, activations: unknown, dtype: DType, quantize_input: boolean): void {
      const at = activations == null ? null : as_activation_qtype(activations, fn);
      const hidden = (k: string | symbol, v: unknown) => Object.defineProperty(this, k, { enumerable: false, writable: true, configurable: true, value: v });
      hidden(QMODULE, true);
      hidden("activation_qtype", at);
      const hooks: Q["_quantize_hooks"] = {};
      if (at !== null) {
        if (quantize_input) hooks.input = this.register_forward_pre_hook((m, args) => (m as Q).quantize_input(args));
        hooks.output = this.register_forward_hook((m, _args, out) => (m as Q).quantize_output(out as Tensor));
      }
      hidden("_quantize_hooks", hooks);
      this.register_buffer("input_scale", ones([], { dtype }));
      this.register_buffer("output_scale", ones([], { dtype }));
    }

    /** The input pre-hook: an already quantized input is kept (if its qtype is this module's),
     *  anything else is quantized with input_scale. */
    quantize_input(args: unknown[]): Tensor {
      const input = args[0] as Tensor;
      if (input instanceof ActivationQBytesTensor) {
        if (input.qtype !== this.activation_qtype) {
          throw new Error(`Models with heterogeneous quantized activations are not supported: expected ${this.activation_qtype!.name} input but got ${input.qtype.name} instead; quantize every module with the same activations`);
        }
        return input;
      }
      return quantize_activation(input, { qtype: this.activation_qtype!, scale: this.input_scale });
    }

    quantize_output(output: Tensor): Tensor {
      return quantize_activation(output, { qtype: this.activation_qtype!, scale: this.output_scale });
    }

    /** Outputs stay float from now on (Calibration's streamline does this). */
    disable_output_quantization(): void {
      this._quantize_hooks.output?.remove();
    }
  }
  return Q;
}
