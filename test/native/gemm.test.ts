// Native gemm against the reference on every path: gemv "dot" (M <= 4, contiguous K in B), gemv
// "axpy" (M == 1, contiguous N), the N == 1 swap, the packed path with edge tiles and K beyond
// one block, batches split across threads or not, broadcast batches, bias, K == 0, and every dtype.
import { it } from "vitest";
import { ALL_DTYPES, DType, float32, TypedArray } from "../../kernel/tensor/dtype.js";
import { read } from "../../kernel/tensor/elements.js";
import { expect_storage } from "../helpers/compare.js";
import { against_reference, describe_native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { Kind, random_storage } from "../helpers/values.js";
import { View } from "../helpers/views.js";

interface Operand {
  /** the contiguous dimension: 1 = rows (R), 2 = columns (C) of [batch, R, C] */
  inner: 1 | 2;
  step?: number;
  negative?: boolean;
  broadcast?: boolean;
}

// A [batch, R, C] operand laid out as `o` says, over a storage of random values.
function operand(rng: Rng, D: DType, batch: number, R: number, C: number, o: Operand, kind: Kind): View {
  const dims = [batch, R, C];
  const step = o.step ?? 1, other = o.inner === 1 ? 2 : 1;
  const strides = [0, 0, 0];
  strides[o.inner] = step;
  strides[other] = step * Math.max(dims[o.inner]!, 1) + rng.int(0, 2);
  strides[0] = o.broadcast ? 0 : strides[other]! * Math.max(dims[other]!, 1);
  let off = rng.int(0, 2);
  if (o.negative) {
    strides[other] = -strides[other]!;
    off += -strides[other]! * Math.max(dims[other]! - 1, 0);
  }
  const size = off + dims.reduce((s, d, i) => s + Math.abs(strides[i]!) * Math.max(d - 1, 0), 0) + 1;
  return { data: random_storage(rng, D, size, kind), off, strides };
}

interface Shape {
  batch: number;
  M: number;
  N: number;
  K: number;
  a: Operand;
  b: Operand;
  bias?: DType | "same";
  /** "specials": infinities and NaN, in sums that are exact in any order */
  values?: Kind;
}

// Each native sum is within K * u of the exact one (u: 2^-24 with fp32 accumulation, 2^-53 in
// float64) relative to sum |a b|, the reference's within K * 2^-53; the bias is rounded to the
// accumulation type and added with one more rounding.
function bound(D: DType, s: Shape, A: View, B: View, bias: { data: TypedArray; dtype: DType; off: number } | null, c_off: number): (i: number) => number {
  const u = D.name === "float64" ? 2 ** -53 : 2 ** -24;
  const at = (v: View, p: number, r: number, c: number) => read(v.data, D, v.off + p * v.strides[0]! + r * v.strides[1]! + c * v.strides[2]!);
  const err = new Float64Array(s.batch * s.M * s.N);
  for (let p = 0; p < s.batch; p++)
    for (let m = 0; m < s.M; m++)
      for (let n = 0; n < s.N; n++) {
        let abs = 0, sum = 0;
        for (let k = 0; k < s.K; k++) {
          const t = at(A, p, m, k) * at(B, p, k, n);
          abs += Math.abs(t);
          sum += t;
        }
        const bv = bias ? read(bias.data, bias.dtype, bias.off + n) : 0;
        err[(p * s.M + m) * s.N + n] = s.K * (u + 2 ** -53) * abs + u * (Math.abs(bv) + Math.abs(sum + bv));
      }
  return (i) => err[i - c_off]!;
}

const PATHS: [string, Shape][] = [
  ["dot, M = 1", { batch: 1, M: 1, N: 257, K: 300, a: { inner: 2 }, b: { inner: 1 } }],
  ["dot, M = 2..4, K below one vector", { batch: 2, M: 3, N: 33, K: 7, a: { inner: 1 }, b: { inner: 1 } }],
  ["dot, M = 4, long K", { batch: 1, M: 4, N: 17, K: 1000, a: { inner: 2, step: 2 }, b: { inner: 1 } }],
  ["dot, M = 2, bias", { batch: 1, M: 2, N: 31, K: 33, a: { inner: 2 }, b: { inner: 1, negative: true }, bias: "same" }],
  ["axpy, M = 1", { batch: 1, M: 1, N: 513, K: 29, a: { inner: 2 }, b: { inner: 2 } }],
  ["axpy, M = 1, K not a multiple of 4, bias", { batch: 3, M: 1, N: 255, K: 13, a: { inner: 1 }, b: { inner: 2, negative: true }, bias: "same" }],
  ["N = 1 swap to dot (A row-major)", { batch: 1, M: 300, N: 1, K: 257, a: { inner: 2 }, b: { inner: 2 } }],
  ["N = 1 swap to axpy (A column-major)", { batch: 2, M: 257, N: 1, K: 31, a: { inner: 1 }, b: { inner: 1 }, bias: "same" }],
  ["packed, small odd tiles", { batch: 1, M: 5, N: 13, K: 29, a: { inner: 2 }, b: { inner: 2 } }],
  ["packed, M >= N, K > 256", { batch: 1, M: 300, N: 5, K: 513, a: { inner: 2 }, b: { inner: 2 } }],
  ["packed, N > M, K > 256, transposed A", { batch: 1, M: 13, N: 300, K: 257, a: { inner: 1 }, b: { inner: 2 }, bias: "same" }],
  ["packed, 29 x 513 x 300, transposed B", { batch: 1, M: 29, N: 513, K: 300, a: { inner: 2 }, b: { inner: 1 } }],
  ["packed, N beyond one column block (NC = 4096)", { batch: 1, M: 5, N: 4099, K: 3, a: { inner: 2 }, b: { inner: 2 }, bias: "same" }],
  ["packed, strided both", { batch: 1, M: 64, N: 64, K: 65, a: { inner: 2, step: 3 }, b: { inner: 1, step: 2, negative: true } }],
  ["packed, K = 1", { batch: 1, M: 33, N: 17, K: 1, a: { inner: 2 }, b: { inner: 2 } }],
  ["batch >= threads", { batch: 3, M: 29, N: 13, K: 64, a: { inner: 2 }, b: { inner: 2 }, bias: "same" }],
  ["broadcast batch of B", { batch: 4, M: 7, N: 29, K: 17, a: { inner: 2 }, b: { inner: 2, broadcast: true } }],
  ["broadcast batch of A", { batch: 2, M: 1, N: 65, K: 33, a: { inner: 2, broadcast: true }, b: { inner: 1 } }],
  ["float32 bias", { batch: 1, M: 6, N: 20, K: 18, a: { inner: 2 }, b: { inner: 2 }, bias: float32 }],
  ["infinities and NaN, dot", { batch: 1, M: 2, N: 40, K: 9, a: { inner: 2 }, b: { inner: 1 }, values: "specials" }],
  ["infinities and NaN, axpy", { batch: 1, M: 1, N: 40, K: 9, a: { inner: 2 }, b: { inner: 2 }, values: "specials" }],
  ["infinities and NaN, packed", { batch: 1, M: 20, N: 40, K: 5, a: { inner: 1 }, b: { inner: 2 }, bias: "same", values: "specials" }],
  ["K = 0", { batch: 2, M: 5, N: 7, K: 0, a: { inner: 2 }, b: { inner: 2 }, bias: "same" }],
  ["K = 0, gemv shape", { batch: 1, M: 1, N: 9, K: 0, a: { inner: 2 }, b: { inner: 1 } }],
  ["M = 0", { batch: 1, M: 0, N: 7, K: 3, a: { inner: 2 }, b: { inner: 2 } }],
  ["N = 0", { batch: 2, M: 3, N: 0, K: 3, a: { inner: 2 }, b: { inner: 2 } }],
];

// integer products are exact (and wrap), so integers take small sizes and any values
function scaled(s: Shape, D: DType): Shape {
  if (D.is_floating_point || s.M * s.N * s.K * s.batch < 20000) return s;
  return { ...s, M: Math.min(s.M, 7), N: Math.min(s.N, 9), K: Math.min(s.K, 300) };
}

describe_native("native gemm", () => {
  for (const D of ALL_DTYPES) {
    it(D.name, () => {
      const rng = new Rng(6000 + D.code);
      const random: [string, Shape][] = Array.from({ length: 8 }, (_, i) => {
        const dim = () => rng.pick([1, 2, 3, 4, 5, 8, 13, 17, 29, 33, 64]);
        const op = (): Operand => ({ inner: rng.pick([1, 2] as const), step: rng.int(1, 2), negative: rng.chance(0.3), broadcast: rng.chance(0.2) });
        return [`random ${i}`, { batch: rng.int(1, 3), M: dim(), N: dim(), K: dim(), a: op(), b: op(), bias: rng.chance(0.5) ? "same" : undefined }];
      });
      for (const [name, full] of [...PATHS, ...random]) {
        const s = scaled(full, D);
        const kind: Kind = s.values ?? (D.is_floating_point ? "unit" : "any");
        const A = operand(rng, D, s.batch, s.M, s.K, s.a, kind), B = operand(rng, D, s.batch, s.K, s.N, s.b, kind);
        const BD = s.bias === "same" ? D : s.bias;
        const bias = BD ? { data: random_storage(rng, BD, s.N + 2, kind), dtype: BD, off: rng.int(0, 2) } : null;
        const c_off = rng.int(0, 3), out = random_storage(rng, D, c_off + s.batch * s.M * s.N + 2, "finite");
        const tol = D.is_floating_point && !s.values ? { err: bound(D, s, A, B, bias, c_off) } : undefined;
        against_reference(
          [out],
          (k, [c]) => k.gemm(s.batch, s.M, s.N, s.K, A.data, D.code, A.off, A.strides, B.data, D.code, B.off, B.strides,
            c!, D.code, c_off, bias ? bias.data : null, bias ? bias.dtype.code : 0, bias ? bias.off : 0),
          ([got], [want], where) =>
            expect_storage(got!, want!, D, `${where}, ${name}: batch ${s.batch}, ${s.M}x${s.K} @ ${s.K}x${s.N}, a strides [${A.strides}], b strides [${B.strides}]`, { tol }),
        );
      }
    });
  }
});
