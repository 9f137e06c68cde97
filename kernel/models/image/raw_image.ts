// An 8-bit image in memory, with the PIL.Image methods the processors need (`size`, `mode`,
// `convert`, `resize`), each giving the bytes Pillow gives, so preprocessing matches transformers.
import { inspect } from "node:util";
import { resample, Resampling, type ResamplingFilter } from "./resample.js";

export type ImageMode = "L" | "LA" | "RGB" | "RGBA";
const MODE_OF: Record<number, ImageMode> = { 1: "L", 2: "LA", 3: "RGB", 4: "RGBA" };
const CHANNELS: Record<ImageMode, number> = { L: 1, LA: 2, RGB: 3, RGBA: 4 };

export interface ResizeOptions {
  /** a PIL.Image.Resampling value; Pillow's default, BICUBIC, when absent */
  resample?: ResamplingFilter;
}

// Pillow's rounding of a*b/255 (Convert.c MULDIV255), used to premultiply alpha
function muldiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

export class RawImage {
  /** Interleaved pixels, row-major: `data[(y * width + x) * channels + c]`. */
  constructor(readonly data: Uint8Array, readonly width: number, readonly height: number, readonly channels: number) {
    if (!MODE_OF[channels]) throw new Error(`RawImage: ${channels} channels is not an image mode (1 L, 2 LA, 3 RGB or 4 RGBA)`);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`RawImage: width and height must be positive integers, got ${width}x${height}`);
    }
    if (data.length !== width * height * channels) {
      throw new Error(`RawImage: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`);
    }
  }

  /** PIL's `(width, height)`. */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  get mode(): ImageMode {
    return MODE_OF[this.channels]!;
  }

  /** PIL's Image.convert: gray from color is ITU-R 601-2 luma in Pillow's fixed point; alpha is
   *  dropped without compositing, or added as 255. */
  convert(mode: ImageMode): RawImage {
    const to = CHANNELS[mode];
    if (to === undefined) throw new Error(`RawImage.convert: unsupported mode ${JSON.stringify(mode)} (use L, LA, RGB or RGBA)`);
    if (mode === this.mode) return new RawImage(this.data.slice(), this.width, this.height, to);
    const n = this.width * this.height;
    const from = this.channels;
    const src = this.data;
    const out = new Uint8Array(n * to);
    for (let i = 0; i < n; i++) {
      const p = i * from;
      const q = i * to;
      const gray = from <= 2 ? src[p]! : (src[p]! * 19595 + src[p + 1]! * 38470 + src[p + 2]! * 7471 + 0x8000) >> 16;
      if (to <= 2) out[q] = gray;
      else if (from <= 2) out[q] = out[q + 1] = out[q + 2] = gray;
      else out.set(src.subarray(p, p + 3), q);
      if (to === 2 || to === 4) out[q + to - 1] = from === 2 || from === 4 ? src[p + from - 1]! : 255;
    }
    return new RawImage(out, this.width, this.height, to);
  }

  /** PIL's `image.resize((width, height), resample)`. As Pillow does, images with alpha are
   *  resampled premultiplied (except by NEAREST), so transparent pixels do not bleed color. */
  resize(size: readonly [number, number], o: ResizeOptions = {}): RawImage {
    const filter = o.resample ?? Resampling.BICUBIC;
    const [width, height] = size;
    if (width === this.width && height === this.height) return new RawImage(this.data.slice(), width, height, this.channels);
    const alpha = this.channels === 2 || this.channels === 4;
    if (!alpha || filter === Resampling.NEAREST) {
      const r = resample(this, width, height, filter);
      return new RawImage(r.data, r.width, r.height, r.channels);
    }
    const r = resample({ ...this, data: this.premultiplied() }, width, height, filter);
    return new RawImage(unpremultiply(r.data, this.channels), r.width, r.height, this.channels);
  }

  private premultiplied(): Uint8Array {
    const ch = this.channels;
    const out = this.data.slice();
    for (let p = 0; p < out.length; p += ch) {
      const a = out[p + ch - 1]!;
      for (let c = 0; c < ch - 1; c++) out[p + c] = muldiv255(out[p + c]!, a);
    }
    return out;
  }

  [inspect.custom](): string {
    return `<RawImage mode=${this.mode} size=${this.width}x${this.height}>`;
  }
}

// Pillow's RGBa -> RGBA: integer division by alpha, clipped; fully opaque or transparent pixels kept
function unpremultiply(data: Uint8Array, ch: number): Uint8Array {
  for (let p = 0; p < data.length; p += ch) {
    const a = data[p + ch - 1]!;
    if (a === 0 || a === 255) continue;
    for (let c = 0; c < ch - 1; c++) data[p + c] = Math.min(255, Math.floor((255 * data[p + c]!) / a));
  }
  return data;
}
