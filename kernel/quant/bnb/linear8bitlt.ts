// bitsandbytes.nn.Linear8bitLt and Int8Params: LLM.int8() inference with the outlier
// decomposition of MatMul8bitLt.forward / int8_mixed_scaled_mm (bitsandbytes 95f9af3):
//   CA, SCA, cols = int8_vectorwise_quant(x.half(), threshold)
//   out = int8_mm_dequant(CA @ CBᵀ, SCA, SCB, bias)                      (to x.dtype)
//   out = out.addmm(x[:, cols], int8_vectorwise_dequant(CB[:, cols], SCB).to(x.dtype).T)
// The fp16 addmm is taken with GPU GEMM semantics: fp16(fp32(out) + Σ fp32·fp32).
import { DType, float16, float32, int8, uint8 } from "../../tensor/dtype.js";
import { get_default_dtype } from "../../tensor/defaults.js";
import { Tensor } from "../../tensor/tensor.js";
import { Module } from "../../nn/module.js";
import { Linear } from "../../nn/modules/linear.js";
import { Parameter } from "../../nn/parameter.js";
import { int8_linear_matmul, int8_mm_dequant, int8_vectorwise_dequant, int8_vectorwise_quant } from "./int8.js";
import { check_bias_flag, check_features } from "../layer_args.js";
import { check_bias_and_rest } from "./checkpoint.js";

const f32 = Math.fround;

/** A float32 statistics buffer that keeps its dtype under module.to(dtype) / .half(): in
 *  bitsandbytes SCB is an attribute of Int8Params, which Module.to never converts. */
class Float32Stats extends Tensor {
  override _set(t: Tensor): void {
    if (t._dtype !== this._dtype && t._shape.length === this._shape.length && t._shape.every((s, i) => s === this._shape[i])) return;
    super._set(t);
  }
}

/** bnb.nn.Int8Params: the weight Parameter of Linear8bitLt. Holds the float weight until it is
 *  quantized, then the int8 codes CB (and CB / SCB as attributes, as in bitsandbytes). */
export class Int8Params extends Parameter {
  CB: Tensor | null = null;
  SCB: Tensor | null = null;
  has_fp16_weights: boolean;

  constructor(data?: Tensor, requires_grad = true, has_fp16_weights = false) {
    super(data, requires_grad);
    this.has_fp16_weights = has_fp16_weights;
  }
}

export interface Linear8bitLtOptions {
  /** keep the float weight and quantize it on every forward (bitsandbytes' training mode) */
  has_fp16_weights?: boolean;
  /** outlier threshold; 0 turns the decomposition off (plain vector-wise int8) */
  threshold?: number;
  dtype?: DType | string;
}

export class Linear8bitLt extends Module {
  in_features: number;
  out_features: number;
  weight: Int8Params;
  bias: Parameter | null;
  declare SCB: Tensor | null;
  declare weight_format: Tensor | null;
  /** MatMul8bitLtState's settings */
  declare state: { threshold: number; has_fp16_weights: boolean };

  /** Linear8bitLt(input_features, output_features, bias = true, { has_fp16_weights = true,
   *  threshold = 0.0 }): bitsandbytes' own defaults (transformers' load_in_8bit passes false /
   *  6.0). The weight starts as nn.Linear initialises it, in float; quantize() (what moving the
   *  layer to the GPU does in bitsandbytes) turns it into int8 CB and SCB. */
  constructor(input_features: number, output_features: number, bias = true, o: Linear8bitLtOptions = {}) {
    super();
    const fn = "Linear8bitLt";
    check_features(fn, { input_features, output_features });
    check_bias_flag(fn, bias);
    const threshold = o.threshold ?? 0.0;
    if (typeof threshold !== "number" || !Number.isFinite(threshold) || threshold < 0) {
      throw new RangeError(`${fn}: threshold must be a finite number >= 0, got ${threshold}`);
    }
    const has_fp16_weights = o.has_fp16_weights ?? true;
    const init = new Linear(input_features, output_features, bias, { dtype: o.dtype ?? get_default_dtype() });
    this.in_features = input_features;
    this.out_features = output_features;
    this.weight = new Int8Params(init.weight.data, has_fp16_weights, has_fp16_weights);
    this.bias = init.bias;
    Object.defineProperty(this, "state", { enumerable: false, writable: true, configurable: true, value: { threshold, has_fp16_weights } });
    this.register_buffer("SCB", null);
    this.register_buffer("weight_format", null);
  }

  /** Builds the layer from an nn.Linear (its weight and bias are copied) and quantizes it, with
   *  the inference settings transformers' load_in_8bit uses (has_fp16_weights false, threshold 6.0)
   *  unless o says otherwise. */
  static from_linear(linear: Linear, o: Omit<Linear8bitLtOptions, "dtype"> = {}): Linear8bitLt {
    o = { has_fp16_weights: false, threshold: 6.0, ...o };
    if (!(linear instanceof Linear)) throw new TypeError(`Linear8bitLt.from_linear: expected an nn.Linear, got ${linear === null ? "null" : typeof linear}`);
    const layer = new Linear8bitLt(linear.in_features, linear.out_features, linear.bias !== null, { ...o, dtype: linear.weight.dtype });
    layer.weight.copy_(linear.weight);
    if (linear.bias && layer.bias) layer.bias.copy_(linear.bias);
    return layer.quantize();
  }

  get is_quantized(): boolean {
    return this.weight.dtype === int8;
  }

  /** Int8Params._quantize: the weight is cast to float16, CB = int8 row-wise absmax codes,
   *  SCB = row absmax (float32). The weight Parameter then holds CB. With has_fp16_weights the
   *  weight stays float (bitsandbytes quantizes it on each forward instead). */
  quantize(): this {
    if (this.state.has_fp16_weights || this.is_quantized) return this;
    if (!this.weight.dtype.is_floating_point) throw new TypeError(`Linear8bitLt.quantize: the weight is ${this.weight.dtype}; expected a float weight to quantize`);
    const [CB, SCB] = this.quantize_weight();
    this.weight._set(CB);
    this.weight.requires_grad = false;
    this.weight.CB = this.weight;
    this.weight.SCB = SCB;
    this.SCB = SCB;
    this.weight_format = new Tensor(new Uint8Array([0]), uint8, []);
    return this;
  }

  private quantize_weight(): [Tensor, Tensor] {
    const [CB, SCB] = int8_vectorwise_quant(this.weight.to(float16), 0);
    const stats = new Float32Stats(SCB._data, float32, SCB._shape);
    return [CB, stats];
  }

  /** Loads a float checkpoint (weight [out, in] in any float dtype, bias) into an unquantized
   *  layer, or bitsandbytes' 8-bit format: weight int8 CB [out, in], SCB float32 [out],
   *  weight_format uint8 0 ("row"; the tiled GPU layouts 1–3 are not supported), bias. */
  override load_state_dict(state: Record<string, Tensor> | Map<string, Tensor>, strict = true): { missing_keys: string[]; unexpected_keys: string[] } {
    const fn = "Linear8bitLt.load_state_dict";
    const sd = state instanceof Map ? Object.fromEntries(state) : { ...state };
    const w = sd.weight;
    const prequantized = "SCB" in sd || (w instanceof Tensor && w.dtype === int8);
    if (!prequantized) {
      if (this.is_quantized) {
        throw new Error(`${fn}: this layer is already quantized (weight is int8 CB); load float weights into a fresh Linear8bitLt and call quantize(), or load an 8-bit checkpoint with SCB`);
      }
      return super.load_state_dict(sd, strict);
    }
    const SCB = sd.SCB;
    const shape = `[${this.out_features}, ${this.in_features}]`;
    if (!(w instanceof Tensor) || w.dtype !== int8 || w.ndim !== 2 || w.shape[0] !== this.out_features || w.shape[1] !== this.in_features) {
      throw new Error(`${fn}: an 8-bit checkpoint needs weight int8 ${shape}, got ${w instanceof Tensor ? `${w.dtype} [${w.shape.join(", ")}]` : "none"}`);
    }
    if (!(SCB instanceof Tensor) || SCB.dtype !== float32 || SCB.numel() !== this.out_features) {
      throw new Error(`${fn}: an 8-bit checkpoint needs SCB float32 [${this.out_features}], got ${SCB instanceof Tensor ? `${SCB.dtype} [${SCB.shape.join(", ")}]` : "none"}`);
    }
    const fmt = sd.weight_format;
    if (fmt !== undefined) {
      const v = fmt instanceof Tensor && fmt.numel() === 1 ? Number(fmt.reshape(-1).tolist() as unknown as number) : NaN;
      if (v !== 0) throw new Error(`${fn}: weight_format ${Number.isNaN(v) ? "is not a scalar" : v} is not supported; only 0 ("row") loads, as in bitsandbytes`);
    }
    const [write_bias, result] = check_bias_and_rest("Linear8bitLt", sd, (k) => ["weight", "SCB", "weight_format"].includes(k),
      this.bias, this.out_features, strict);
    // everything checked: now write
    this.weight._set(w.contiguous().clone());
    this.weight.requires_grad = false;
    this.weight.CB = this.weight;
    const stats = SCB.contiguous().clone().reshape(this.out_features);
    this.SCB = new Float32Stats(stats._data, float32, stats._shape);
    this.weight.SCB = this.SCB;
    this.weight_format = new Tensor(new Uint8Array([0]), uint8, []);
    write_bias();
    return result;
  }

  override forward(x: Tensor): Tensor {
    const fn = "Linear8bitLt.forward";
    if (!(x instanceof Tensor)) throw new TypeError(`${fn}: expected a Tensor, got ${x === null ? "null" : typeof x}`);
    if (!x.dtype.is_floating_point) throw new TypeError(`${fn}: expected a float input (float16 as in bitsandbytes), got ${x.dtype}`);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.in_features) {
      throw new RangeError(`${fn}: the input's last dim must be in_features = ${this.in_features}, got shape [${x.shape.join(", ")}]`);
    }
    const dtype = x.dtype;
    // weight: the stored CB/SCB, or (not yet quantized / has_fp16_weights) quantized now
    const [CB, SCB] = this.is_quantized ? [this.weight.data, this.SCB!] : this.quantize_weight();
    // bitsandbytes casts the bias to the input's dtype before the matmul
    const bias = this.bias ? this.bias.to(dtype) : null;
    const A = x.reshape(-1, this.in_features);
    const threshold = this.state.threshold;
    const [CA, SCA, outlier_cols] = int8_vectorwise_quant(A.to(float16), threshold);
    const out_i32 = int8_linear_matmul(CA, CB);
    let output = int8_mm_dequant(out_i32, SCA, SCB.to(float32), { bias, dtype });
    if (outlier_cols && outlier_cols.numel() > 0) {
      const cols = outlier_cols;
      const subA = A.index_select(1, cols);
      const subB = int8_vectorwise_dequant(CB.index_select(1, cols), SCB.to(float32)).to(dtype).T;
      output = addmm_fp32_accumulate(output, subA, subB);
    }
    return output.reshape(...x.shape.slice(0, -1), this.out_features);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** input.addmm(m1, m2) with GPU GEMM semantics for half types: the product summed in float32
 *  (in index order), added to float32(input), one rounding to input's dtype. */
export function addmm_fp32_accumulate(input: Tensor, m1: Tensor, m2: Tensor): Tensor {
  const [rows, k] = m1.shape as unknown as [number, number];
  const n = m2.shape[1]!;
  const a = m1.to(float32).contiguous().tolist() as number[][];
  const b = m2.to(float32).contiguous().tolist() as number[][];
  const c = input.to(float32).contiguous().tolist() as number[][];
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      let s = 0;
      for (let j = 0; j < k; j++) s = f32(s + f32(a[r]![j]! * b[j]![o]!));
      out[r * n + o] = f32(c[r]![o]! + s);
    }
  }
  return new Tensor(out, float32, [rows, n]).to(input.dtype);
}
