// optimum-quanto's Calibration (calibrate.py): while it runs, every quantized module with
// activations records the absmax range of what it sees, per batch, into input_scale and
// output_scale (a scale still at its initial 1 takes the batch's value, later batches blend in
// with the momentum). Python's `with Calibration(momentum=0.9): model(samples)` is
// `quanto.Calibration({ momentum: 0.9 }).run(() => model(samples))` here.
import { iinfo } from "../../tensor/info.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module, register_module_forward_hook, register_module_forward_pre_hook } from "../../nn/module.js";
import { callable_class } from "../../viz/callable.js";
import { ActivationQBytesTensor } from "./activations.js";
import { is_qmodule, QModule } from "./qmodule.js";
import { as_qtype, qint8, qtype } from "./qtypes.js";

/** quanto's absmax_scale(base, qtype = qint8, axis = null): max(|base|) / 127 for int8, over the
 *  whole tensor (a 0-d scale) or over all dims but `axis` (0 or -1, kept as size-1 dims). */
export function absmax_scale(base: Tensor, qt: qtype | string = qint8, axis: number | null = null): Tensor {
  const fn = "quanto.absmax_scale";
  const q = as_qtype(qt, fn, "qtype");
  const abs = base.abs();
  if (axis === null) return abs.max().div(iinfo(q.dtype).max);
  const keep = axis < 0 ? axis + base.ndim : axis;
  if (keep !== 0 && keep !== base.ndim - 1) throw new RangeError(`${fn}: axis must be null, 0 or -1, got ${axis}`);
  const dims = [...base._shape.keys()].filter((d) => d !== keep);
  return abs.amax(dims, true).div(iinfo(q.dtype).max);
}

/** quanto's _updated_scale: a scale still all ones has seen no batch yet and takes the new one;
 *  otherwise momentum · scale + (1 − momentum) · new_scale. */
function updated_scale(scale: Tensor, new_scale: Tensor, momentum: number): Tensor {
  if (scale.eq(1).all().item()) return new_scale;
  return scale.mul(momentum).add(new_scale.mul(1 - momentum));
}

// quanto's input hook is registered as calibrate_input(module, input, momentum=0.9) and torch calls
// it with two arguments, so input scales always blend with 0.9 whatever momentum was asked for
const INPUT_MOMENTUM = 0.9;

export interface CalibrationOptions {
  /** the weight of the scale so far when a batch's range blends in (output scales; see above) */
  momentum?: number;
  /** quanto's streamline: stop quantizing the outputs of quantized children once their parent
   *  module has run (true by default, as in quanto) */
  streamline?: boolean;
  /** print each quantized child's output scale once its parent module has run */
  debug?: boolean;
}

class CalibrationClass {
  readonly momentum: number;
  readonly streamline: boolean;
  readonly debug: boolean;

  constructor(o: CalibrationOptions = {}) {
    const momentum = o.momentum ?? 0.9;
    if (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1)) {
      throw new RangeError(`quanto.Calibration: momentum must be a number in [0, 1], got ${String(momentum)}`);
    }
    this.momentum = momentum;
    this.streamline = o.streamline ?? true;
    this.debug = o.debug ?? false;
  }

  /** Calibrates whatever runs inside `fn` (sync or async) and returns its value; the hooks are
   *  removed when it ends, also on error. Every module called meanwhile is seen, as with Python's
   *  global hooks, including those of other work an async `fn` interleaves with. */
  run<T>(fn: () => T): T {
    if (typeof fn !== "function") throw new TypeError("quanto.Calibration.run: expected a function, e.g. calibration.run(() => model(samples))");
    const handles = [
      register_module_forward_pre_hook((m, args) => this.calibrate_input(m, args)),
      register_module_forward_hook((m, _args, out) => this.calibrate_output(m, out)),
    ];
    const exit = () => { for (const h of handles) h.remove(); };
    let r: T;
    try {
      r = fn();
    } catch (e) {
      exit();
      throw e;
    }
    if (r instanceof Promise) return r.finally(exit) as T;
    exit();
    return r;
  }

  private calibrate_input(module: Module, args: unknown[]): void {
    if (!is_qmodule(module) || module.activation_qtype === null) return;
    const input = args[0] as Tensor;
    // an input quantized by the module before keeps that module's scale
    if (input instanceof ActivationQBytesTensor) module.input_scale = input._scale.max();
    else module.input_scale = updated_scale(module.input_scale, checked_absmax(module, "input", input), INPUT_MOMENTUM);
  }

  private calibrate_output(module: Module, output: unknown): void {
    if (is_qmodule(module) && module.activation_qtype !== null) {
      module.output_scale = updated_scale(module.output_scale, checked_absmax(module, "output", output as Tensor), this.momentum);
      return;
    }
    const children = [...module.named_children()].filter((c): c is [string, QModule] => is_qmodule(c[1]));
    // quanto means to keep the outputs some quantized op consumes, but its test for a quantized
    // argument (`QTensor in types`) never matches the ActivationQBytesTensor subclass, so in
    // practice every child loses its output quantization; so it does here
    if (this.streamline) for (const [, child] of children) if (child.activation_qtype !== null) child.disable_output_quantization();
    if (this.debug) {
      for (const [name, child] of children) {
        const what = child.activation_qtype === null ? "not quantized." : `quantized to ${child.activation_qtype} with scale ${child.output_scale}.`;
        console.log(`${name}(${child._get_name()}) activations are ${what}`);
      }
    }
  }
}

/** absmax_scale of what a module sees, refusing NaN / ±Inf: their scale would spread through the
 *  momentum into every later batch (quanto keeps the NaN or infinite scale). */
function checked_absmax(module: QModule, what: "input" | "output", t: Tensor): Tensor {
  const scale = absmax_scale(t, module.activation_qtype!);
  const v = scale.item() as number;
  if (!Number.isFinite(v)) {
    throw new RangeError(`quanto.Calibration: the ${what} of ${module.name ? `"${module.name}" (${module._get_name()})` : module._get_name()} holds ${Number.isNaN(v) ? "NaN" : "±Inf"}, ` +
      `so its ${what}_scale would be ${v}; calibrate on samples the float model handles without NaN or Inf`);
  }
  return scale;
}

/** Calibration({ momentum = 0.9, streamline = true, debug = false }), with or without `new`. */
export const Calibration = callable_class(CalibrationClass);
export type Calibration = CalibrationClass;
