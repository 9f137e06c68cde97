// int64 element semantics with BigInt: JS numbers lose the low bits of values beyond 2^53, so the
// reference computes int64 exactly here, wrapping as native/src/kernels/binary_ops.h does.

const wrap = (v: bigint) => BigInt.asIntN(64, v);

function zero_division(): never {
  throw new Error("ZeroDivisionError: integer division or modulo by zero");
}

function int_pow(a: bigint, b: bigint): bigint {
  if (b < 0n) return a === 1n ? 1n : a === -1n ? (b % 2n !== 0n ? -1n : 1n) : 0n;
  let r = 1n, base = a;
  for (let e = b; e > 0n; e >>= 1n) {
    if (e & 1n) r = wrap(r * base);
    base = wrap(base * base);
  }
  return r;
}

// a / b rounded toward zero and its remainder, with INT64_MIN / -1 wrapping instead of trapping
function divmod(a: bigint, b: bigint): [bigint, bigint] {
  if (b === 0n) zero_division();
  if (b === -1n) return [wrap(-a), 0n];
  return [a / b, a % b];
}

/** op(a, b) on int64 values; predicates return 1n / 0n. alpha: add's a + alpha * b. */
export function binary_int64(op: string, a: bigint, b: bigint, alpha?: bigint): bigint {
  if (alpha !== undefined) return wrap(a + alpha * b);
  const bool = (c: boolean) => (c ? 1n : 0n);
  switch (op) {
    case "add": return wrap(a + b);
    case "sub": return wrap(a - b);
    case "mul": return wrap(a * b);
    case "maximum": return a > b ? a : b;
    case "minimum": return a < b ? a : b;
    case "pow": return int_pow(a, b);
    case "fmod": return divmod(a, b)[1];
    case "remainder": {
      const m = divmod(a, b)[1];
      return m !== 0n && (b < 0n) !== (m < 0n) ? m + b : m;
    }
    case "floor_divide": {
      const [q, m] = divmod(a, b);
      return m !== 0n && (m < 0n) !== (b < 0n) ? q - 1n : q;
    }
    case "eq": return bool(a === b);
    case "ne": return bool(a !== b);
    case "lt": return bool(a < b);
    case "le": return bool(a <= b);
    case "gt": return bool(a > b);
    case "ge": return bool(a >= b);
    case "logical_and": return bool(a !== 0n && b !== 0n);
    case "logical_or": return bool(a !== 0n || b !== 0n);
    case "logical_xor": return bool((a !== 0n) !== (b !== 0n));
    case "bitwise_and": return a & b;
    case "bitwise_or": return a | b;
    case "bitwise_xor": return a ^ b;
    case "bitwise_left_shift": return b < 0n || b >= 64n ? 0n : wrap(a << b);
    case "bitwise_right_shift": return b < 0n || b >= 64n ? (a < 0n ? -1n : 0n) : a >> b;
  }
  throw new Error(`reference: binary op ${op} is not defined for int64`);
}

/** op(x; p) on an int64 value; predicates return 1n / 0n. */
export function unary_int64(op: string, x: bigint, p: readonly number[]): bigint {
  switch (op) {
    case "neg": return wrap(-x);
    case "abs": return wrap(x < 0n ? -x : x);
    case "logical_not": return x === 0n ? 1n : 0n;
    case "isnan": case "isinf": return 0n;
    case "isfinite": return 1n;
    case "sign": return x > 0n ? 1n : x < 0n ? -1n : 0n;
    case "square": return wrap(x * x);
    case "relu": return x < 0n ? 0n : x;
    case "bitwise_not": return ~x;
    case "pow_scalar": return int_pow(x, BigInt(p[0]!));
    case "rpow_scalar": return int_pow(BigInt(p[0]!), x);
    case "clamp": {
      let v = x;
      if (p[0] !== 0 && v < BigInt(p[1]!)) v = BigInt(p[1]!);
      if (p[2] !== 0 && v > BigInt(p[3]!)) v = BigInt(p[3]!);
      return v;
    }
    case "round": case "floor": case "ceil": case "trunc": case "nan_to_num": return x;
  }
  throw new Error(`reference: unary op ${op} is not defined for int64`);
}
