// RawImage's PIL methods against the real Pillow: convert between L, LA, RGB and RGBA, and resize
// of images with alpha (premultiplied, as Pillow does), byte for byte.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { RawImage, type ImageMode } from "../../kernel/models/image/raw_image.js";
import { Resampling } from "../../kernel/models/image/resample.js";
import { Rng } from "../helpers/prng.js";
import { HAVE_PIL, pil } from "./image_pil.js";

const MODES: ImageMode[] = ["L", "LA", "RGB", "RGBA"];

function random_image(rng: Rng, mode: ImageMode, width: number, height: number): RawImage {
  const ch = mode.length;
  const data = new Uint8Array(width * height * ch);
  for (let i = 0; i < data.length; i++) {
    // alpha takes the edge values 0 and 255 often, where Pillow's unpremultiply special-cases
    const is_alpha = (mode === "LA" || mode === "RGBA") && i % ch === ch - 1;
    data[i] = is_alpha && rng.chance(0.4) ? rng.pick([0, 255]) : rng.int(0, 255);
  }
  return new RawImage(data, width, height, ch);
}

describe("RawImage", () => {
  it("reports PIL's size and mode, and prints like PIL", () => {
    const im = new RawImage(new Uint8Array(2 * 3 * 4), 2, 3, 4);
    expect(im.size).toEqual([2, 3]);
    expect(im.mode).toBe("RGBA");
    expect(inspect(im)).toBe("<RawImage mode=RGBA size=2x3>");
  });

  it("rejects data that does not fit its shape, and unknown modes", () => {
    expect(() => new RawImage(new Uint8Array(5), 2, 1, 3)).toThrow(/2x1x3 needs 6 bytes, got 5/);
    expect(() => new RawImage(new Uint8Array(10), 2, 1, 5)).toThrow(/5 channels/);
    expect(() => new RawImage(new Uint8Array(3), 1, 1, 3).convert("CMYK" as ImageMode)).toThrow(/unsupported mode "CMYK"/);
    expect(() => new RawImage(new Uint8Array(3), 1, 1, 3).resize([0, 2])).toThrow(/integers > 0/);
    expect(() => new RawImage(new Uint8Array(3), 1, 1, 3).resize([2, 2], { resample: 9 as 0 })).toThrow(/unknown resample filter 9/);
  });
});

describe.runIf(HAVE_PIL)("RawImage matches Pillow", () => {
  it("convert between every pair of modes", () => {
    const rng = new Rng(7);
    const cases = MODES.flatMap((from) => MODES.map((to) => ({ im: random_image(rng, from, 9, 7), to })));
    const refs = pil(cases.map(({ im, to }) => ({ op: "frombytes", mode: im.mode, width: 9, height: 7, data: im.data, convert: to })));
    cases.forEach(({ im, to }, i) => {
      const got = im.convert(to);
      expect(got.mode, `${im.mode} -> ${to}`).toBe(refs[i]!.mode);
      expect(Buffer.from(got.data).equals(Buffer.from(refs[i]!.data)), `${im.mode} -> ${to}`).toBe(true);
    });
  });

  it("resize with alpha, every filter, up and down", () => {
    const rng = new Rng(8);
    const cases = (["LA", "RGBA"] as const).flatMap((mode) =>
      Object.values(Resampling).flatMap((resample) =>
        ([[19, 13, 7, 5], [5, 4, 11, 9], [8, 8, 8, 3]] as const).map(([w, h, ow, oh]) => ({ im: random_image(rng, mode, w, h), size: [ow, oh] as [number, number], resample }))));
    const refs = pil(cases.map(({ im, size, resample }) => ({ op: "frombytes", mode: im.mode, width: im.width, height: im.height, data: im.data, size, resample })));
    cases.forEach(({ im, size, resample }, i) => {
      const got = im.resize(size, { resample });
      const what = `${im.mode} ${im.width}x${im.height} -> ${size} filter ${resample}`;
      expect(got.size, what).toEqual([refs[i]!.width, refs[i]!.height]);
      expect(Buffer.from(got.data).equals(Buffer.from(refs[i]!.data)), what).toBe(true);
    });
  });

  it("resize to the same size is a copy, as in Pillow", () => {
    const im = random_image(new Rng(9), "RGBA", 4, 3);
    const got = im.resize([4, 3]);
    expect(got.data).toEqual(im.data);
    expect(got.data).not.toBe(im.data);
  });
});
