// The TypeScript port of Pillow's resize against the real Pillow: bytes must be identical for
// every filter, up- and downscaling, non-square sizes and 1-pixel edges.
import { describe, expect, it } from "vitest";
import { resample, Resampling, type Pixels } from "../../kernel/models/image/resample.js";
import { Rng } from "../helpers/prng.js";
import { HAVE_PIL, pil, type PilRequest } from "./image_pil.js";

const MODES: Record<number, string> = { 1: "L", 3: "RGB" };

function random_image(rng: Rng, width: number, height: number, channels: number): Pixels {
  const data = new Uint8Array(width * height * channels);
  // a smooth gradient plus noise plus saturated runs, so clipping and negative lobes both occur
  for (let i = 0; i < data.length; i++) {
    const x = Math.floor(i / channels) % width;
    data[i] = rng.chance(0.1) ? rng.pick([0, 255]) : (x * 37 + rng.int(0, 60)) & 255;
  }
  return { data, width, height, channels };
}

const SIZES: [number, number, number, number][] = [
  [48, 40, 32, 32], [40, 48, 32, 32], [17, 23, 5, 9], [5, 9, 17, 23], [64, 3, 7, 11], [1, 1, 4, 3],
  [13, 1, 1, 1], [1, 13, 3, 1], [30, 20, 30, 7], [30, 20, 11, 20], [100, 80, 33, 29], [7, 5, 384, 384],
  [97, 61, 96, 62],
];

describe.runIf(HAVE_PIL)("resample matches Pillow byte for byte", () => {
  for (const [name, filter] of Object.entries(Resampling)) {
    it(name, () => {
      const rng = new Rng(1234 + filter);
      const cases = SIZES.flatMap(([w, h, ow, oh]) => [1, 3].map((c) => ({ src: random_image(rng, w, h, c), ow, oh })));
      const refs = pil(cases.map(({ src, ow, oh }): PilRequest => ({
        op: "frombytes", mode: MODES[src.channels]!, width: src.width, height: src.height, data: src.data, size: [ow, oh], resample: filter,
      })));
      cases.forEach(({ src, ow, oh }, i) => {
        const got = resample(src, ow, oh, filter);
        const what = `${name} ${src.width}x${src.height}x${src.channels} -> ${ow}x${oh}`;
        expect([got.width, got.height], what).toEqual([refs[i]!.width, refs[i]!.height]);
        const bad = got.data.findIndex((v, j) => v !== refs[i]!.data[j]);
        expect(bad, `${what}: first differing byte`).toBe(-1);
      });
    });
  }
});
