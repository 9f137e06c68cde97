// transformers.image_utils.load_image: a path, bytes, an http(s) or data: URL, or an image in
// memory, decoded (sharp/libvips) and turned upright by its EXIF orientation, as RGB the way
// PIL's `Image.open(...).convert("RGB")` gives it, so the pixels entering a processor are
// the ones Python would see.
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { RawImage } from "./raw_image.js";

export type ImageSource = string | URL | Uint8Array | RawImage;

function describe(src: string | URL | Uint8Array): string {
  if (typeof src === "string") return src.startsWith("data:") ? `${src.slice(0, 32)}...` : src;
  if (src instanceof URL) return src.href;
  return `${src.length}-byte buffer`;
}

async function fetch_bytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new Error(`load_image: could not fetch ${url} (${cause}); check the URL and the network, or pass a local path`);
  }
  if (!res.ok) throw new Error(`load_image: ${url} answered HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

function data_url_bytes(url: string): Uint8Array {
  const m = /^data:image\/[\w.+-]+;base64,(.*)$/s.exec(url);
  if (!m) throw new Error(`load_image: a data URL must look like data:image/<type>;base64,<data>, got ${url.slice(0, 40)}...`);
  return Buffer.from(m[1]!, "base64");
}

async function bytes_of(src: string | URL | Uint8Array): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  const s = src instanceof URL ? src.href : src;
  if (/^https?:\/\//i.test(s)) return fetch_bytes(s);
  if (s.startsWith("data:")) return data_url_bytes(s);
  const file = s.startsWith("file:") ? fileURLToPath(s) : s;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new Error(`load_image: ${s} is neither an image file nor an http(s) or data: URL`);
  }
  return readFileSync(file);
}

// Pillow's CMYK -> RGB (Convert.c cmyk2rgb): no color management, k darkens each channel.
function cmyk_to_rgb(cmyk: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = 255 - cmyk[i * 4 + 3]!;
    for (let c = 0; c < 3; c++) {
      const t = cmyk[i * 4 + c]! * nk + 128;
      out[i * 3 + c] = Math.max(0, nk - (((t >> 8) + t) >> 8));
    }
  }
  return out;
}

// Pillow opens a 16-bit grayscale image as mode "I", whose RGB conversion clips at 255 rather
// than scaling: kept so that such images give what transformers gives.
function gray16_to_rgb(bytes: Uint8Array, n: number): Uint8Array {
  const g = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = Math.min(255, g[i]!);
  return out;
}

async function decode(bytes: Uint8Array, source: string): Promise<RawImage> {
  try {
    const meta = await sharp(bytes).metadata();
    const img = sharp(bytes).autoOrient();
    if (meta.space === "cmyk") {
      // keep the file's own CMYK values; sharp would otherwise color-manage them into sRGB
      const { data, info } = await img.pipelineColourspace("cmyk").toColourspace("cmyk").raw().toBuffer({ resolveWithObject: true });
      return new RawImage(cmyk_to_rgb(data, info.width * info.height), info.width, info.height, 3);
    }
    if (meta.channels === 1 && meta.depth === "ushort") {
      const { data, info } = await img.toColourspace("grey16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
      return new RawImage(gray16_to_rgb(data, info.width * info.height), info.width, info.height, 3);
    }
    const { data, info } = await img.toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
    return new RawImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels).convert("RGB");
  } catch (e) {
    throw new Error(`load_image: cannot decode ${source} as an image (${(e as Error).message})`);
  }
}

/** transformers' `load_image(image)`: an upright RGB RawImage from any source. */
export async function load_image(src: ImageSource): Promise<RawImage> {
  if (src instanceof RawImage) return src.convert("RGB");
  if (!(typeof src === "string" || src instanceof URL || src instanceof Uint8Array)) {
    throw new Error(`load_image: expected a path, URL, Buffer/Uint8Array or RawImage, got ${Object.prototype.toString.call(src)}`);
  }
  return decode(await bytes_of(src), describe(src));
}
