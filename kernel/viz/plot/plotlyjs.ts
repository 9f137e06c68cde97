// plotly.js travels inside the notebook, from the plotly.js-dist package, so plots render with no
// network: in JupyterLab, Notebook 6/7, VS Code and nbconvert's HTML. At ~10 MB it is inlined
// once per kernel process, in the first figure output; later outputs wait for window.Plotly.
// The cost: if that first output is gone from the page (cleared, or the notebook reopened
// without it), later plots wait until the library is embedded again (restart the kernel and
// re-run, or call init_notebook_mode()).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { display, display_sink } from "../display.js";

let source: string | undefined;
let embedded = false;

// A "</script" inside the library would end the <script> element early; "<\/" means the same
// in JS strings, regexes and comments.
function plotlyjs(): string {
  source ??= readFileSync(createRequire(import.meta.url).resolve("plotly.js-dist"), "utf8").replace(/<\/(script)/gi, "<\\/$1");
  return source;
}

/** The <script> elements that define window.Plotly. */
export function plotlyjs_script(): string {
  // MathJaxConfig 'local': plotly.js leaves the page's MathJax (nbconvert, Notebook 6) configured as it was
  return `<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n` +
    `<script type="text/javascript">${plotlyjs()}</script>\n`;
}

/** Whether the figure output being built must carry the library: the first one of the process. */
export function take_plotlyjs(): boolean {
  const first = !embedded;
  embedded = true;
  return first;
}

/** Forgets that the library was embedded, so the next figure output carries it again. */
export function reset_plotlyjs(): void {
  embedded = false;
}

/** plotly.offline.init_notebook_mode(): outputs the library on its own (a first cell can hold
 *  it, so plots further down keep rendering whichever of them is cleared). */
export function init_notebook_mode(): void {
  if (!display_sink().rich) return;
  display({ "text/html": plotlyjs_script(), "text/plain": "" }, { raw: true });
  embedded = true;
}
