// load_image: every source (path, bytes, file/data/http URL) and every kind of file gives the RGB
// pixels transformers' load_image (Pillow: exif_transpose, then convert("RGB")) gives; bad input
// gets an error naming the source.
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load_image, RawImage } from "../../kernel/models/image/index.js";
import { fixture } from "../helpers/fixtures.js";
import { Rng } from "../helpers/prng.js";
import { HAVE_PIL, pil } from "./image_pil.js";

const PNG = fixture("models", "tiny-blip", "image.png");

function noise(seed: number, width: number, height: number, channels: 1 | 2 | 3 | 4): Sharp {
  const rng = new Rng(seed);
  const data = Buffer.from(Uint8Array.from({ length: width * height * channels }, () => rng.int(0, 255)));
  return sharp(data, { raw: { width, height, channels } });
}

describe("load_image sources", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/image.png") res.writeHead(200, { "content-type": "image/png" }).end(readFileSync(PNG));
      else if (req.url === "/text") res.writeHead(200).end("not an image");
      else res.writeHead(404, "Not Found").end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it("path, Buffer, Uint8Array, file: URL, data: URL and http URL give the same RGB image", async () => {
    const want = await load_image(PNG);
    expect(want).toBeInstanceOf(RawImage);
    expect([want.mode, ...want.size]).toEqual(["RGB", 48, 40]);
    const bytes = readFileSync(PNG);
    const all = [
      bytes, new Uint8Array(bytes), new URL(`file://${PNG}`), `file://${PNG}`,
      `data:image/png;base64,${bytes.toString("base64")}`, `${base}/image.png`, new URL(`${base}/image.png`),
    ];
    for (const src of all) expect((await load_image(src)).data).toEqual(want.data);
  });

  it("names the source and the problem when it cannot load", async () => {
    await expect(load_image(`${base}/missing.png`)).rejects.toThrow(`${base}/missing.png answered HTTP 404 Not Found`);
    await expect(load_image(`${base}/text`)).rejects.toThrow(`cannot decode ${base}/text as an image`);
    // a port nothing listens on: the fetch itself fails
    const closed = http.createServer().listen(0, "127.0.0.1");
    await once(closed, "listening");
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.png`;
    closed.close();
    await once(closed, "close");
    await expect(load_image(url)).rejects.toThrow(`could not fetch ${url}`);
    await expect(load_image("/no/such/image.png")).rejects.toThrow("/no/such/image.png is neither an image file nor an http(s) or data: URL");
    await expect(load_image("data:text/plain,hi")).rejects.toThrow(/data URL must look like data:image/);
    await expect(load_image(42 as unknown as string)).rejects.toThrow(/expected a path, URL, Buffer\/Uint8Array or RawImage/);
  });

  it("rejects corrupt and truncated files", async () => {
    const rng = new Rng(3);
    await expect(load_image(Uint8Array.from({ length: 200 }, () => rng.int(0, 255)))).rejects.toThrow(/cannot decode 200-byte buffer as an image/);
    const png = readFileSync(PNG);
    const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-img-"));
    const truncated = path.join(dir, "truncated.png");
    writeFileSync(truncated, png.subarray(0, png.length >> 1));
    await expect(load_image(truncated)).rejects.toThrow(`cannot decode ${truncated} as an image`);
  });

  it("converts a RawImage to RGB", async () => {
    const gray = new RawImage(Uint8Array.of(7, 9), 2, 1, 1);
    expect(Array.from((await load_image(gray)).data)).toEqual([7, 7, 7, 9, 9, 9]);
  });
});

describe.runIf(HAVE_PIL)("load_image matches transformers' load_image (Pillow)", () => {
  it("grayscale, gray+alpha, RGBA, palette, 16-bit, JPEG, CMYK, WebP, GIF, TIFF and EXIF-rotated files", async () => {
    const files: [string, Buffer][] = [
      ["gray png", await noise(1, 17, 13, 1).png().toBuffer()],
      ["gray+alpha png", await noise(2, 17, 13, 2).png().toBuffer()],
      ["rgba png", await noise(3, 17, 13, 4).png().toBuffer()],
      ["palette png", await noise(4, 17, 13, 3).png({ palette: true, colours: 16 }).toBuffer()],
      ["palette png with alpha", await noise(5, 17, 13, 4).png({ palette: true, colours: 16 }).toBuffer()],
      ["16-bit gray png", await noise(6, 17, 13, 1).toColourspace("grey16").png().toBuffer()],
      ["16-bit rgb png", await noise(7, 17, 13, 3).toColourspace("rgb16").png().toBuffer()],
      ["rgb jpeg", await noise(8, 17, 13, 3).jpeg({ quality: 80 }).toBuffer()],
      ["gray jpeg", await noise(9, 17, 13, 1).jpeg().toBuffer()],
      ["cmyk jpeg", await noise(10, 17, 13, 3).toColourspace("cmyk").jpeg().toBuffer()],
      ["webp", await noise(11, 17, 13, 4).webp({ lossless: true }).toBuffer()],
      ["gif", await noise(12, 17, 13, 3).gif().toBuffer()],
      ["tiff", await noise(13, 17, 13, 3).tiff().toBuffer()],
      ...await Promise.all([2, 3, 5, 6, 8].map(async (o): Promise<[string, Buffer]> =>
        [`exif orientation ${o}`, await noise(20 + o, 17, 13, 3).png().withMetadata({ orientation: o }).toBuffer()])),
    ];
    const refs = pil(files.map(([, bytes]) => ({ op: "load_image", bytes })));
    for (const [i, [what, bytes]] of files.entries()) {
      const got = await load_image(bytes);
      expect(got.size, what).toEqual([refs[i]!.width, refs[i]!.height]);
      expect(Buffer.from(got.data).equals(Buffer.from(refs[i]!.data)), what).toBe(true);
    }
  });
});
