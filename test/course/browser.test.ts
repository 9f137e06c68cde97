// A lesson as a learner opens it: notebooks/01_data_types.ipynb as released, in Jupyter Notebook 6
// in headless Chromium, run top to bottom: its plots draw, its test cells show their ✓/✗ results,
// and nothing in the page fails or asks for the network.
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS, front_end, python_has, ROOT } from "../helpers/jupyter.js";
import { start_jupyter, type Jupyter } from "../helpers/jupyter_server.js";

const available =
  front_end("Chromium", existsSync(CHROMIUM), "apt-get install chromium") &&
  front_end("Jupyter Notebook 6", python_has("notebook"), "apt-get install jupyter-notebook");

const LESSON = "01_data_types.ipynb";

describe.skipIf(!available)("lesson 1 in Jupyter Notebook 6, in headless Chromium", () => {
  let jupyter: Jupyter | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    jupyter = await start_jupyter("notebook", { setup: (dir) => copyFileSync(path.join(ROOT, "notebooks", LESSON), path.join(dir, LESSON)) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
      refused.push(url.href);
      return route.abort();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    expect(await jupyter?.stop() ?? []).toEqual([]);
  }, 60_000);

  it("runs every cell, draws the plots and shows the checks", async () => {
    await page.goto(`${jupyter!.url}notebooks/${LESSON}?token=${jupyter!.token}`);
    await page.waitForFunction(
      `window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.info_reply &&
       Jupyter.notebook.kernel.info_reply.implementation === "lowbit"`,
      null, { timeout: 90_000 },
    );
    await page.evaluate(`Jupyter.notebook.execute_all_cells()`);
    // page code as strings: the tests are type-checked without the DOM's types
    await page.waitForFunction(
      `Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code").every((c) => typeof c.input_prompt_number === "number") &&
       document.querySelectorAll(".output_area .plotly-graph-div .main-svg").length >= 4`,
      null, { timeout: 120_000, polling: 250 },
    );
    const plots = (await page.evaluate(`[...document.querySelectorAll(".output_area .plotly-graph-div")].map((d) =>
      (d.querySelector(".gtitle") || {}).textContent)`)) as string[];
    expect(plots).toEqual(["Memory for the weights alone", "float32 → bfloat16: error of each value"]);
    const text = (await page.evaluate(`document.querySelector("#notebook-container").innerText`)) as string;
    expect(text).toContain("ex1: 0 of 2 checks passed");
    expect(text).toContain("✗ torch.iinfo(torch.int16).min: expected -32768, got undefined");
    expect(await page.evaluate(`document.querySelectorAll(".output_error, .js-error").length`)).toBe(0);
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);
  });
});
