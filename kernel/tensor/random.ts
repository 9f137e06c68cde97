// PyTorch's CPU generator, stream for stream: mt19937 seeded like at::mt19937, 24-bit floats and
// 53-bit doubles from it, Box-Muller normals with the cached second sample, and the 16-at-a-time
// normal_fill path torch takes for contiguous tensors of 16 or more elements.
import { allocate, DType, float32, float64, int64 } from "./dtype.js";
import { K } from "./backend/index.js";
import { UNARY_OPS } from "./backend/ops.js";
import { fma, fmaf } from "./fma.js";
import { normal_fill_16_avx2 } from "./random_avx2.js";
import { get_default_dtype } from "./defaults.js";
import { store, write } from "./elements.js";
import { from_bf16, from_f16, to_bf16, to_f16 } from "./half.js";
import { contiguous_strides, numel } from "./shape.js";
import { Tensor } from "./tensor.js";

const N = 624;
const M = 397;

/** at::mt19937: the standard 32-bit Mersenne Twister. */
export class MT19937 {
  private state = new Uint32Array(N);
  private index = N;

  constructor(seed = 5489) {
    this.seed(seed);
  }

  seed(seed: number): void {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let j = 1; j < N; j++) {
      const prev = s[j - 1]! ^ (s[j - 1]! >>> 30);
      s[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
    this.index = N;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i]! & 0x80000000) | (s[(i + 1) % N]! & 0x7fffffff);
      let v = s[(i + M) % N]! ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      s[i] = v >>> 0;
    }
    this.index = 0;
  }

  next_u32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  snapshot(): { state: Uint32Array; index: number } {
    return { state: this.state.slice(), index: this.index };
  }
  restore(s: { state: Uint32Array; index: number }): void {
    this.state = s.state.slice();
    this.index = s.index;
  }
}

const DEFAULT_SEED = 67280421310721;

/** torch.Generator (CPU). */
export class Generator {
  private engine = new MT19937();
  private seed_value = 0;
  /** Box-Muller's second sample, kept for the next scalar normal (as CPUGeneratorImpl does). */
  next_double_normal: number | null = null;
  next_float_normal: number | null = null;

  constructor(readonly device: "cpu" = "cpu") {
    this.manual_seed(DEFAULT_SEED);
  }

  manual_seed(seed: number | bigint): this {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.seed_value = Number(s);
    this.engine = new MT19937(Number(s & 0xffffffffn));
    this.next_double_normal = null;
    this.next_float_normal = null;
    return this;
  }
  initial_seed(): number {
    return this.seed_value;
  }
  /** A fresh nondeterministic seed, as torch.seed(). */
  seed(): number {
    const s = Math.floor(Math.random() * 2 ** 52);
    this.manual_seed(s);
    return s;
  }
  get_state(): { state: Uint32Array; index: number; next_double_normal: number | null; next_float_normal: number | null } {
    return { ...this.engine.snapshot(), next_double_normal: this.next_double_normal, next_float_normal: this.next_float_normal };
  }
  set_state(s: ReturnType<Generator["get_state"]>): void {
    this.engine.restore(s);
    this.next_double_normal = s.next_double_normal;
    this.next_float_normal = s.next_float_normal;
  }

  random(): number {
    return this.engine.next_u32();
  }
  /** random64() as (hi, lo): hi is drawn first. */
  random64(): [number, number] {
    const hi = this.engine.next_u32();
    const lo = this.engine.next_u32();
    return [hi, lo];
  }
}

export const default_generator = new Generator();

/** torch.manual_seed */
export function manual_seed(seed: number | bigint): Generator {
  return default_generator.manual_seed(seed);
}
export function initial_seed(): number {
  return default_generator.initial_seed();
}
export function seed(): number {
  return default_generator.seed();
}

// ---------------------------------------------------------------- distributions

// Rounds a value to the element type.
function to_elem(d: DType): (x: number) => number {
  if (d.name === "float16") return (x) => from_f16(to_f16(x));
  if (d.name === "bfloat16") return (x) => from_bf16(to_bf16(x));
  if (d.name === "float64") return (x) => x;
  return Math.fround;
}

/** Mantissa digits of a float type (std::numeric_limits<T>::digits). */
function digits(d: DType): number {
  return { float16: 11, bfloat16: 8, float32: 24, float64: 53 }[d.name as "float32"] ?? 24;
}

/** at::uniform_real_distribution<T>(from, to)(gen), in T's accumulate type; x * (to - from) + from
 *  is one fused multiply-add in torch's build. */
function uniform_real(g: Generator, d: DType, from: number, to: number): number {
  if (d.name === "float64") {
    const [hi, lo] = g.random64();
    const x = ((hi & 0x1fffff) * 4294967296 + lo) * 2 ** -53;
    return from === 0 && to === 1 ? x : fma(x, to - from, from);
  }
  const bits = digits(d);
  const x = (g.random() & ((1 << bits) - 1)) * 2 ** -bits;
  return fmaf(x, Math.fround(to - from), from);
}

// log, sin and cos in float64 as torch's kernels call them (glibc's libm, through the native
// kernels; V8's Math functions can differ in the last bit when the addon is absent).
function libm(op: "log" | "sin" | "cos", x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  K.unary(UNARY_OPS.indexOf(op), float64.code, float64.code, [x.length], out, 0, [1], x, 0, [1]);
  return out;
}

/** at::normal_distribution<double>: one Box-Muller pair per two calls. */
function normal_double(g: Generator, mean: number, std: number): number {
  if (g.next_double_normal !== null) {
    const v = g.next_double_normal;
    g.next_double_normal = null;
    return fma(v, std, mean);
  }
  const u1 = uniform_real(g, float64, 0, 1);
  const u2 = uniform_real(g, float64, 0, 1);
  const r = Math.sqrt(-2.0 * libm("log", new Float64Array([1.0 - u2]))[0]!);
  const theta = 2.0 * Math.PI * u1;
  const th = new Float64Array([theta]);
  g.next_double_normal = r * libm("sin", th)[0]!;
  return fma(r * libm("cos", th)[0]!, std, mean);
}

// Visits a tensor's elements in order, calling set(storage index) -- logical order, which is
// memory order for the contiguous tensors that torch's fills are specified on.
function for_each_offset(t: Tensor, fn: (off: number) => void): void {
  const shape = t._shape, strides = t._strides, nd = shape.length;
  const n = numel(shape);
  const idx = new Array<number>(nd).fill(0);
  let off = t._offset;
  for (let k = 0; k < n; k++) {
    fn(off);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

function need_float(t: Tensor, op: string): void {
  if (!t.dtype.is_floating_point) throw new TypeError(`${op}: not implemented for dtype ${t.dtype}`);
}

/** Tensor.uniform_(from, to) */
export function uniform_(t: Tensor, from: number, to: number, g: Generator = default_generator): void {
  need_float(t, "uniform_");
  if (!(from <= to)) throw new RangeError(`uniform_ expects to return a [from, to) range, but found from=${from} > to=${to}`);
  const el = to_elem(t.dtype);
  const f = el(from), tt = el(to);
  for_each_offset(t, (off) => write(t._data, t.dtype, off, el(uniform_real(g, t.dtype, f, tt))));
}

// normal_fill for contiguous tensors of >= 16 elements: uniforms for every element first, then
// Box-Muller on blocks of 16 (pairs j, j + 8); a ragged tail redraws the last 16 uniforms.
function normal_fill(t: Tensor, mean: number, std: number, g: Generator): void {
  const d = t.dtype, el = to_elem(d);
  const n = t.numel();
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = el(uniform_real(g, d, 0, 1));
  const m = el(mean), s = el(std);
  // float32 takes torch's AVX2 kernel (its default build); other types the scalar loop, whose
  // every intermediate is of the element type (16-bit floats call libm in float)
  const lm = (op: "log" | "sin" | "cos", v: number) =>
    d === float64 ? libm(op, new Float64Array([v]))[0]! : Math.fround(Math[op](v));
  const fma_el = d === float64 ? fma : (a: number, b: number, c: number) => el(fmaf(a, b, c));
  const fill16 = d === float32 ? (base: number) => normal_fill_16_avx2(data, base, m, s) : (base: number) => {
    for (let j = 0; j < 8; j++) {
      const u1 = el(1 - data[base + j]!);
      const u2 = data[base + j + 8]!;
      const radius = el(Math.sqrt(el(-2 * el(lm("log", u1)))));
      const theta = el(2.0 * Math.PI * u2);
      data[base + j] = fma_el(el(radius * el(lm("cos", theta))), s, m);
      data[base + j + 8] = fma_el(el(radius * el(lm("sin", theta))), s, m);
    }
  };
  for (let i = 0; i + 16 <= n; i += 16) fill16(i);
  if (n % 16 !== 0) {
    const base = n - 16;
    for (let i = 0; i < 16; i++) data[base + i] = el(uniform_real(g, d, 0, 1));
    fill16(base);
  }
  for (let i = 0; i < n; i++) write(t._data, d, t._offset + i, data[i]!);
}

/** Tensor.normal_(mean, std) */
export function normal_(t: Tensor, mean: number, std: number, g: Generator = default_generator): void {
  need_float(t, "normal_");
  if (!(std >= 0)) throw new RangeError(`normal expects std >= 0.0, but found std ${std}`);
  if (t.numel() >= 16 && t.is_contiguous()) return normal_fill(t, mean, std, g);
  const el = to_elem(t.dtype);
  for_each_offset(t, (off) => write(t._data, t.dtype, off, el(normal_double(g, mean, std))));
}

/** Tensor.random_(from, to): integers in [from, to). */
export function random_(t: Tensor, from: number, to: number | undefined, g: Generator = default_generator): void {
  if (to === undefined) {
    to = from;
    from = 0;
  }
  if (!(from < to)) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${from} >= to=${to}`);
  const range = to - from;
  const wide = range >= 2 ** 32 && (t.dtype === int64 || t.dtype.is_floating_point);
  for_each_offset(t, (off) => {
    let v: number;
    if (wide) {
      const [hi, lo] = g.random64();
      v = Number((BigInt(hi) * 4294967296n + BigInt(lo)) % BigInt(range)) + from;
    } else {
      v = (g.random() % range) + from;
    }
    store(t._data, t.dtype, off, v, "int");
  });
}

/** Tensor.bernoulli_(p): 1 with probability p (uniform double < p, as torch's CPU kernel). */
export function bernoulli_(t: Tensor, p: number, g: Generator = default_generator): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
  for_each_offset(t, (off) => store(t._data, t.dtype, off, uniform_real(g, float64, 0, 1) < p ? 1 : 0, "int"));
}

// ---------------------------------------------------------------- creation

export interface RandOptions {
  dtype?: DType;
  generator?: Generator;
  requires_grad?: boolean;
}

function fresh(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, numel(shape)), dtype, shape, contiguous_strides(shape));
}

export function rand(shape: number[], opts: RandOptions = {}): Tensor {
  const t = fresh(shape, opts.dtype ?? get_default_dtype());
  uniform_(t, 0, 1, opts.generator);
  return t;
}

export function randn(shape: number[], opts: RandOptions = {}): Tensor {
  const t = fresh(shape, opts.dtype ?? get_default_dtype());
  normal_(t, 0, 1, opts.generator);
  return t;
}

export function randint(low: number, high: number, shape: number[], opts: RandOptions = {}): Tensor {
  const t = fresh(shape, opts.dtype ?? int64);
  random_(t, low, high, opts.generator);
  return t;
}

