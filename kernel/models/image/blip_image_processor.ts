// transformers' BlipImageProcessor: RGB, PIL resize to a fixed size, x * rescale_factor computed
// in float64 and cast to float32, then (x - mean) / std in float32, then CHW; the order and
// dtypes of transformers' rescale() and normalize(), so pixel_values match it bit for bit.
import { float32, uint8 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { ImageProcessor, load_images, type ImageFeatures, type ImageInput } from "./image_processor.js";
import { Resampling, type ResamplingFilter } from "./resample.js";

export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export interface BlipImageProcessorConfig {
  do_resize: boolean;
  /** an int means a square */
  size: { height: number; width: number } | number;
  resample: ResamplingFilter;
  do_rescale: boolean;
  rescale_factor: number;
  do_normalize: boolean;
  image_mean: number | number[];
  image_std: number | number[];
  do_convert_rgb: boolean;
}

export interface BlipPreprocessOptions extends Partial<BlipImageProcessorConfig> {
  /** "pt" (or absent): a torch-style Tensor, the only kind lowbit has */
  return_tensors?: "pt" | null;
}

function bool(v: unknown, key: string): boolean {
  if (typeof v !== "boolean") throw new Error(`${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function positive_int(v: unknown, key: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function parse_size(v: unknown): { height: number; width: number } {
  if (typeof v === "number") return { height: positive_int(v, "size"), width: v };
  const s = v as { height?: unknown; width?: unknown } | null;
  if (s === null || typeof s !== "object" || s.height === undefined || s.width === undefined) {
    throw new Error(`size must be an int or have the keys height and width, got ${JSON.stringify(v)}`);
  }
  return { height: positive_int(s.height, "size.height"), width: positive_int(s.width, "size.width") };
}

function per_channel(v: unknown, key: string): number[] {
  const a = typeof v === "number" ? [v, v, v] : v;
  if (!Array.isArray(a) || a.length !== 3 || a.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
    throw new Error(`${key} must be a number or 3 numbers (one per RGB channel), got ${JSON.stringify(v)}`);
  }
  return a;
}

function parse_resample(v: unknown): ResamplingFilter {
  if (!(Object.values(Resampling) as unknown[]).includes(v)) {
    throw new Error(`resample must be a PIL filter number (${Object.entries(Resampling).map(([k, n]) => `${n} ${k}`).join(", ")}), got ${JSON.stringify(v)}`);
  }
  return v as ResamplingFilter;
}

export class BlipImageProcessor extends ImageProcessor<BlipPreprocessOptions> {
  do_resize: boolean;
  size: { height: number; width: number };
  resample: ResamplingFilter;
  do_rescale: boolean;
  rescale_factor: number;
  do_normalize: boolean;
  image_mean: number[];
  image_std: number[];
  do_convert_rgb: boolean;

  /** The keys of preprocessor_config.json; others (image_processor_type, processor_class,
   *  _valid_processor_keys, ...) are not preprocessing settings and are ignored. */
  constructor(config: Partial<BlipImageProcessorConfig> | Record<string, unknown> = {}) {
    super();
    const c: Record<string, unknown> = {
      do_resize: true, size: { height: 384, width: 384 }, resample: Resampling.BICUBIC, do_rescale: true,
      rescale_factor: 1 / 255, do_normalize: true, image_mean: OPENAI_CLIP_MEAN, image_std: OPENAI_CLIP_STD,
      do_convert_rgb: true, ...config,
    };
    this.do_resize = bool(c.do_resize, "do_resize");
    this.size = parse_size(c.size);
    this.resample = parse_resample(c.resample);
    this.do_rescale = bool(c.do_rescale, "do_rescale");
    if (typeof c.rescale_factor !== "number" || !Number.isFinite(c.rescale_factor)) {
      throw new Error(`rescale_factor must be a number, got ${JSON.stringify(c.rescale_factor)}`);
    }
    this.rescale_factor = c.rescale_factor;
    this.do_normalize = bool(c.do_normalize, "do_normalize");
    this.image_mean = per_channel(c.image_mean, "image_mean");
    this.image_std = per_channel(c.image_std, "image_std");
    if (this.image_std.includes(0)) throw new Error(`image_std must not contain 0, got ${JSON.stringify(c.image_std)}`);
    this.do_convert_rgb = bool(c.do_convert_rgb, "do_convert_rgb");
  }

  /** `processor(images, options)`: pixel_values [batch, 3, height, width], float32 (uint8 when
   *  neither rescaling nor normalizing, as transformers leaves it). Options override the config
   *  for this call. */
  async preprocess(images: ImageInput, o: BlipPreprocessOptions = {}): Promise<ImageFeatures> {
    if (o.return_tensors != null && o.return_tensors !== "pt") {
      throw new Error(`return_tensors ${JSON.stringify(o.return_tensors)} is not supported: lowbit returns torch-style tensors ("pt")`);
    }
    const { return_tensors: _, ...overrides } = o;
    const p = Object.keys(overrides).length ? new BlipImageProcessor({ ...this, ...overrides }) : this;
    const loaded = await load_images(images);
    const ready = loaded.map((im, i) => {
      const rgb = p.do_convert_rgb && im.mode !== "RGB" ? im.convert("RGB") : im;
      if (rgb.mode !== "RGB") throw new Error(`image ${i} has mode ${rgb.mode}; set do_convert_rgb or call image.convert("RGB") first`);
      return p.do_resize ? rgb.resize([p.size.width, p.size.height], { resample: p.resample }) : rgb;
    });
    const [width, height] = ready[0]!.size;
    const odd = ready.findIndex((im) => im.width !== width || im.height !== height);
    if (odd >= 0) {
      throw new Error(`images differ in size (image 0 is ${width}x${height}, image ${odd} is ${ready[odd]!.width}x${ready[odd]!.height}) and cannot be stacked; set do_resize`);
    }
    const plane = width * height;
    const shape = [ready.length, 3, height, width];
    if (!p.do_rescale && !p.do_normalize) {
      const out = new Uint8Array(ready.length * 3 * plane);
      ready.forEach((im, b) => {
        for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[(b * 3 + c) * plane + i] = im.data[i * 3 + c]!;
      });
      return { pixel_values: new Tensor(out, uint8, shape) };
    }
    const mean = p.image_mean.map(Math.fround);
    const std = p.image_std.map(Math.fround);
    const out = new Float32Array(ready.length * 3 * plane);
    ready.forEach((im, b) => {
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) {
          let v = im.data[i * 3 + c]!;
          if (p.do_rescale) v = Math.fround(v * p.rescale_factor);
          // float32 operands: each double-precision result rounds once, to the float32 result
          if (p.do_normalize) v = Math.fround(Math.fround(v - mean[c]!) / std[c]!);
          out[(b * 3 + c) * plane + i] = v;
        }
      }
    });
    return { pixel_values: new Tensor(out, float32, shape) };
  }
}
