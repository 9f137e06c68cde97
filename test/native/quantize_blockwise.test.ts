// Native quantizeBlockwise / dequantizeBlockwise (bitsandbytes' NF4, FP4 and 8-bit dynamic
// blockwise codes) against the TypeScript reference on every instruction set x 1/2 threads, bit for
// bit: every bitsandbytes blocksize, partial last blocks, odd counts (a padded nibble), 1 and 2
// values, fp32/bf16/fp16 inputs from an offset, all-zero blocks, huge and subnormal magnitudes (a
// reciprocal that overflows), values on every NF4/FP4 threshold and dynamic-map midpoint, enough
// blocks to split across threads, the first NaN/Inf reported wherever it sits, and the checks at
// the boundary. Output storages are prefilled, so stray writes show.
import { expect, it } from "vitest";
import { create_dynamic_map } from "../../kernel/quant/bnb/codes.js";
import { BLOCKWISE_KIND } from "../../kernel/tensor/backend/reference/quantize_blockwise.js";
import type { TypedArray } from "../../kernel/tensor/dtype.js";
import { against_reference, describe_native, native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { BF16, DTYPE_NAME, encode, F16, F32, FLOAT_DTYPES, same_bytes, weights } from "../helpers/quantize.js";

type Kind = keyof typeof BLOCKWISE_KIND;
const BLOCKSIZES = [64, 128, 256, 512, 1024, 2048, 4096];
const DYNAMIC = create_dynamic_map(true, 7, 8)._data as Float32Array;
const PAD = 3;  // x starts at this offset

// each kernel's own decision points, for blocks whose absmax is 1: the NF4 midpoints (as float32
// literals), FP4's on |y|, the midpoints of the dynamic map in float32 -- and their neighbours
const F32_VIEW = new Float32Array(1), U32_VIEW = new Uint32Array(F32_VIEW.buffer);
function neighbours(v: number): number[] {
  F32_VIEW[0] = v;
  const b = U32_VIEW[0]!;
  return [b - 1, b, b + 1].map((u) => { U32_VIEW[0] = u; return F32_VIEW[0]!; });
}
const NF4_MIDS = [0x3d22faff, 0x3ec753f9, 0x3f248daf, 0x3f5c89d9, 0x3f006d03, 0x3e5067e0, 0x3e9582d4, 0x3df64863,
  0xbeadea76, 0xbe0d38bc, 0xbd3a7871, 0xbe703cec, 0xbf1c5270, 0xbeeb8480, 0xbf591cd9].map((b) => { U32_VIEW[0] = b; return F32_VIEW[0]!; });
const FP4_MIDS = [0.00260417, 0.0859375, 0.20833333, 0.29166667, 0.4166667, 0.583333, 0.8333333].flatMap((t) => [t, -t]);
const DYNAMIC_MIDS = Array.from({ length: 255 }, (_, i) => Math.fround(Math.fround(DYNAMIC[i]! + DYNAMIC[i + 1]!) * 0.5));
const EDGES: Record<Kind, number[]> = {
  nf4: NF4_MIDS.flatMap(neighbours),
  fp4: FP4_MIDS.map(Math.fround).flatMap(neighbours),
  dynamic: [...DYNAMIC_MIDS, ...DYNAMIC].flatMap(neighbours),
};

interface Run { kind: Kind; dtype: number; blocksize: number; values: number[]; name: string }

function check(r: Run): void {
  const { kind, dtype, blocksize, values } = r;
  const n = values.length, blocks = Math.ceil(n / blocksize);
  const x = encode(dtype, values, PAD);
  const code = kind === "dynamic" ? DYNAMIC : null;
  const q = new Uint8Array((kind === "dynamic" ? n : Math.ceil(n / 2)) + 3).fill(0xa5);
  const absmax = new Float32Array(blocks + 2).fill(7);
  const name = `${kind} ${DTYPE_NAME[dtype]} n ${n} blocksize ${blocksize} (${r.name})`;
  against_reference([q, absmax, new Float64Array(1)], (k, [qo, ao, ret]) => {
    ret![0] = k.quantizeBlockwise(n, blocksize, BLOCKWISE_KIND[kind], x, dtype, PAD, code, qo as Uint8Array, ao as Float32Array);
  }, ([gq, ga, gr], [wq, wa, wr], where) => {
    expect(gr![0], `${where}, ${name}: refused index`).toBe(wr![0]);
    if (wr![0]! >= 0) return;  // the outputs of a refusal are unspecified
    same_bytes(gq!, wq!, `${where}, ${name}: codes`);
    same_bytes(ga!, wa!, `${where}, ${name}: absmax`);
  });
}

// values whose block has absmax 1, so that y = x lands on the decision points
function on_edges(kind: Kind, rng: Rng, blocksize: number): number[] {
  const edges = rng.shuffled(EDGES[kind]);
  const out: number[] = [];
  for (let i = 0; i < edges.length; i += blocksize - 1) out.push(1, ...edges.slice(i, i + blocksize - 1));
  return out;
}

describe_native("native quantizeBlockwise", () => {
  it("nf4, fp4 and dynamic codes: every blocksize, fp32/bf16/fp16, partial blocks, odd counts", () => {
    const rng = new Rng(9301);
    for (const kind of ["nf4", "fp4", "dynamic"] as const) {
      for (const dtype of FLOAT_DTYPES) {
        for (const blocksize of BLOCKSIZES) {
          const n = rng.pick([1, 2, 3, blocksize - 1, blocksize, blocksize + 1, 3 * blocksize + 7, rng.int(1, 5 * blocksize)]);
          check({ kind, dtype, blocksize, values: weights(rng, dtype, n, rng.pick([blocksize, 17, 200])), name: "random" });
        }
      }
    }
  });

  it("values on every threshold and midpoint, and their float32 neighbours", () => {
    const rng = new Rng(9302);
    for (const kind of ["nf4", "fp4", "dynamic"] as const) {
      for (const blocksize of [64, 256]) check({ kind, dtype: F32, blocksize, values: on_edges(kind, rng, blocksize), name: "edges" });
    }
  });

  it("all-zero blocks, huge and subnormal blocks, and many blocks over threads", () => {
    const rng = new Rng(9303);
    for (const kind of ["nf4", "fp4", "dynamic"] as const) {
      for (const dtype of FLOAT_DTYPES) {
        check({ kind, dtype, blocksize: 64, values: weights(rng, dtype, 64 * 700 + 33, 64), name: "700 blocks" });
        check({ kind, dtype, blocksize: 4096, values: weights(rng, dtype, 4096 * 9 + 1, 4096), name: "9 large blocks" });
        check({ kind, dtype, blocksize: 64, values: new Array(129).fill(0), name: "zeros" });
      }
    }
  });

  it("reports the first NaN/Inf, wherever it sits and however the blocks are split", () => {
    const rng = new Rng(9304);
    const n = 64 * 600 + 5;
    for (const kind of ["nf4", "dynamic"] as const) {
      for (const dtype of [F32, F16]) {
        for (const at of [[0], [n - 1], [64 * 599 + 3, 64 * 10 + 2], [64 * 300, 64 * 301 - 1], [5, 6]]) {
          const values = weights(rng, dtype, n, 64);
          at.forEach((i, j) => { values[i] = [NaN, Infinity, -Infinity][(i + j) % 3]!; });
          check({ kind, dtype, blocksize: 64, values, name: `bad at ${at.join(", ")}` });
        }
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const x = new Float32Array(10), q = new Uint8Array(5), a = new Float32Array(1);
    type Args = Partial<{ n: number; bs: number; kind: number; dt: number; off: number; x: TypedArray; code: Float32Array | null; q: Uint8Array; a: Float32Array }>;
    const run = (o: Args) => () => k.quantizeBlockwise(o.n ?? 10, o.bs ?? 64, o.kind ?? 0, o.x ?? x, o.dt ?? F32, o.off ?? 0,
      o.code === undefined ? null : o.code, o.q ?? q, o.a ?? a);
    expect(run({})).not.toThrow();
    expect(run({ kind: 3 })).toThrow(/unknown kind 3/);
    expect(run({ bs: 0 })).toThrow(/blocksize must be at least 1, got 0/);
    expect(run({ bs: 63 })).toThrow(/4-bit blocks must have an even size, got 63/);
    expect(run({ dt: 4 })).toThrow(/input must be float32, bfloat16 or float16, not int32/);
    expect(run({ off: 1 })).toThrow(/input: view reaches elements \[1, 10\] of a storage of 10/);
    expect(run({ x: new Uint16Array(10), dt: F32 })).toThrow(/element size 2 does not match dtype size 4/);
    expect(run({ q: new Uint8Array(4) })).toThrow(/codes hold 4 bytes; 5 are needed/);
    expect(run({ q: new Uint16Array(5) as unknown as Uint8Array })).toThrow(/Uint8Array or Int8Array/);
    expect(run({ a: new Float32Array(0) })).toThrow(/absmax holds 0 values; 1 are needed/);
    expect(run({ kind: 2, q: new Uint8Array(10) })).toThrow(/code must be a Float32Array/);
    expect(run({ kind: 2, q: new Uint8Array(10), code: new Float32Array(255) })).toThrow(/code holds 255 values; 256 are needed/);
    expect(run({ x: new Uint16Array(10), dt: BF16 })).not.toThrow();
  });
});

describe_native("native dequantizeBlockwise", () => {
  it("4- and 8-bit codes into float32/bfloat16/float16, partial blocks, odd counts", () => {
    const rng = new Rng(9311);
    for (const bits of [4, 8]) {
      for (const out_dtype of FLOAT_DTYPES) {
        for (const blocksize of [2, 64, 256, 4096, ...(bits === 8 ? [1, 7] : [])]) {
          const n = rng.pick([1, 2, blocksize + 1, rng.int(1, 3 * blocksize), 70001]);
          const q = Uint8Array.from({ length: bits === 8 ? n : Math.ceil(n / 2) }, () => rng.int(0, 255));
          const code = Float32Array.from({ length: bits === 8 ? 256 : 16 }, () => rng.normal());
          const blocks = Math.ceil(n / blocksize);
          // absmax spanning the 16-bit types' ranges: some products overflow float16, some are subnormal
          const absmax = Float32Array.from({ length: blocks }, () => rng.pick([0, 1e-6, 0.03, 1, 7e4, 3e38]) * rng.float());
          const out: TypedArray = out_dtype === F32 ? new Float32Array(n + 2).fill(7) : new Uint16Array(n + 2).fill(0x4170);
          const name = `${bits}-bit into ${DTYPE_NAME[out_dtype]}, n ${n}, blocksize ${blocksize}`;
          against_reference([out], (k, [o]) => k.dequantizeBlockwise(n, blocksize, bits, q, code, absmax, o!, out_dtype),
            ([g], [w], where) => same_bytes(g!, w!, `${where}, ${name}`));
        }
      }
    }
  });

  it("rejects bad operands at the boundary", () => {
    const k = native();
    const q = new Uint8Array(5), code = new Float32Array(16), a = new Float32Array(1), out = new Float32Array(10);
    type Args = Partial<{ bs: number; bits: number; q: Uint8Array; code: Float32Array; a: Float32Array; out: TypedArray; dt: number }>;
    const run = (o: Args) => () => k.dequantizeBlockwise(10, o.bs ?? 64, o.bits ?? 4, o.q ?? q, o.code ?? code, o.a ?? a, o.out ?? out, o.dt ?? F32);
    expect(run({})).not.toThrow();
    expect(run({ bits: 2 })).toThrow(/bits must be 4 or 8, got 2/);
    expect(run({ bs: 3 })).toThrow(/4-bit blocks must have an even size/);
    expect(run({ q: new Uint8Array(4) })).toThrow(/codes hold 4 bytes; 5 are needed/);
    expect(run({ bits: 8, q: new Uint8Array(10) })).toThrow(/code holds 16 values; 256 are needed/);
    expect(run({ a: new Float32Array(0) })).toThrow(/absmax holds 0 values; 1 are needed/);
    expect(run({ out: new Float32Array(9) })).toThrow(/output: view reaches elements \[0, 9\] of a storage of 9/);
    expect(run({ dt: 2, out: new Int8Array(10) })).toThrow(/output must be float32, bfloat16 or float16, not int8/);
    expect(run({ dt: F16, out: new Uint16Array(10) })).not.toThrow();
  });
});
