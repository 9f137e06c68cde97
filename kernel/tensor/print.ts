// torch-like printing: the rules of torch/_tensor_str.py (precision, integer and scientific
// modes, summarisation past `threshold` elements with `edgeitems` at each edge, line wrapping at
// `linewidth`, dtype suffixes) with Python's exactly rounded decimal formatting.
import { bool, DType, int64 } from "./dtype.js";
import { get_default_dtype } from "./defaults.js";
import { read } from "./elements.js";
import type { Tensor } from "./tensor.js";

export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sci_mode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null };
const opts: PrintOptions = { ...DEFAULTS };

/** torch.set_printoptions */
export function set_printoptions(o: Partial<PrintOptions> & { profile?: "default" | "short" | "full" } = {}): void {
  if (o.profile === "default") Object.assign(opts, DEFAULTS);
  else if (o.profile === "short") Object.assign(opts, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
  else if (o.profile === "full") Object.assign(opts, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
  for (const k of ["precision", "threshold", "edgeitems", "linewidth"] as const) if (o[k] !== undefined) opts[k] = o[k]!;
  if (o.sci_mode !== undefined) opts.sci_mode = o.sci_mode;
}

export function get_printoptions(): PrintOptions {
  return { ...opts };
}

// ---------------------------------------------------------------- Python float formatting

// The exact decimal digits of |x| (x finite, > 0) as [digits, exponent of the first digit]. A
// float64 either has at most ~17 significant digits before its expansion can be cut, or ends
// within 100: toPrecision(100) is exact enough to decide every rounding tie.
function decimal_digits(ax: number): [string, number] {
  const s = ax.toExponential(99);  // d.ddd...e±x, 100 significant digits
  const [mant, exp] = s.split("e");
  return [mant!.replace(".", ""), Number(exp)];
}

// Rounds a digit string to n digits, half to even; returns [digits, carried] (carried: a new
// leading 1 was produced).
function round_digits(d: string, n: number): [string, boolean] {
  if (n < 0) return ["", false];
  if (d.length <= n) return [d.padEnd(n, "0"), false];
  const head = d.slice(0, n), next = d.charCodeAt(n) - 48, rest = d.slice(n + 1);
  const tie = next === 5 && /^0*$/.test(rest);
  const last = n > 0 ? head.charCodeAt(n - 1) - 48 : 0;
  const up = next > 5 || (next === 5 && !tie) || (tie && last % 2 === 1);
  if (!up) return [head, false];
  const arr = head.split("").map(Number);
  let i = n - 1;
  for (; i >= 0; i--) {
    if (arr[i]! < 9) {
      arr[i]!++;
      break;
    }
    arr[i] = 0;
  }
  if (i < 0) return ["1" + arr.join(""), true];
  return [arr.join(""), false];
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return null;
}

const neg = (x: number) => x < 0 || Object.is(x, -0);

/** Python's format(x, f".{prec}f"). */
export function format_fixed(x: number, prec: number): string {
  const sp = special(x);
  if (sp) return sp;
  const sign = neg(x) ? "-" : "";
  const ax = Math.abs(x);
  if (ax === 0) return sign + (prec > 0 ? "0." + "0".repeat(prec) : "0");
  const [digits, e] = decimal_digits(ax);
  // digits before the point: e + 1 (may be <= 0)
  const intLen = e + 1;
  let all: string;
  let pointAt: number;
  if (intLen > 0) {
    all = digits;
    pointAt = intLen;
  } else {
    all = "0".repeat(-intLen) + digits;
    pointAt = 0;
  }
  if (all.length < pointAt) all = all.padEnd(pointAt, "0");
  const [r, carried] = round_digits(all, pointAt + prec);
  const p = pointAt + (carried ? 1 : 0);
  let intPart = r.slice(0, p) || "0";
  intPart = intPart.replace(/^0+(?=\d)/, "");
  const frac = r.slice(p);
  return sign + intPart + (prec > 0 ? "." + frac : "");
}

/** Python's format(x, f".{prec}e"). */
export function format_exp(x: number, prec: number): string {
  const sp = special(x);
  if (sp) return sp;
  const sign = neg(x) ? "-" : "";
  const ax = Math.abs(x);
  let digits: string, e: number;
  if (ax === 0) {
    digits = "0".repeat(prec + 1);
    e = 0;
  } else {
    const [d, e0] = decimal_digits(ax);
    const [r, carried] = round_digits(d, prec + 1);
    digits = carried ? r.slice(0, prec + 1) : r;
    e = carried ? e0 + 1 : e0;
  }
  const mant = digits[0]! + (prec > 0 ? "." + digits.slice(1) : "");
  const es = Math.abs(e).toString().padStart(2, "0");
  return `${sign}${mant}e${e < 0 ? "-" : "+"}${es}`;
}

// ---------------------------------------------------------------- _Formatter

interface Values {
  dtype: DType;
  shape: number[];
  /** row-major values (float16/bfloat16 already exact in float64) */
  data: number[];
}

function values_of(t: Tensor): Values {
  const c = t.contiguous();
  const n = c.numel();
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) data[i] = read(c._data, c._dtype, c._offset + i);
  return { dtype: t.dtype, shape: t._shape.slice(), data };
}

class Formatter {
  floating: boolean;
  int_mode = true;
  sci_mode = false;
  max_width = 1;
  is_bool: boolean;

  constructor(v: Values) {
    this.floating = v.dtype.is_floating_point;
    this.is_bool = v.dtype === bool;
    if (!this.floating) {
      for (const x of v.data) this.max_width = Math.max(this.max_width, this.int_str(x).length);
      return;
    }
    const nz = v.data.filter((x) => Number.isFinite(x) && x !== 0);
    if (nz.length > 0) {
      const abs = nz.map(Math.abs);
      const mn = Math.min(...abs), mx = Math.max(...abs);
      this.int_mode = nz.every((x) => x === Math.ceil(x));
      const p = opts.precision;
      if (this.int_mode) {
        if (mx / mn > 1000 || mx > 1e8) {
          this.sci_mode = true;
          for (const x of nz) this.max_width = Math.max(this.max_width, format_exp(x, p).length);
        } else {
          for (const x of nz) this.max_width = Math.max(this.max_width, format_fixed(x, 0).length + 1);
        }
      } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
        this.sci_mode = true;
        for (const x of nz) this.max_width = Math.max(this.max_width, format_exp(x, p).length);
      } else {
        for (const x of nz) this.max_width = Math.max(this.max_width, format_fixed(x, p).length);
      }
    }
    if (opts.sci_mode !== null) this.sci_mode = opts.sci_mode;
  }

  int_str(x: number): string {
    if (this.is_bool) return x ? "True" : "False";
    return String(x);
  }

  format(x: number): string {
    let ret: string;
    if (this.floating) {
      if (this.sci_mode) ret = format_exp(x, opts.precision);
      else if (this.int_mode) {
        ret = format_fixed(x, 0);
        if (Number.isFinite(x)) ret += ".";
      } else ret = format_fixed(x, opts.precision);
    } else {
      ret = this.int_str(x);
    }
    return " ".repeat(Math.max(0, this.max_width - ret.length)) + ret;
  }
}

// ---------------------------------------------------------------- layout

// A view of the flat values: sub-tensor at `off` with `shape`.
interface Sub {
  shape: number[];
  off: number;
  data: number[];
}

function sub(s: Sub, i: number): Sub {
  const inner = s.shape.slice(1).reduce((p, d) => p * d, 1);
  return { shape: s.shape.slice(1), off: s.off + i * inner, data: s.data };
}

function summarized(s: Sub): number[] {
  const ei = opts.edgeitems;
  if (s.shape.length === 0) return [s.data[s.off]!];
  const n = s.shape[0]!;
  const idx = n > 2 * ei ? [...Array(ei).keys(), ...Array.from({ length: ei }, (_, k) => n - ei + k)] : [...Array(n).keys()];
  if (s.shape.length === 1) return idx.map((i) => s.data[s.off + i]!);
  return idx.flatMap((i) => summarized(sub(s, i)));
}

function vector_str(s: Sub, indent: number, summarize: boolean, f: Formatter): string {
  const element_length = f.max_width + 2;
  const per_line = Math.max(1, Math.floor((opts.linewidth - indent) / element_length));
  const n = s.shape[0]!, ei = opts.edgeitems;
  const val = (i: number) => f.format(s.data[s.off + i]!);
  let data: string[];
  if (summarize && !ei) data = ["..."];
  else if (summarize && n > 2 * ei) {
    data = [...Array.from({ length: ei }, (_, i) => val(i)), " ...", ...Array.from({ length: ei }, (_, i) => val(n - ei + i))];
  } else {
    data = Array.from({ length: n }, (_, i) => val(i));
  }
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += per_line) lines.push(data.slice(i, i + per_line).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function tensor_str_with_formatter(s: Sub, indent: number, summarize: boolean, f: Formatter): string {
  const dim = s.shape.length;
  if (dim === 0) return f.format(s.data[s.off]!);
  if (dim === 1) return vector_str(s, indent, summarize, f);
  const n = s.shape[0]!, ei = opts.edgeitems;
  let slices: string[];
  if (summarize && n > 2 * ei) {
    slices = [
      ...Array.from({ length: ei }, (_, i) => tensor_str_with_formatter(sub(s, i), indent + 1, summarize, f)),
      "...",
      ...Array.from({ length: ei }, (_, i) => tensor_str_with_formatter(sub(s, n - ei + i), indent + 1, summarize, f)),
    ];
  } else {
    slices = Array.from({ length: n }, (_, i) => tensor_str_with_formatter(sub(s, i), indent + 1, summarize, f));
  }
  return "[" + slices.join("," + "\n".repeat(dim - 1) + " ".repeat(indent + 1)) + "]";
}

/** The bracketed contents torch prints for a tensor (torch._tensor_str._tensor_str). */
export function tensor_str(t: Tensor, indent: number): string {
  if (t.numel() === 0) return "[]";
  const summarize = t.numel() > opts.threshold;
  const v = values_of(t);
  const root: Sub = { shape: v.shape, off: 0, data: v.data };
  const fdata = summarize ? summarized(root) : v.data;
  const f = new Formatter({ dtype: t.dtype, shape: [], data: fdata });
  return tensor_str_with_formatter(root, indent, summarize, f);
}

function add_suffixes(s: string, suffixes: string[], indent: number): string {
  const parts = [s];
  let last_line_len = s.length - s.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (last_line_len + suffix.length + 2 > opts.linewidth) {
      parts.push(",\n" + " ".repeat(indent) + suffix);
      last_line_len = indent + suffix.length;
    } else {
      parts.push(", " + suffix);
      last_line_len += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** repr(tensor): `tensor([0.3320, 0.0457], dtype=torch.bfloat16)`. */
export function format_tensor(t: Tensor, prefix = "tensor("): string {
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== "cpu") suffixes.push(`device='${t.device}'`);
  const default_dtype = get_default_dtype();
  let body: string;
  if (t.numel() === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t._shape.join(", ")})`);
    if (t.dtype !== default_dtype) suffixes.push(`dtype=${t.dtype}`);
    body = "[]";
  } else {
    if (t.dtype !== default_dtype && t.dtype !== int64 && t.dtype !== bool) suffixes.push(`dtype=${t.dtype}`);
    body = tensor_str(t, indent);
  }
  if (t.requires_grad) suffixes.push("requires_grad=True");
  return add_suffixes(prefix + body, suffixes, indent);
}

