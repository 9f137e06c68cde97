// A figure as HTML that draws itself with plotly.js: a uniquely-id'd div and a script that waits
// for window.Plotly (the library may come from an earlier output, or load later in the page) and
// for the div to be in the document (Notebook 6 runs output scripts before attaching them).
import { randomUUID } from "node:crypto";
import { escape_html } from "../html.js";
import { plotlyjs_script } from "./plotlyjs.js";

export interface FigureJSON {
  data: unknown[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface HtmlOptions {
  /** Inline plotly.js (~10 MB) in this HTML; without it the page must define window.Plotly. */
  include_plotlyjs?: boolean;
  /** A whole document (<html>...) rather than a fragment for a notebook output. */
  full_html?: boolean;
  div_id?: string;
}

// shown until the script draws: where outputs are untrusted their scripts never run
const UNTRUSTED = "A plotly figure: it is drawn where the notebook is trusted and its outputs may run JavaScript.";
const WAITING = "Waiting for plotly.js. The kernel embeds it in its first plot output: if that output was cleared, " +
  "restart the kernel and re-run the notebook, or run viz.init_notebook_mode() in a cell above.";

// JSON inside <script>: "<" escaped so no string in the data can close the element
function script_json(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function draw_script(id: string, fig: FigureJSON): string {
  return `(function () {
  var id = ${script_json(id)}, fig = ${script_json(fig)}, start = Date.now(), seen = false, warned = false;
  function draw() {
    var div = document.getElementById(id);
    if (div) seen = true;
    else if (seen) return;
    if (div && window.Plotly) {
      div.textContent = "";
      window.Plotly.newPlot(div, fig.data, fig.layout, Object.assign({ responsive: true }, fig.config));
      return;
    }
    var waited = Date.now() - start;
    if (div && waited > 5000 && !warned) {
      div.textContent = ${script_json(WAITING)};
      warned = true;
    }
    setTimeout(draw, waited > 5000 ? 1000 : 50);
  }
  draw();
})();`;
}

const px = (v: unknown, fallback: string) => (typeof v === "number" ? `${v}px` : fallback);

export function figure_html(fig: FigureJSON, o: HtmlOptions = {}): string {
  const id = o.div_id ?? `lowbit-plot-${randomUUID()}`;
  // plotly.js sizes the plot to the div; 450px is its default height
  const style = `height:${px(fig.layout.height, "450px")}; width:${px(fig.layout.width, "100%")};`;
  const body = (o.include_plotlyjs ? plotlyjs_script() : "") +
    `<div id="${escape_html(id)}" class="plotly-graph-div" style="${style}">${UNTRUSTED}</div>\n` +
    `<script type="text/javascript">\n${draw_script(id, fig)}\n</script>`;
  if (!o.full_html) return `<div>${body}</div>`;
  return `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8" /></head>\n<body>\n${body}\n</body>\n</html>\n`;
}
