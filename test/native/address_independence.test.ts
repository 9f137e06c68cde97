// A product's bits may not depend on where its operands sit in memory: the same values at every
// element offset 0..31 of a larger storage (every position within a 64-byte line, for 16-bit
// types too) must give the same output, on every native path, instruction set and thread count.
// In decoding the KV cache is a matmul operand whose address changes with every generate, so an
// address-dependent summation order makes greedy ids differ between identical calls.
import { expect, it } from "vitest";
import { nn, torch } from "../../kernel/index.js";
import { bfloat16, DType, float16, float32, TypedArray } from "../../kernel/tensor/dtype.js";
import type { Tensor } from "../../kernel/tensor/tensor.js";
import { expect_bits } from "../helpers/bits.js";
import { describe_native, for_each_config, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { random_storage } from "../helpers/values.js";

const DTYPES: readonly DType[] = [float32, bfloat16, float16];
const OFFSETS = Array.from({ length: 32 }, (_, i) => i);

interface Shape {
  batch: number;
  M: number;
  N: number;
  K: number;
  /** B [K, N] stored as N contiguous columns (dot path) or K contiguous rows */
  b_cols: boolean;
  bias?: boolean;
}

// one shape per native path of gemm.cc, with K past the SIMD block edges
const SHAPES: [string, Shape][] = [
  ["dot, q @ K^T of one head", { batch: 1, M: 1, N: 33, K: 64, b_cols: true }],
  ["dot, M = 1, long K", { batch: 1, M: 1, N: 13, K: 1000, b_cols: true }],
  ["dot, M = 3, bias", { batch: 1, M: 3, N: 9, K: 300, b_cols: true, bias: true }],
  ["dot, batched (bmm)", { batch: 3, M: 1, N: 20, K: 97, b_cols: true }],
  ["N = 1 swap", { batch: 1, M: 70, N: 1, K: 129, b_cols: false }],
  ["axpy", { batch: 1, M: 1, N: 515, K: 37, b_cols: false }],
  ["packed", { batch: 2, M: 29, N: 33, K: 300, b_cols: false, bias: true }],
];

// `values` copied into a fresh storage at element offset `off`
function placed(values: TypedArray, off: number): TypedArray {
  const out = new (values.constructor as new (n: number) => TypedArray)(values.length + 32);
  out.set(values as never, off);
  return out;
}

function bytes(t: TypedArray, off: number, n: number): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset + off * t.BYTES_PER_ELEMENT, n * t.BYTES_PER_ELEMENT);
}

function first_difference(got: Uint8Array, want: Uint8Array, size: number): number {
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return Math.floor(i / size);
  return -1;
}

function kernel_case(rng: Rng, D: DType, name: string, s: Shape): void {
  const a = random_storage(rng, D, s.batch * s.M * s.K, "finite");
  const b = random_storage(rng, D, s.batch * s.K * s.N, "finite");
  const bias = s.bias ? random_storage(rng, D, s.N, "finite") : null;
  const a_strides = [s.M * s.K, s.K, 1];
  const b_strides = s.b_cols ? [s.K * s.N, 1, s.K] : [s.K * s.N, s.N, 1];
  const n_out = s.batch * s.M * s.N;
  const run = (off: number): Uint8Array => {
    const c = new D.array(n_out + 32);
    native().gemm(s.batch, s.M, s.N, s.K, placed(a, (off * 7) % 32), D.code, (off * 7) % 32, a_strides,
      placed(b, off), D.code, off, b_strides, c, D.code, off, bias && placed(bias, off), D.code, off);
    return bytes(c, off, n_out);
  };
  for_each_config((cfg) => {
    const want = run(0);
    for (const off of OFFSETS) {
      const at = first_difference(run(off), want, D.itemsize);
      expect(at, `${cfg.label}, ${D.name}, ${name}: output ${at} differs with B at element offset ${off}`).toBe(-1);
    }
  });
}

// `t`'s values in a view at element offset `off` of a larger tensor
function moved(t: Tensor, off: number): Tensor {
  const big = torch.zeros([t.numel() + 32], { dtype: t.dtype });
  return big.narrow(0, off, t.numel()).view(t.shape).copy_(t);
}

function tensor_case(D: DType, name: string, op: (off: number) => Tensor): void {
  for_each_config((cfg) => {
    const want = op(0);
    for (const off of OFFSETS) expect_bits(op(off), want, `${cfg.label}, ${D.name}, ${name}, offset ${off}`);
  });
}

describe_native("native products are independent of the operands' addresses", () => {
  for (const D of DTYPES) {
    it(`gemm paths, ${D.name}`, () => {
      const rng = new Rng(7100 + D.code);
      for (const [name, s] of SHAPES) kernel_case(rng, D, name, s);
    });

    it(`F.linear, matmul and bmm views, ${D.name}`, () => {
      torch.manual_seed(7200 + D.code);
      const x = torch.randn([1, 256], { dtype: D }), w = torch.randn([48, 256], { dtype: D }), b = torch.randn([48], { dtype: D });
      tensor_case(D, "F.linear, one row", (off) => nn.functional.linear(x, moved(w, off), b));
      const q = torch.randn([1, 16, 1, 64], { dtype: D }), k = torch.randn([1, 16, 40, 64], { dtype: D });
      tensor_case(D, "matmul(q, K^T)", (off) => torch.matmul(q, moved(k, off).transpose(-1, -2)));
      const p = torch.randn([16, 1, 40], { dtype: D }), v = torch.randn([16, 40, 64], { dtype: D });
      tensor_case(D, "bmm(p, V)", (off) => torch.bmm(moved(p, (off * 5) % 32), moved(v, off)));
    });
  }
});
