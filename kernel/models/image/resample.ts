// Pillow's resize of 8-bit images (libImaging Resample.c and, for NEAREST, Geometry.c), step
// for step: transformers resizes through PIL, so any other resampler shifts BLIP's pixel_values
// by about 1e-2. Each pass precomputes per-output-pixel weights in double precision, normalises
// them, turns them into 22-bit fixed point and accumulates integer sums that are rounded and
// clipped to uint8 before the next pass, exactly as Pillow does.

/** PIL.Image.Resampling: the numbers preprocessor_config.json stores under `resample`. */
export const Resampling = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;
export type ResamplingFilter = (typeof Resampling)[keyof typeof Resampling];

/** Interleaved 8-bit pixels, row-major (height, width, channels). */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

interface Filter {
  weight: (x: number) => number;
  support: number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const BICUBIC_A = -0.5;

const FILTERS: Record<number, Filter> = {
  [Resampling.BOX]: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [Resampling.BILINEAR]: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  [Resampling.HAMMING]: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      const px = ax * Math.PI;
      // Pillow writes the window's constants as C floats
      return (Math.sin(px) / px) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(px));
    },
  },
  [Resampling.BICUBIC]: {
    support: 2,
    weight: (x) => {
      const ax = Math.abs(x);
      if (ax < 1) return ((BICUBIC_A + 2) * ax - (BICUBIC_A + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * BICUBIC_A;
      return 0;
    },
  },
  [Resampling.LANCZOS]: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

/** Fixed-point weights of one pass: output pixel i reads `count[i]` inputs from `first[i]`,
 *  weighted by `k[i*ksize ...]`. */
interface Coefficients {
  ksize: number;
  first: Int32Array;
  count: Int32Array;
  k: Int32Array;
}

function coefficients(in_size: number, out_size: number, filter: Filter): Coefficients {
  const scale = in_size / out_size;
  // downscaling widens the filter by the scale factor: this is PIL's antialiasing
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterscale;
  const first = new Int32Array(out_size);
  const count = new Int32Array(out_size);
  const k = new Int32Array(out_size * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < out_size; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(in_size, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = filter.weight((x + xmin - center + 0.5) * ss);
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, k };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// One separable pass along rows (`horizontal`) or columns; every channel is filtered alike.
function pass(src: Pixels, out_size: number, c: Coefficients, horizontal: boolean): Pixels {
  const { width, height, channels: ch, data } = src;
  const ow = horizontal ? out_size : width;
  const oh = horizontal ? height : out_size;
  const out = new Uint8Array(ow * oh * ch);
  // step between consecutive taps, in bytes of the source
  const tap = horizontal ? ch : width * ch;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const i = horizontal ? x : y;
      const base = horizontal ? (y * width + c.first[i]!) * ch : (c.first[i]! * width + x) * ch;
      const n = c.count[i]!;
      const k0 = i * c.ksize;
      for (let b = 0; b < ch; b++) {
        let ss = HALF;
        for (let t = 0, p = base + b; t < n; t++, p += tap) ss += data[p]! * c.k[k0 + t]!;
        out[(y * ow + x) * ch + b] = clip8(ss);
      }
    }
  }
  return { data: out, width: ow, height: oh, channels: ch };
}

// Geometry.c's ImagingScaleAffine: source positions advance by repeated addition of the scale,
// so their rounding follows Pillow's running sum, not (i + 0.5) * scale.
function nearest(src: Pixels, width: number, height: number): Pixels {
  const { channels: ch, data } = src;
  const sx = src.width / width;
  const sy = src.height / height;
  const xin = new Int32Array(width).fill(-1);
  for (let x = 0, xo = sx * 0.5; x < width; x++, xo += sx) {
    const v = Math.trunc(xo);
    if (v < src.width) xin[x] = v;
  }
  const out = new Uint8Array(width * height * ch);
  for (let y = 0, yo = sy * 0.5; y < height; y++, yo += sy) {
    const yi = Math.trunc(yo);
    if (yi >= src.height) continue;  // Pillow leaves such pixels 0
    for (let x = 0; x < width; x++) {
      if (xin[x]! < 0) continue;
      out.set(data.subarray((yi * src.width + xin[x]!) * ch, (yi * src.width + xin[x]! + 1) * ch), (y * width + x) * ch);
    }
  }
  return { data: out, width, height, channels: ch };
}

function check_size(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resize: width and height must be integers > 0, got [${width}, ${height}]`);
  }
}

/** PIL's `im.resize((width, height), resample)` on premultiplied or alpha-free 8-bit pixels:
 *  the horizontal pass first, then the vertical one, each skipped when that size is unchanged. */
export function resample(src: Pixels, width: number, height: number, filter: ResamplingFilter): Pixels {
  check_size(width, height);
  if (width === src.width && height === src.height) return { ...src, data: src.data.slice() };
  if (filter === Resampling.NEAREST) return nearest(src, width, height);
  const f = FILTERS[filter];
  if (!f) {
    throw new Error(`resize: unknown resample filter ${filter} (use one of ${Object.entries(Resampling).map(([k, v]) => `${v} ${k}`).join(", ")})`);
  }
  let im = src;
  if (width !== src.width) im = pass(im, width, coefficients(src.width, width, f), true);
  if (height !== src.height) im = pass(im, height, coefficients(src.height, height, f), false);
  return im;
}
