// A notebook run in a real browser: headless Chromium opens Jupyter Notebook 6 (Debian's
// jupyter-notebook, on 127.0.0.1), runs a lowbit notebook's cells, and the plotly figures the kernel
// outputs draw in the page. Every request off loopback is refused, so this also shows plots need no
// network. Needs chromium and jupyter-notebook.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, CHROMIUM_ARGS, front_end, python_has } from "../helpers/jupyter.js";
import { start_jupyter, type Jupyter } from "../helpers/jupyter_server.js";

const available =
  front_end("Chromium", existsSync(CHROMIUM), "apt-get install chromium") &&
  front_end("Jupyter Notebook 6", python_has("notebook"), "apt-get install jupyter-notebook");

const TITLE = "lowbit in Notebook 6";

// cells: a figure as the last expression (the output carrying plotly.js), then one through
// display() (which waits for the library the first one brought)
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: "lowbit", display_name: "lowbit (TypeScript)", language: "typescript" },
    language_info: { name: "typescript" },
  },
  cells: [
    `viz.line([[1, 3, 2], [2, 1, 3]], { names: ["a", "b"], title: ${JSON.stringify(TITLE)} })`,
    `torch.manual_seed(0);\ndisplay(viz.histogram(torch.randn([1000]), { title: "randn" }));\nconsole.log("after the histogram");`,
  ].map((source, i) => ({ cell_type: "code", id: `cell${i}`, metadata: {}, execution_count: null, outputs: [], source })),
};

// Notebook 6 always tries ipywidgets' nbextension (main.js, "HARDCODED WIDGETS HACK") and carries on
// when it is absent, as it is without ipywidgets; newer Chromium reports that 404 on the console.
// It is the page's own request, not something our outputs do.
const WIDGETS_FALLBACK = "/nbextensions/widgets/notebook/js/extension.js";

describe.skipIf(!available)("a lowbit notebook in Jupyter Notebook 6, in headless Chromium", () => {
  let jupyter: Jupyter | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const errors: string[] = [];
  const console_errors: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    jupyter = await start_jupyter("notebook", {
      setup: (dir) => writeFileSync(path.join(dir, "plots.ipynb"), JSON.stringify(NOTEBOOK, null, 1)),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && !`${m.location().url} ${m.text()}`.includes(WIDGETS_FALLBACK)) console_errors.push(m.text());
    });
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
      refused.push(url.href);
      return route.abort();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    const strays = await jupyter?.stop();
    expect(strays ?? []).toEqual([]);
  }, 60_000);

  it("runs the cells and draws both figures", async () => {
    await page.goto(`${jupyter!.url}notebooks/plots.ipynb?token=${jupyter!.token}`);
    // page code as strings: the tests are type-checked without the DOM's types
    await page.waitForFunction(
      `window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.info_reply &&
       Jupyter.notebook.kernel.info_reply.implementation === "lowbit"`,
      null,
      { timeout: 90_000 },
    );
    await page.evaluate(`Jupyter.notebook.execute_all_cells()`);
    // done: every cell has its execution count (not "*"), and plotly drew two SVG layers per figure
    await page.waitForFunction(
      `Jupyter.notebook.get_cells().every((c) => typeof c.input_prompt_number === "number") &&
       document.querySelectorAll(".output_area .plotly-graph-div .main-svg").length >= 4`,
      null,
      { timeout: 90_000, polling: 200 },
    );
    const cells = (await page.evaluate(`Jupyter.notebook.get_cells().map((c) => ({
      count: c.input_prompt_number,
      plots: [...c.element[0].querySelectorAll(".output_area .plotly-graph-div")].map((d) => ({
        svgs: d.querySelectorAll(".main-svg").length,
        title: (d.querySelector(".gtitle") || {}).textContent,
      })),
      text: [...c.element[0].querySelectorAll(".output_stream, .output_error")].map((e) => e.textContent).join(""),
    }))`)) as { count: number | null; plots: { svgs: number; title: string | undefined }[]; text: string }[];
    expect(cells).toHaveLength(2);
    expect(cells[0]!.plots).toHaveLength(1);
    expect(cells[0]!.plots[0]!.svgs).toBeGreaterThanOrEqual(2);
    expect(cells[0]!.plots[0]!.title).toBe(TITLE);
    expect(cells[1]!.plots).toHaveLength(1);
    expect(cells[1]!.plots[0]!.svgs).toBeGreaterThanOrEqual(2);
    expect(cells[1]!.plots[0]!.title).toBe("randn");
    expect(cells[1]!.text).toContain("after the histogram");
    expect(cells.map((c) => c.count)).toEqual([1, 2]);
    // nothing our outputs run fails (an output's script that throws is a page error), Notebook
    // shows no "Javascript error adding output!", and nothing asked for the network
    expect(errors).toEqual([]);
    expect(console_errors).toEqual([]);
    expect(await page.evaluate(`document.querySelectorAll(".js-error").length`)).toBe(0);
    expect(refused).toEqual([]);
  });
});
