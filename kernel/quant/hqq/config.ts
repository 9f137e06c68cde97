// hqq's BaseQuantizeConfig and transformers' HqqConfig (a wrapper around it): which bits, group
// size and axis each nn.Linear is quantized with, and which layers stay in float.
import { SUPPORTED_BITS } from "./quantizer.js";

/** BaseQuantizeConfig's weight_quant_params: the options HQQLinear hands Quantizer.quantize. */
export interface WeightQuantParams {
  nbits: number;
  channel_wise: boolean;
  group_size: number | null;
  optimize: boolean;
  round_zero: boolean;
  axis: 0 | 1;
  view_as_float: boolean;
}

export interface QuantConfig {
  weight_quant_params: WeightQuantParams;
  /** hqq's quantized scale/zero meta-data: deprecated there, not supported here (always null) */
  scale_quant_params: null;
  zero_quant_params: null;
}

export interface BaseQuantizeConfigOptions {
  nbits?: number;
  group_size?: number | null;
  view_as_float?: boolean;
  axis?: number;
}

/** hqq's BaseQuantizeConfig({ nbits: 4, group_size: 64, view_as_float: false, axis: 1 }): always
 *  channel-wise and optimized; round_zero for 4 bits only, as hqq does. */
export function BaseQuantizeConfig(o: BaseQuantizeConfigOptions = {}): QuantConfig {
  const fn = "hqq.BaseQuantizeConfig";
  const nbits = o.nbits ?? 4;
  const group_size = o.group_size === undefined ? 64 : o.group_size;
  const axis = o.axis ?? 1;
  if (!SUPPORTED_BITS.includes(nbits as (typeof SUPPORTED_BITS)[number])) {
    throw new RangeError(`${fn}: nbits=${nbits} not supported; use one of ${SUPPORTED_BITS.join(", ")}`);
  }
  if (group_size !== null && !(Number.isInteger(group_size) && group_size > 0 && group_size % 8 === 0)) {
    throw new RangeError(`${fn}: group_size must be a positive multiple of 8 (or null for one group per row/column), got ${group_size}`);
  }
  if (axis !== 0 && axis !== 1) throw new RangeError(`${fn}: invalid axis value ${axis}; only 0 and 1 are allowed`);
  return {
    weight_quant_params: {
      nbits, channel_wise: true, group_size, optimize: true, round_zero: nbits === 4, axis, view_as_float: o.view_as_float ?? false,
    },
    scale_quant_params: null,
    zero_quant_params: null,
  };
}

export interface HqqConfigOptions extends BaseQuantizeConfigOptions {
  /** linear tag (e.g. "self_attn.q_proj") → its own options; layers not named stay in float */
  dynamic_config?: Record<string, BaseQuantizeConfigOptions> | null;
  /** linear tags kept in float; transformers' default keeps lm_head */
  skip_modules?: string[];
}

// transformers accepts these and says they are ignored
const DEPRECATED = ["quant_zero", "quant_scale", "offload_meta"];
const KNOWN = ["nbits", "group_size", "view_as_float", "axis", "dynamic_config", "skip_modules", ...DEPRECATED];

/** transformers.HqqConfig({ nbits: 4, group_size: 64, view_as_float: false, axis: 1,
 *  dynamic_config, skip_modules: ["lm_head"] }). axis defaults to 1 as in transformers. */
export class HqqConfig {
  quant_method = "hqq" as const;
  quant_config: QuantConfig | Record<string, QuantConfig>;
  skip_modules: string[];

  constructor(o: HqqConfigOptions = {}) {
    const fn = "HqqConfig";
    if (o === null || typeof o !== "object") throw new TypeError(`${fn}: expected an options object such as { nbits: 4, group_size: 64 }`);
    const unknown = Object.keys(o).filter((k) => !KNOWN.includes(k));
    if (unknown.length) throw new TypeError(`${fn}: unknown option(s) ${unknown.join(", ")}; expected ${KNOWN.slice(0, 6).join(", ")}`);
    const skip = o.skip_modules ?? ["lm_head"];
    if (!Array.isArray(skip) || skip.some((s) => typeof s !== "string")) throw new TypeError(`${fn}: skip_modules must be a list of layer names, e.g. ["lm_head"]`);
    if (o.dynamic_config != null) {
      const per: Record<string, QuantConfig> = {};
      for (const [tag, cfg] of Object.entries(o.dynamic_config)) per[tag] = BaseQuantizeConfig(cfg);
      this.quant_config = per;
    } else {
      this.quant_config = BaseQuantizeConfig({ nbits: o.nbits, group_size: o.group_size, view_as_float: o.view_as_float, axis: o.axis });
    }
    this.skip_modules = [...skip];
  }

  /** { quant_config, quant_method, skip_modules }, what config.json's quantization_config holds */
  to_dict(): { quant_config: HqqConfig["quant_config"]; quant_method: "hqq"; skip_modules: string[] } {
    return { quant_config: structuredClone(this.quant_config), quant_method: this.quant_method, skip_modules: [...this.skip_modules] };
  }

  static from_dict(config: { quant_config: HqqConfig["quant_config"]; skip_modules: string[] }): HqqConfig {
    const c = new HqqConfig();
    c.quant_config = structuredClone(config.quant_config);
    c.skip_modules = [...config.skip_modules];
    return c;
  }
}
