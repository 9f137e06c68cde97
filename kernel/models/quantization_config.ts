// transformers' quantization configs (utils/quantization_config.py): what from_pretrained's
// `quantization_config` takes, and what config.json's "quantization_config" holds once a model
// was quantized. HqqConfig lives with hqq (kernel/quant/hqq) and is re-exported here.
import { as_dtype, DType, float32, uint8 } from "../tensor/dtype.js";

export { HqqConfig } from "../quant/hqq/config.js";

export interface BitsAndBytesConfigOptions {
  load_in_8bit?: boolean;
  load_in_4bit?: boolean;
  /** LLM.int8()'s outlier threshold */
  llm_int8_threshold?: number;
  /** modules left in float; null: transformers' choice (the LM head and tied weights) */
  llm_int8_skip_modules?: string[] | null;
  llm_int8_enable_fp32_cpu_offload?: boolean;
  llm_int8_has_fp16_weight?: boolean;
  bnb_4bit_compute_dtype?: DType | string | null;
  bnb_4bit_quant_type?: "fp4" | "nf4";
  bnb_4bit_use_double_quant?: boolean;
  bnb_4bit_quant_storage?: DType | string | null;
}

const STORAGE = ["float16", "float32", "int8", "uint8", "float64", "bfloat16"];

function check_bool(v: unknown, key: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`BitsAndBytesConfig: ${key} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/** transformers.BitsAndBytesConfig({ load_in_8bit | load_in_4bit, llm_int8_threshold: 6.0,
 *  llm_int8_skip_modules, llm_int8_has_fp16_weight: false, bnb_4bit_compute_dtype: float32,
 *  bnb_4bit_quant_type: "fp4", bnb_4bit_use_double_quant: false, bnb_4bit_quant_storage: uint8 }). */
export class BitsAndBytesConfig {
  readonly quant_method = "bitsandbytes";
  private _load_in_8bit: boolean;
  private _load_in_4bit: boolean;
  llm_int8_threshold: number;
  llm_int8_skip_modules: string[] | null;
  llm_int8_enable_fp32_cpu_offload: boolean;
  llm_int8_has_fp16_weight: boolean;
  bnb_4bit_quant_type: "fp4" | "nf4";
  bnb_4bit_use_double_quant: boolean;
  bnb_4bit_compute_dtype: DType;
  bnb_4bit_quant_storage: DType;

  constructor(o: BitsAndBytesConfigOptions = {}) {
    const fn = "BitsAndBytesConfig";
    if (o === null || typeof o !== "object") throw new TypeError(`${fn}: expected an options object such as { load_in_8bit: true }`);
    const known = ["load_in_8bit", "load_in_4bit", "llm_int8_threshold", "llm_int8_skip_modules", "llm_int8_enable_fp32_cpu_offload",
      "llm_int8_has_fp16_weight", "bnb_4bit_compute_dtype", "bnb_4bit_quant_type", "bnb_4bit_use_double_quant", "bnb_4bit_quant_storage",
      // what to_dict writes besides the options, so that from_dict(to_dict()) round-trips
      "quant_method", "_load_in_8bit", "_load_in_4bit"];
    const unknown = Object.keys(o).filter((k) => !known.includes(k));
    if (unknown.length) throw new TypeError(`${fn}: unknown option(s) ${unknown.join(", ")}; expected ${known.slice(0, 10).join(", ")}`);
    this._load_in_8bit = check_bool(o.load_in_8bit ?? false, "load_in_8bit");
    this._load_in_4bit = check_bool(o.load_in_4bit ?? false, "load_in_4bit");
    if (this._load_in_8bit && this._load_in_4bit) throw new Error(`${fn}: load_in_4bit and load_in_8bit are both true, but only one can be used at the same time`);
    const threshold = o.llm_int8_threshold ?? 6.0;
    if (typeof threshold !== "number" || !Number.isFinite(threshold) || threshold < 0) throw new TypeError(`${fn}: llm_int8_threshold must be a number >= 0, got ${threshold}`);
    this.llm_int8_threshold = threshold;
    const skip = o.llm_int8_skip_modules ?? null;
    if (skip !== null && (!Array.isArray(skip) || skip.some((s) => typeof s !== "string"))) {
      throw new TypeError(`${fn}: llm_int8_skip_modules must be a list of module names, e.g. ["lm_head"]`);
    }
    this.llm_int8_skip_modules = skip && [...skip];
    this.llm_int8_enable_fp32_cpu_offload = check_bool(o.llm_int8_enable_fp32_cpu_offload ?? false, "llm_int8_enable_fp32_cpu_offload");
    this.llm_int8_has_fp16_weight = check_bool(o.llm_int8_has_fp16_weight ?? false, "llm_int8_has_fp16_weight");
    const qt = o.bnb_4bit_quant_type ?? "fp4";
    if (qt !== "fp4" && qt !== "nf4") throw new TypeError(`${fn}: bnb_4bit_quant_type must be "fp4" or "nf4", got ${JSON.stringify(qt)}`);
    this.bnb_4bit_quant_type = qt;
    this.bnb_4bit_use_double_quant = check_bool(o.bnb_4bit_use_double_quant ?? false, "bnb_4bit_use_double_quant");
    const compute = as_dtype(o.bnb_4bit_compute_dtype ?? float32);
    if (!["float32", "float16", "bfloat16"].includes(compute.name)) throw new TypeError(`${fn}: bnb_4bit_compute_dtype must be float32, float16 or bfloat16, got ${compute}`);
    this.bnb_4bit_compute_dtype = compute;
    const storage = as_dtype(o.bnb_4bit_quant_storage ?? uint8);
    if (!STORAGE.includes(storage.name)) throw new TypeError(`${fn}: bnb_4bit_quant_storage must be one of ${STORAGE.join(", ")}, got ${storage}`);
    if (storage !== uint8) throw new Error(`${fn}: bnb_4bit_quant_storage ${storage} is not supported by lowbit yet; use uint8 (the default)`);
    this.bnb_4bit_quant_storage = storage;
  }

  get load_in_8bit(): boolean { return this._load_in_8bit; }
  get load_in_4bit(): boolean { return this._load_in_4bit; }

  is_quantizable(): boolean {
    return this.load_in_8bit || this.load_in_4bit;
  }

  /** "llm_int8", "fp4", "nf4" or null */
  quantization_method(): string | null {
    if (this.load_in_8bit) return "llm_int8";
    if (this.load_in_4bit) return this.bnb_4bit_quant_type;
    return null;
  }

  /** What transformers writes into config.json: its attributes (the private _load_in_* included)
   *  with the dtypes as names, then load_in_4bit / load_in_8bit. */
  to_dict(): Record<string, unknown> {
    return {
      quant_method: this.quant_method,
      _load_in_8bit: this._load_in_8bit,
      _load_in_4bit: this._load_in_4bit,
      llm_int8_threshold: this.llm_int8_threshold,
      llm_int8_skip_modules: this.llm_int8_skip_modules && [...this.llm_int8_skip_modules],
      llm_int8_enable_fp32_cpu_offload: this.llm_int8_enable_fp32_cpu_offload,
      llm_int8_has_fp16_weight: this.llm_int8_has_fp16_weight,
      bnb_4bit_quant_type: this.bnb_4bit_quant_type,
      bnb_4bit_use_double_quant: this.bnb_4bit_use_double_quant,
      bnb_4bit_compute_dtype: this.bnb_4bit_compute_dtype.name,
      bnb_4bit_quant_storage: this.bnb_4bit_quant_storage.name,
      load_in_4bit: this.load_in_4bit,
      load_in_8bit: this.load_in_8bit,
    };
  }

  /** A config from config.json's "quantization_config" (or to_dict()). */
  static from_dict(d: Record<string, unknown>): BitsAndBytesConfig {
    const { quant_method: _, _load_in_8bit, _load_in_4bit, ...rest } = d;
    return new BitsAndBytesConfig({
      ...rest, load_in_8bit: (rest.load_in_8bit ?? _load_in_8bit) as boolean | undefined, load_in_4bit: (rest.load_in_4bit ?? _load_in_4bit) as boolean | undefined,
    } as BitsAndBytesConfigOptions);
  }

  toString(): string {
    return `BitsAndBytesConfig ${JSON.stringify(this.to_dict(), Object.keys(this.to_dict()).sort(), 2)}`;
  }
}

export interface QuantoConfigOptions {
  /** "int8" (default), "int4" or "int2" ("float8" is not supported by lowbit) */
  weights?: string;
  /** null, or "int8" (accepted here as transformers does; from_pretrained then refuses it, as
   *  transformers' quanto quantizer does; "float8" is not supported by lowbit) */
  activations?: string | null;
  modules_to_not_convert?: string[] | null;
}

/** transformers.QuantoConfig({ weights: "int8", activations: null, modules_to_not_convert }):
 *  quanto weight quantization while loading (the layers are frozen). */
export class QuantoConfig {
  readonly quant_method = "quanto";
  weights: string;
  activations: string | null;
  modules_to_not_convert: string[] | null;

  constructor(o: QuantoConfigOptions = {}) {
    const fn = "QuantoConfig";
    const weights = o.weights ?? "int8";
    if (!["int8", "int4", "int2"].includes(weights)) throw new TypeError(`${fn}: weights must be "int8", "int4" or "int2", got ${JSON.stringify(weights)}`);
    const activations = o.activations ?? null;
    if (activations !== null && activations !== "int8") throw new TypeError(`${fn}: activations must be null or "int8", got ${JSON.stringify(activations)}${activations === "float8" ? " (float8 is not supported by lowbit)" : ""}`);
    const skip = o.modules_to_not_convert ?? null;
    if (skip !== null && (!Array.isArray(skip) || skip.some((s) => typeof s !== "string"))) throw new TypeError(`${fn}: modules_to_not_convert must be a list of module names`);
    this.weights = weights;
    this.activations = activations;
    this.modules_to_not_convert = skip && [...skip];
  }

  to_dict(): Record<string, unknown> {
    return { quant_method: this.quant_method, weights: this.weights, activations: this.activations, modules_to_not_convert: this.modules_to_not_convert };
  }
}
