// int64 element semantics in BigInt, wrapping like two's complement: JS numbers keep only 53 bits,
// and torch's int64 arithmetic wraps on overflow.
import { int64 } from "../../dtype.js";
import { convert } from "../../elements.js";
import { zero_division } from "./scalar_ops.js";

const wrap = (x: bigint) => BigInt.asIntN(64, x);
const bit = (c: boolean) => (c ? 1n : 0n);

/** A scalar (a JS number) as an int64 operand, with the float -> int64 conversion rule. */
export function to_i64(v: number): bigint {
  return BigInt(convert(v, int64, "scalar"));
}

function pow(a: bigint, b: bigint): bigint {
  if (b < 0n) return a === 1n ? 1n : a === -1n ? (b % 2n !== 0n ? -1n : 1n) : 0n;
  let r = 1n, base = a;
  for (let e = b; e > 0n; e >>= 1n) {
    if (e & 1n) r = wrap(r * base);
    base = wrap(base * base);
  }
  return r;
}

/** op(a, b); predicates give 1n / 0n. alpha: add's a + alpha * b. */
export function binary_i64(op: string, a: bigint, b: bigint, alpha?: bigint): bigint {
  if (alpha !== undefined) return wrap(a + alpha * b);
  switch (op) {
    case "add": return wrap(a + b);
    case "sub": return wrap(a - b);
    case "mul": return wrap(a * b);
    case "maximum": return a > b ? a : b;
    case "minimum": return a < b ? a : b;
    case "pow": return pow(a, b);
    case "fmod":
      if (b === 0n) zero_division();
      return a % b;
    case "remainder": {
      if (b === 0n) zero_division();
      const m = a % b;
      return m !== 0n && (b < 0n) !== (m < 0n) ? m + b : m;
    }
    case "floor_divide": {
      if (b === 0n) zero_division();
      const q = a / b, m = a % b;
      return wrap(m !== 0n && (m < 0n) !== (b < 0n) ? q - 1n : q);
    }
    case "eq": return bit(a === b);
    case "ne": return bit(a !== b);
    case "lt": return bit(a < b);
    case "le": return bit(a <= b);
    case "gt": return bit(a > b);
    case "ge": return bit(a >= b);
    case "logical_and": return bit(a !== 0n && b !== 0n);
    case "logical_or": return bit(a !== 0n || b !== 0n);
    case "logical_xor": return bit((a !== 0n) !== (b !== 0n));
    case "bitwise_and": return a & b;
    case "bitwise_or": return a | b;
    case "bitwise_xor": return a ^ b;
    case "bitwise_left_shift": return b < 0n || b >= 64n ? 0n : wrap(a << b);
    case "bitwise_right_shift": return b < 0n || b >= 64n ? (a < 0n ? -1n : 0n) : a >> b;
  }
  throw new Error(`reference: binary op ${op} does not apply to int64`);
}

/** op(x; p); predicates give 1n / 0n. */
export function unary_i64(op: string, x: bigint, p: readonly number[]): bigint {
  switch (op) {
    case "neg": return wrap(-x);
    case "abs": return wrap(x < 0n ? -x : x);
    case "sign": return x > 0n ? 1n : x < 0n ? -1n : 0n;
    case "square": return wrap(x * x);
    case "relu": return x > 0n ? x : 0n;
    case "clamp": {
      let v = x;
      if (p[0] !== 0 && v < to_i64(p[1]!)) v = to_i64(p[1]!);
      if (p[2] !== 0 && v > to_i64(p[3]!)) v = to_i64(p[3]!);
      return v;
    }
    case "pow_scalar": return pow(x, to_i64(p[0]!));
    case "rpow_scalar": return pow(to_i64(p[0]!), x);
    case "bitwise_not": return ~x;
    case "logical_not": return bit(x === 0n);
    case "isnan": case "isinf": return 0n;
    case "isfinite": return 1n;
    case "round": case "floor": case "ceil": case "trunc": case "nan_to_num": return x;
  }
  throw new Error(`reference: unary op ${op} does not apply to int64`);
}
