// torch.iinfo / torch.finfo with every field torch has, printing as torch prints them.
import { inspect } from "node:util";
import { as_dtype, DType } from "./dtype.js";
import { format_exp, format_fixed } from "./print.js";

/** C's %g with 6 significant digits (how torch's C++ prints iinfo / finfo fields). */
export function format_g(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const e = Number(format_exp(x, precision - 1).split("e")[1]);
  const strip = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (e < -4 || e >= precision) {
    const [m, ex] = format_exp(x, precision - 1).split("e");
    return `${strip(m!)}e${ex}`;
  }
  return strip(format_fixed(x, Math.max(0, precision - 1 - e)));
}

export class iinfo_t {
  readonly bits: number;
  /** int64's limits are exact only as bigint; min/max are numbers for every other type */
  readonly min: number | bigint;
  readonly max: number | bigint;
  readonly dtype: string;
  constructor(d: DType) {
    if (d.is_floating_point || d.name === "bool") throw new TypeError(`torch.iinfo() requires an integer input type. Use torch.finfo to handle '${d}'`);
    this.bits = d.bits;
    this.dtype = d.name;
    if (d.name === "int64") {
      this.min = -(2n ** 63n);
      this.max = 2n ** 63n - 1n;
    } else {
      this.min = d.is_signed ? -(2 ** (d.bits - 1)) : 0;
      this.max = d.is_signed ? 2 ** (d.bits - 1) - 1 : 2 ** d.bits - 1;
    }
  }
  toString(): string {
    return `iinfo(min=${format_g(Number(this.min))}, max=${format_g(Number(this.max))}, dtype=${this.dtype})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

const FLOAT_INFO: Record<string, { eps: number; max: number; tiny: number; precision: number }> = {
  float16: { eps: 2 ** -10, max: 65504, tiny: 2 ** -14, precision: 3 },
  bfloat16: { eps: 2 ** -7, max: (2 - 2 ** -7) * 2 ** 127, tiny: 2 ** -126, precision: 2 },
  float32: { eps: 2 ** -23, max: (2 - 2 ** -23) * 2 ** 127, tiny: 2 ** -126, precision: 6 },
  float64: { eps: 2 ** -52, max: Number.MAX_VALUE, tiny: 2 ** -1022, precision: 15 },
};

export class finfo_t {
  readonly bits: number;
  readonly eps: number;
  readonly max: number;
  readonly min: number;
  readonly tiny: number;
  readonly smallest_normal: number;
  readonly resolution: number;
  readonly dtype: string;
  constructor(d: DType) {
    const f = FLOAT_INFO[d.name];
    if (!f) throw new TypeError(`torch.finfo() requires a floating point input type. Use torch.iinfo to handle '${d}'`);
    this.bits = d.bits;
    this.eps = f.eps;
    this.max = f.max;
    this.min = -f.max;
    this.tiny = f.tiny;
    this.smallest_normal = f.tiny;
    this.resolution = Number(`1e-${f.precision}`);
    this.dtype = d.name;
  }
  toString(): string {
    const g = format_g;
    return `finfo(resolution=${g(this.resolution)}, min=${g(this.min)}, max=${g(this.max)}, eps=${g(this.eps)}, smallest_normal=${g(this.smallest_normal)}, tiny=${g(this.tiny)}, dtype=${this.dtype})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export function iinfo(d: DType | string): iinfo_t {
  return new iinfo_t(as_dtype(d));
}

export function finfo(d?: DType | string): finfo_t {
  return new finfo_t(as_dtype(d ?? "float32"));
}
