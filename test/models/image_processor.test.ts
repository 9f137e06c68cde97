// BlipImageProcessor against transformers: the tiny-blip fixture's pixel_values (written by the
// real BlipImageProcessor), and, on random images and settings, Pillow plus numpy doing
// transformers' arithmetic.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AutoImageProcessor, BlipImageProcessor, load_image, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, RawImage, Resampling,
} from "../../kernel/models/image/index.js";
import { load_file } from "../../kernel/models/safetensors.js";
import { torch } from "../../kernel/index.js";
import { fixture } from "../helpers/fixtures.js";
import { Rng } from "../helpers/prng.js";
import { HAVE_PIL, pil } from "./image_pil.js";

const BLIP = fixture("models", "tiny-blip");

function config_dir(config: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-imgproc-"));
  writeFileSync(path.join(dir, "preprocessor_config.json"), JSON.stringify(config));
  return dir;
}

describe("BlipImageProcessor on the tiny-blip fixture", () => {
  it("reads preprocessor_config.json, ignoring keys that are not settings", async () => {
    const p = await BlipImageProcessor.from_pretrained(BLIP);
    expect(p.size).toEqual({ height: 32, width: 32 });
    expect(p.resample).toBe(Resampling.BICUBIC);
    expect(p.image_mean).toEqual(OPENAI_CLIP_MEAN);
    expect(p.image_std).toEqual(OPENAI_CLIP_STD);
    expect(p.model_input_names).toEqual(["pixel_values"]);
  });

  it("gives transformers' pixel_values for image.png, bit for bit", async () => {
    const want = load_file(path.join(BLIP, "pixel_values.safetensors")).pixel_values!;
    for (const p of [await BlipImageProcessor.from_pretrained(BLIP), await AutoImageProcessor.from_pretrained(BLIP)]) {
      const { pixel_values } = await p(path.join(BLIP, "image.png"), { return_tensors: "pt" });
      expect(pixel_values.dtype).toBe(torch.float32);
      expect(pixel_values.shape).toEqual(want.shape);
      expect(Array.from(pixel_values.reshape(-1).tolist() as number[])).toEqual(want.reshape(-1).tolist());
    }
  });

  it("batches images of any source into [B, 3, H, W]", async () => {
    const p = await BlipImageProcessor.from_pretrained(BLIP);
    const file = path.join(BLIP, "image.png");
    const one = (await p(file)).pixel_values;
    const { pixel_values } = await p([file, await load_image(file), new URL(`file://${file}`)]);
    expect(pixel_values.shape).toEqual([3, 3, 32, 32]);
    for (let b = 0; b < 3; b++) expect(torch.equal(pixel_values.get(b), one.get(0))).toBe(true);
  });
});

describe("BlipImageProcessor settings", () => {
  const gray = new RawImage(Uint8Array.from({ length: 6 }, (_, i) => i * 40), 3, 2, 1);

  it("per-call options override the config; without rescale or normalize the pixels stay uint8", async () => {
    const p = new BlipImageProcessor({ size: { height: 2, width: 3 } });
    const { pixel_values } = await p(gray, { do_rescale: false, do_normalize: false });
    expect(pixel_values.dtype).toBe(torch.uint8);
    // gray replicated to RGB, laid out [batch][channel][row][column]
    const plane = [[0, 40, 80], [120, 160, 200]];
    expect(pixel_values.tolist()).toEqual([[plane, plane, plane]]);
    expect(p.do_rescale).toBe(true);
  });

  it("refuses images it cannot stack or that are not RGB, naming the fix", async () => {
    const p = new BlipImageProcessor({ do_resize: false, do_convert_rgb: false });
    await expect(p(gray)).rejects.toThrow(/image 0 has mode L; set do_convert_rgb/);
    const rgb = gray.convert("RGB");
    await expect(p([rgb, rgb.resize([2, 2])])).rejects.toThrow(/image 0 is 3x2, image 1 is 2x2.*set do_resize/);
    await expect(p([])).rejects.toThrow(/no images/);
    await expect(p(rgb, { return_tensors: "np" as "pt" })).rejects.toThrow(/return_tensors "np"/);
  });

  it("rejects a bad config with the key and the file", async () => {
    await expect(BlipImageProcessor.from_pretrained(config_dir({ size: { shortest_edge: 5 } })))
      .rejects.toThrow(/preprocessor_config.json of .*: size must be an int or have the keys height and width/);
    await expect(BlipImageProcessor.from_pretrained(config_dir({ resample: 7 }))).rejects.toThrow(/resample must be a PIL filter number/);
    await expect(BlipImageProcessor.from_pretrained(config_dir({ image_mean: [1, 2] }))).rejects.toThrow(/image_mean must be a number or 3 numbers/);
    await expect(BlipImageProcessor.from_pretrained(config_dir({ do_resize: "yes" }))).rejects.toThrow(/do_resize must be true or false/);
    const dir = config_dir({});
    writeFileSync(path.join(dir, "preprocessor_config.json"), "{ not json");
    await expect(BlipImageProcessor.from_pretrained(dir)).rejects.toThrow(/preprocessor_config.json is not valid JSON/);
    await expect(BlipImageProcessor.from_pretrained(path.join(BLIP, "nope"))).rejects.toThrow();
  });

  it("takes an int size as a square, as transformers' get_size_dict does", async () => {
    const p = await BlipImageProcessor.from_pretrained(config_dir({ size: 7, image_processor_type: "BlipImageProcessor" }));
    expect(p.size).toEqual({ height: 7, width: 7 });
  });

  it("AutoImageProcessor picks the class by image_processor_type or feature_extractor_type", async () => {
    expect(await AutoImageProcessor.from_pretrained(config_dir({ feature_extractor_type: "BlipFeatureExtractor" }))).toBeInstanceOf(BlipImageProcessor);
    await expect(AutoImageProcessor.from_pretrained(config_dir({ image_processor_type: "ViTImageProcessor" })))
      .rejects.toThrow(/"ViTImageProcessor" is not supported \(supported: BlipImageProcessor\)/);
    await expect(AutoImageProcessor.from_pretrained(config_dir({}))).rejects.toThrow(/names no image_processor_type/);
  });
});

describe.runIf(HAVE_PIL)("BlipImageProcessor matches Pillow + transformers' numpy arithmetic", () => {
  it("on random images, sizes, filters, means and scales", async () => {
    const rng = new Rng(42);
    const cases = Array.from({ length: 12 }, () => {
      const width = rng.int(1, 60);
      const height = rng.int(1, 60);
      const image = new RawImage(Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255)), width, height, 3);
      const config = {
        size: { height: rng.int(1, 48), width: rng.int(1, 48) },
        resample: rng.pick([Resampling.NEAREST, Resampling.BILINEAR, Resampling.BICUBIC, Resampling.LANCZOS]),
        rescale_factor: rng.pick([1 / 255, 0.00392156862745098, 1 / 127.5]),
        image_mean: [0, 1, 2].map(() => rng.float()),
        image_std: [0, 1, 2].map(() => 0.1 + rng.float()),
      };
      return { image, config };
    });
    const refs = pil(cases.map(({ image, config }) => ({
      op: "blip", width: image.width, height: image.height, data: image.data, size: [config.size.width, config.size.height],
      resample: config.resample, scale: config.rescale_factor, mean: config.image_mean, std: config.image_std,
    })));
    for (const [i, { image, config }] of cases.entries()) {
      const { pixel_values } = await new BlipImageProcessor(config)(image);
      const want = new Float32Array(refs[i]!.data.buffer, refs[i]!.data.byteOffset, refs[i]!.data.length / 4);
      expect(pixel_values.shape, `case ${i}`).toEqual([1, 3, config.size.height, config.size.width]);
      expect(Buffer.from(new Float32Array(pixel_values.reshape(-1).tolist() as number[]).buffer).equals(Buffer.from(want.buffer.slice(want.byteOffset, want.byteOffset + want.byteLength))), `case ${i}`).toBe(true);
    }
  });
});
