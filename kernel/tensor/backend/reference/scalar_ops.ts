// The element semantics of every binary and unary op, computed with JS numbers: the reference
// that native/src/kernels/binary_ops.h and unary_ops.h are tested against. Floating ops compute
// in float32 (rounding each step with Math.fround) for float32, float16 and bfloat16 -- torch's
// "opmath" -- and in float64 for float64; integer ops wrap to their width.
import { ALL_DTYPES, DType } from "../../dtype.js";
import { convert, wrap_int } from "../../elements.js";
import { fma, fmaf } from "../../fma.js";
import { erf } from "./special.js";

export interface Arith {
  float: boolean;
  /** rounds a real result to the compute type */
  r: (x: number) => number;
  /** a * b in the compute type (int32 products need more than a double's 53 bits to wrap exactly) */
  mul: (a: number, b: number) => number;
  dtype: DType;
}

const INT_WIDTH: Record<string, [number, boolean]> = {
  bool: [64, true], uint8: [8, false], int8: [8, true], int16: [16, true], int32: [32, true], int64: [64, true],
};

export function arith(dtype_code: number): Arith {
  const dtype = ALL_DTYPES[dtype_code]!;
  if (dtype.is_floating_point) {
    const r = dtype.name === "float64" ? (x: number) => x : Math.fround;
    return { float: true, r, mul: (a, b) => r(a * b), dtype };
  }
  // int64 computes in BigInt (./int64.ts); bool's 0/1 values never overflow
  const [bits, signed] = INT_WIDTH[dtype.name]!;
  const r = bits === 64 ? (x: number) => x : (x: number) => wrap_int(x, bits, signed);
  return { float: false, r, mul: bits === 32 ? Math.imul : (a, b) => r(a * b), dtype };
}

export function zero_division(): never {
  throw new Error("ZeroDivisionError: integer division or modulo by zero");
}

/** C's (and IEEE 754's) pow, where Math.pow differs: pow(1, y) is 1 even for y = NaN, and
 *  pow(-1, ±inf) is 1. */
function c_pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

function int_pow(a: number, b: number, A: Arith): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 !== 0 ? -1 : 1) : 0;
  let r = 1, base = a;
  for (let e = b; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r = A.mul(r, base);
    base = A.mul(base, base);
  }
  return r;
}

/** add with alpha: a + alpha * b rounded once (an FMA for floats), integers wrapping. */
export function add_alpha(a: number, b: number, alpha: number, A: Arith): number {
  if (!A.float) return A.r(a + A.mul(alpha, b));
  return A.dtype.name === "float64" ? fma(b, alpha, a) : fmaf(b, alpha, a);
}

/** op(a, b) in the compute type A; predicates return 1/0. */
export function binary_scalar(op: string, a: number, b: number, A: Arith): number {
  const r = A.r;
  switch (op) {
    case "add": return r(a + b);
    case "sub": return r(a - b);
    case "mul": return A.mul(a, b);
    case "div": return r(a / b);
    case "maximum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b;
    case "minimum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b;
    case "pow": return A.float ? r(c_pow(a, b)) : int_pow(a, b, A);
    case "fmod":
      if (!A.float && b === 0) zero_division();
      return A.float ? a % b : r(a % b);
    case "remainder": {
      if (!A.float && b === 0) zero_division();
      let m = a % b;
      if (m !== 0 && b < 0 !== m < 0) m = r(m + b);
      return m;
    }
    case "floor_divide": {
      if (!A.float) {
        if (b === 0) zero_division();
        return r(Math.floor(a / b));
      }
      if (b === 0) return r(a / b);
      const mod = a % b;
      let div = r(r(a - mod) / b);
      if (mod !== 0 && b < 0 !== mod < 0) div = r(div - 1);
      if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
      let fl = Math.floor(div);
      if (r(div - fl) > 0.5) fl = r(fl + 1);
      return fl;
    }
    case "atan2": return r(Math.atan2(a, b));
    case "eq": return a === b ? 1 : 0;
    case "ne": return a !== b ? 1 : 0;
    case "lt": return a < b ? 1 : 0;
    case "le": return a <= b ? 1 : 0;
    case "gt": return a > b ? 1 : 0;
    case "ge": return a >= b ? 1 : 0;
    case "logical_and": return a !== 0 && b !== 0 ? 1 : 0;
    case "logical_or": return a !== 0 || b !== 0 ? 1 : 0;
    case "logical_xor": return (a !== 0) !== (b !== 0) ? 1 : 0;
    case "bitwise_and": return r(a & b);
    case "bitwise_or": return r(a | b);
    case "bitwise_xor": return r(a ^ b);
    case "bitwise_left_shift": {
      const bits = A.dtype.name === "bool" ? 64 : A.dtype.itemsize * 8;
      return b < 0 || b >= bits ? 0 : r(Number(BigInt.asIntN(64, BigInt(a) << BigInt(b))));
    }
    case "bitwise_right_shift": {
      const bits = A.dtype.name === "bool" ? 64 : A.dtype.itemsize * 8;
      if (b < 0 || b >= bits) return a < 0 ? -1 : 0;
      return Math.floor(a / 2 ** b);
    }
  }
  throw new Error(`reference: unknown binary op ${op}`);
}

/** A parameter (clamp bounds, exponents, replacements) in the compute type, as scalar operands are. */
function param(v: number, A: Arith): number {
  return convert(v, A.dtype, "scalar");
}

/** torch's pow(tensor, scalar) special cases, skipped for float16 (plain; see unary_ops.h). */
function pow_scalar(x: number, e: number, A: Arith, plain: boolean): number {
  const r = A.r;
  if (!A.float) return int_pow(x, param(e, A), A);
  if (!plain) {
    if (e === 2) return r(x * x);
    if (e === 3) return r(r(x * x) * x);
    if (e === 0.5) return r(Math.sqrt(x));
    if (e === -0.5) return r(1 / r(Math.sqrt(x)));
    if (e === -1) return r(1 / x);
    if (e === -2) return r(1 / r(x * x));
  }
  return r(c_pow(x, r(e)));
}

export function unary_scalar(op: string, x: number, A: Arith, p: readonly number[]): number {
  const r = A.r;
  switch (op) {
    case "neg": return r(-x);
    case "abs": return r(Math.abs(x));
    case "logical_not": return x === 0 ? 1 : 0;
    case "isnan": return Number.isNaN(x) ? 1 : 0;
    case "isinf": return x === Infinity || x === -Infinity ? 1 : 0;
    case "isfinite": return Number.isFinite(x) ? 1 : 0;
    case "sign": return x > 0 ? 1 : x < 0 ? r(-1) : 0;
    case "square": return A.mul(x, x);
    case "clamp": {
      if (Number.isNaN(x)) return x;
      let v = x;
      if (p[0] !== 0 && v < param(p[1]!, A)) v = param(p[1]!, A);
      if (p[2] !== 0 && v > param(p[3]!, A)) v = param(p[3]!, A);
      return v;
    }
    case "pow_scalar": return pow_scalar(x, p[0]!, A, p[1] === 1);
    case "relu": return x < 0 ? 0 : x;  // keeps -0.0 and NaN, as torch's relu does
  }
  if (!A.float) {
    if (op === "bitwise_not") return r(~x);
    if (op === "rpow_scalar") return int_pow(param(p[0]!, A), x, A);
    return x;  // round/floor/ceil/trunc are identities on integers
  }
  switch (op) {
    case "sqrt": return r(Math.sqrt(x));
    case "rsqrt": return r(1 / r(Math.sqrt(x)));
    case "exp": return r(Math.exp(x));
    case "expm1": return r(Math.expm1(x));
    case "log": return r(Math.log(x));
    case "log2": return r(Math.log2(x));
    case "log10": return r(Math.log10(x));
    case "log1p": return r(Math.log1p(x));
    case "sin": return r(Math.sin(x));
    case "cos": return r(Math.cos(x));
    case "tan": return r(Math.tan(x));
    case "tanh": return r(Math.tanh(x));
    case "sigmoid": return r(1 / r(1 + r(Math.exp(-x))));
    case "gelu": return r(r(x * 0.5) * r(1 + r(erf(r(x * r(Math.SQRT1_2))))));
    case "gelu_tanh": {
      const k = r(Math.sqrt(2 / Math.PI));
      const inner = r(k * r(x + r(r(r(r(0.044715) * x) * x) * x)));
      return r(r(0.5 * x) * r(1 + r(Math.tanh(inner))));
    }
    case "silu": return r(x / r(1 + r(Math.exp(-x))));
    case "erf": return r(erf(x));
    case "round": return round_half_even(x);
    case "floor": return Math.floor(x);
    case "ceil": return Math.ceil(x);
    case "trunc": return Math.trunc(x);
    case "reciprocal": return r(1 / x);
    case "rpow_scalar": return r(c_pow(r(p[0]!), x));
    case "round_decimals": {
      const d = p[0]!;
      const ten = r(10 ** Math.abs(d));
      return d < 0 ? r(round_half_even(r(x / ten)) * ten) : r(round_half_even(r(x * ten)) / ten);
    }
    case "nan_to_num":
      if (Number.isNaN(x)) return param(p[0]!, A);
      if (x === Infinity) return param(p[1]!, A);
      if (x === -Infinity) return param(p[2]!, A);
      return x;
  }
  throw new Error(`reference: unknown unary op ${op}`);
}

/** Round half to even, keeping the sign of zero (torch.round, Python round). */
export function round_half_even(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f;
  let r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  if (r === 0 && (x < 0 || Object.is(x, -0))) r = -0;
  return r;
}
