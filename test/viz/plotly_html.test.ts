// A figure's MIME bundle: the plotly JSON type, and an HTML fallback that carries plotly.js in
// the first figure output of the process only.
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { set_display_sink } from "../../kernel/viz/display.js";
import { init_notebook_mode, line, mime_bundle } from "../../kernel/viz/index.js";
import { PLOTLY_MIME } from "../../kernel/viz/plot/figure.js";
import { reset_plotlyjs } from "../../kernel/viz/plot/plotlyjs.js";
import { FakeSink } from "../helpers/fake_sink.js";

const plotly_header = readFileSync(createRequire(import.meta.url).resolve("plotly.js-dist"), "utf8").slice(0, 40);
const html_of = (v: unknown) => mime_bundle(v)["text/html"] as string;

beforeEach(() => reset_plotlyjs());
afterEach(() => set_display_sink(null));

describe("figure MIME bundle", () => {
  it("has the plotly MIME type with data, layout and config, and a text/plain", () => {
    const fig = line([1, 2], { title: "t" });
    const b = mime_bundle(fig);
    expect(b[PLOTLY_MIME]).toEqual({ data: [{ type: "scatter", mode: "lines", y: [1, 2] }], layout: { title: { text: "t" } }, config: {} });
    expect(b["text/plain"]).toBe("Figure(data=[scatter], title='t')");
  });

  it("inlines plotly.js in the first HTML output only; later ones wait for window.Plotly", () => {
    const first = html_of(line([1, 2]));
    const second = html_of(line([3, 4]));
    expect(first).toContain(plotly_header);
    expect(first.length).toBeGreaterThan(5_000_000);
    expect(second).not.toContain(plotly_header);
    expect(second.length).toBeLessThan(5_000);
    for (const h of [first, second]) {
      expect(h).toContain("window.Plotly.newPlot(div");
      expect(h).toContain("setTimeout(draw");
    }
    const id = (h: string) => /<div id="(lowbit-plot-[0-9a-f-]+)"/.exec(h)![1];
    expect(id(first)).not.toBe(id(second));
    expect(second).toContain(`var id = "${id(second)}"`);
    reset_plotlyjs();
    expect(html_of(line([5]))).toContain(plotly_header);
  });

  it("does not spend the embedding on a bundle built without HTML", () => {
    mime_bundle(line([1]), { exclude: ["text/html"] });
    expect(html_of(line([1]))).toContain(plotly_header);
  });

  it("does not spend it on a terminal either", () => {
    set_display_sink(new FakeSink(false));
    line([1]).show();
    expect(html_of(line([1]))).toContain(plotly_header);
  });

  it("init_notebook_mode() outputs the library on its own", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    init_notebook_mode();
    expect(sink.events[0]!.data!["text/html"]).toContain(plotly_header);
    expect(html_of(line([1]))).not.toContain(plotly_header);
  });

  it("keeps strings in the data from closing the script", () => {
    reset_plotlyjs();
    html_of(line([0]));
    const h = html_of(line([1], { title: "</script><script>alert(1)</script>" }));
    expect(h).not.toContain("</script><script>alert");
    expect(h).toContain("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>");
    expect(h.match(/<\/script>/g)).toHaveLength(1);
  });

  it("sizes the div from the layout", () => {
    html_of(line([0]));
    expect(html_of(line([1], { height: 300, width: 500 }))).toContain('style="height:300px; width:500px;"');
    expect(html_of(line([1]))).toContain('style="height:450px; width:100%;"');
  });

  it("to_html / write_html make a standalone page", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lowbit-fig-"));
    const file = path.join(dir, "fig.html");
    line([1, 2]).write_html(file);
    const page = readFileSync(file, "utf8");
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain(plotly_header);
    expect(line([1]).to_html({ include_plotlyjs: false, full_html: false })).toMatch(/^<div><div id="lowbit-plot-/);
  });
});
