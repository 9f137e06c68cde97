// Figures' HTML fallback drawn by a real browser: in a page of notebook outputs, and in the HTML
// that nbconvert exports from a notebook holding them. Needs /usr/bin/chromium (and, for the
// export, Debian's python3-nbconvert); nothing is fetched from the network.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { heatmap, histogram, line, mime_bundle, quantization_errors_figure, type Figure } from "../../kernel/viz/index.js";
import { reset_plotlyjs } from "../../kernel/viz/plot/plotlyjs.js";
import { CHROMIUM, CHROMIUM_ARGS, front_end, python_has } from "../helpers/jupyter.js";

const has_chromium = front_end("chromium", existsSync(CHROMIUM), "apt-get install chromium");
const has_nbconvert = has_chromium && front_end("nbconvert", python_has("nbconvert"), "apt-get install python3-nbconvert");

function figures(): Figure[] {
  const original = torch.tensor([[191.6, -13.5, 728.6], [92.14, 295.5, -184], [0, 684.6, 245.5]], { dtype: torch.float32 });
  const scale = 728.6 / 127;
  const quantized = original.div(scale).round().to(torch.int8);
  torch.manual_seed(0);
  return [
    line([[1, 3, 2], [2, 1, 3]], { names: ["a", "b"], title: "lines" }),
    quantization_errors_figure(original, quantized, quantized.float().mul(scale)),
    histogram(torch.randn([10_000])),
    heatmap(torch.randn([8, 8]), { colorscale: "coolwarm", zmid: 0 }),
  ];
}

// HTML outputs in the order a notebook shows them: the library comes with the first one built
function outputs(): string[] {
  reset_plotlyjs();
  return figures().map((f) => mime_bundle(f)["text/html"] as string);
}

let browser: Browser;
beforeAll(async () => {
  if (has_chromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  }
});
afterAll(async () => browser?.close());

// Opens the file with every non-file request refused (nbconvert's pages ask CDNs for require.js
// and MathJax), and returns, per plot div, how many plotly SVG layers it drew and its text.
async function rendered(file: string, plots: number): Promise<{ svgs: number; text: string }[]> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
  await page.goto(`file://${file}`);
  // page code as strings: the tests are type-checked without the DOM's types
  await page.waitForFunction(`document.querySelectorAll(".plotly-graph-div .main-svg").length >= ${2 * plots}`, null, { timeout: 60_000 });
  const out = (await page.evaluate(
    `[...document.querySelectorAll(".plotly-graph-div")].map((d) => ({ svgs: d.querySelectorAll(".main-svg").length, text: d.textContent }))`,
  )) as { svgs: number; text: string }[];
  await page.close();
  expect(errors).toEqual([]);
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), "lowbit-browser-"));

describe.skipIf(!has_chromium)("figures in Chromium (skipped without /usr/bin/chromium: apt-get install chromium)", () => {
  it("every output draws, including those placed before the one carrying plotly.js", async () => {
    const [first, ...rest] = outputs();
    const file = path.join(dir, "outputs.html");
    // later outputs first: they must wait for the library rather than fail
    writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${[...rest, first].join("\n")}</body></html>`);
    const plots = await rendered(file, 4);
    expect(plots).toHaveLength(4);
    for (const p of plots) expect(p.svgs).toBeGreaterThanOrEqual(2);
    const quant = plots[0]!.text;
    for (const s of ["Original Tensor", "Quantization Error Tensor", "728.60", "127.00", "-32.00"]) expect(quant).toContain(s);
    expect(plots[3]!.text).toContain("lines");
  });
});

describe.skipIf(!has_chromium)("a page without plotly.js (skipped without /usr/bin/chromium)", () => {
  it("says what is missing after a few seconds, and draws once the library arrives", async () => {
    const [, second] = outputs();
    const file = path.join(dir, "no_library.html");
    writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${second}</body></html>`);
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    expect(await page.textContent(".plotly-graph-div")).toContain("trusted");
    await page.locator(".plotly-graph-div", { hasText: "Waiting for plotly.js" }).waitFor({ timeout: 15_000 });
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve("plotly.js-dist") });
    await page.waitForSelector(".plotly-graph-div .main-svg", { timeout: 15_000 });
    expect(await page.textContent(".plotly-graph-div")).toContain("Original Tensor");
    await page.close();
  });
});

describe.skipIf(!has_nbconvert)("nbconvert's HTML export (skipped without chromium and python3-nbconvert)", () => {
  it.each(["lab", "classic"])("keeps the scripts, and the plots draw in the %s template", async (template) => {
    const html = outputs();
    const cell = (i: number, h: string) => ({
      cell_type: "code", execution_count: i + 1, id: `c${i}`, metadata: {}, source: `fig${i}`,
      outputs: [{ output_type: "execute_result", execution_count: i + 1, metadata: {}, data: { "text/html": h, "text/plain": "Figure" } }],
    });
    const nb = {
      nbformat: 4, nbformat_minor: 5, cells: html.map((h, i) => cell(i, h)),
      metadata: { kernelspec: { name: "lowbit", display_name: "lowbit (TypeScript)", language: "typescript" }, language_info: { name: "typescript" } },
    };
    const ipynb = path.join(dir, `nb_${template}.ipynb`);
    writeFileSync(ipynb, JSON.stringify(nb));
    execFileSync("/usr/bin/python3", ["-m", "nbconvert", "--to", "html", "--template", template, "--output-dir", dir, ipynb], { stdio: "pipe" });
    const exported = path.join(dir, `nb_${template}.html`);
    expect(readFileSync(exported, "utf8")).toContain("window.Plotly.newPlot(div");
    const plots = await rendered(exported, 4);
    expect(plots).toHaveLength(4);
    expect(plots[1]!.text).toContain("Dequantized Tensor");
  });
});
