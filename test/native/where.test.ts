// Native where against the reference for every dtype: elements are moved, never converted, so
// every bit (NaN payloads included) must match.
import { it } from "vitest";
import { ALL_DTYPES, bool } from "../../kernel/tensor/dtype.js";
import { expect_storage } from "../helpers/compare.js";
import { against_reference, describe_native } from "../helpers/native.js";
import { Rng } from "../helpers/prng.js";
import { INPUT_LAYOUTS, input_view, OUTPUT_LAYOUTS, output_view, positions, random_shape } from "../helpers/views.js";

describe_native("native where", () => {
  for (const D of ALL_DTYPES) {
    it(D.name, () => {
      const rng = new Rng(4000 + D.code);
      // the last shape is beyond one grain (2^15 elements), which two threads split mid-row
      const shapes = [[4099], [33], ...Array.from({ length: 12 }, () => random_shape(rng)), [182, 181]];
      shapes.forEach((shape, c) => {
        const lay = () => (c < 2 ? "contiguous" : rng.pick(INPUT_LAYOUTS));
        const cond = input_view(rng, bool, shape, lay());
        const a = input_view(rng, D, shape, lay(), "bits"), b = input_view(rng, D, shape, lay(), "bits");
        const out = output_view(rng, D, shape, c < 2 ? "contiguous" : rng.pick(OUTPUT_LAYOUTS));
        against_reference(
          [out.data],
          (k, [o]) => k.where(D.code, shape, o!, out.off, out.strides, cond.data, cond.off, cond.strides,
            a.data, a.off, a.strides, b.data, b.off, b.strides),
          ([got], [want], where) =>
            expect_storage(got!, want!, D, `${where}, shape [${shape}], cond [${cond.strides}], a [${a.strides}], b [${b.strides}], out [${out.strides}]`,
              { view: positions(shape, out.off, out.strides), nan_bits: true }),
        );
      });
    });
  }
});
