// Native casts against the reference, bit for bit, for every pair of dtypes over strided views.
import { expect, it } from "vitest";
import { ALL_DTYPES, bfloat16, float16, float32, float64 } from "../../kernel/tensor/dtype.js";
import { expect_storage } from "../helpers/compare.js";
import { against_reference, describe_native, for_each_backend } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { INPUT_LAYOUTS, input_view, OUTPUT_LAYOUTS, output_view, positions, random_shape } from "../helpers/views.js";

describe_native("native cast", () => {
  for (const S of ALL_DTYPES) {
    for (const D of ALL_DTYPES) {
      it(`${S.name} -> ${D.name}`, () => {
        const rng = new Rng(1000 + S.code * 16 + D.code);
        // long contiguous runs reach the vectorized conversions; the rest are random views
        // the last shape is beyond one grain (2^15 elements), which two threads split mid-row
        const shapes = [[4099], [257], [3, 33], ...Array.from({ length: 8 }, () => random_shape(rng)), [182, 181]];
        shapes.forEach((shape, c) => {
          const src = input_view(rng, S, shape, c < 3 ? "contiguous" : rng.pick(INPUT_LAYOUTS), "bits");
          const dst = output_view(rng, D, shape, c < 3 ? "contiguous" : rng.pick(OUTPUT_LAYOUTS));
          against_reference(
            [dst.data],
            (k, [out]) => k.cast(shape, out!, D.code, dst.off, dst.strides, src.data, S.code, src.off, src.strides),
            ([got], [want], where) =>
              expect_storage(got!, want!, D, `${where}, shape [${shape}], src strides [${src.strides}], dst strides [${dst.strides}]`,
                { view: positions(shape, dst.off, dst.strides), nan_bits: true }),
          );
        });
      });
    }
  }

  it("bfloat16 NaN bits follow torch's paths: 0xffff from float32, 0x7fc0 from float64 and float16", () => {
    const n = 40;  // past every vector width, so vector and scalar tails both run
    const sources = [
      [float32, new Float32Array(n).fill(NaN), 0xffff],
      [float64, new Float64Array(n).fill(NaN), 0x7fc0],
      [float16, new Uint16Array(n).fill(0x7e00), 0x7fc0],
    ] as const;
    for_each_backend((k, label) => {
      for (const [S, src, bits] of sources) {
        const out = new Uint16Array(n);
        k.cast([n], out, bfloat16.code, 0, [1], src, S.code, 0, [1]);
        expect([...new Set(out)], `${label}, from ${S.name}`).toEqual([bits]);
      }
    });
  });
});
