// IPython.display's wrappers: Markdown, HTML, SVG, Latex, JSON, Image.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { mime_bundle } from "../../kernel/viz/mime.js";
import { HTML, Image, JSON as JSONDisplay, Latex, Markdown, SVG } from "../../kernel/viz/wrappers.js";

// the 8-byte PNG signature and a JPEG start-of-image marker are enough to tell the formats apart
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 4, 5]);
const b64 = (a: Uint8Array) => Buffer.from(a).toString("base64");

describe("display wrappers", () => {
  it("carry their MIME type and a text/plain", () => {
    expect(mime_bundle(Markdown("# Title"))).toEqual({ "text/plain": "# Title", "text/markdown": "# Title" });
    expect(mime_bundle(HTML("<b>x</b>"))).toEqual({ "text/plain": "<HTML object>", "text/html": "<b>x</b>" });
    expect(mime_bundle(Latex("$x^2$"))).toEqual({ "text/plain": "$x^2$", "text/latex": "$x^2$" });
    const svg = mime_bundle(SVG('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'));
    expect(svg["image/svg+xml"]).toBe('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
  });

  it("work with and without new, and instanceof holds", () => {
    const a = Markdown("a"), b = new Markdown("b");
    expect(a).toBeInstanceOf(Markdown);
    expect(b).toBeInstanceOf(Markdown);
    class Notice extends HTML {
      constructor(text: string) {
        super(`<div class="notice">${text}</div>`);
      }
    }
    expect(mime_bundle(new Notice("hi"))["text/html"]).toBe('<div class="notice">hi</div>');
  });

  it("JSON shows tensors readably and refuses what JSON cannot hold", () => {
    const j = JSONDisplay({ w: torch.tensor([1.5, 2]), n: [1, 2] });
    expect(mime_bundle(j)["application/json"]).toEqual({ w: "tensor([1.5000, 2.0000])", n: [1, 2] });
    expect(String(j)).toContain('"n": [');
    expect(() => JSONDisplay({ f: () => 0 })).toThrow(/not JSON-serialisable/);
  });

  it("Image takes bytes, base64 or a file, and tells PNG from JPEG", () => {
    expect(mime_bundle(Image({ data: PNG }))["image/png"]).toBe(b64(PNG));
    expect(mime_bundle(Image({ data: b64(JPEG) }))["image/jpeg"]).toBe(b64(JPEG));
    expect(mime_bundle(Image({ data: PNG, format: "jpg" }))["image/jpeg"]).toBe(b64(PNG));
    const dir = mkdtempSync(path.join(tmpdir(), "lowbit-img-"));
    writeFileSync(path.join(dir, "pic.JPG"), JPEG);
    const img = Image({ path: path.join(dir, "pic.JPG") });
    expect(mime_bundle(img)["image/jpeg"]).toBe(b64(JPEG));
    expect(String(img)).toBe("<Image: jpeg, 6 bytes>");
  });

  it("Image names what is wrong", () => {
    expect(() => Image({})).toThrow(/exactly one of/);
    expect(() => Image({ data: Uint8Array.from([1, 2, 3]) })).toThrow(/cannot tell the format/);
    expect(() => Image({ data: PNG, format: "gif" as "png" })).toThrow(/unsupported format 'gif'/);
    expect(() => Image({ path: "/nonexistent/x.png" })).toThrow(/ENOENT/);
  });
});
