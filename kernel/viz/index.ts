// The `viz` namespace: IPython.display's API, plotly-style figures and tqdm-style progress bars.
export { display, update_display, clear_output, DisplayHandle, set_display_sink, display_sink, terminal_sink } from "./display.js";
export type { DisplaySink, DisplayOptions, DisplayMetadata } from "./display.js";
export { mime_bundle, type MimeBundle, type MimeOptions } from "./mime.js";
export { DisplayObject, Markdown, HTML, Image, SVG, JSON, Latex, type ImageOptions } from "./wrappers.js";
export { Figure, type Trace, type Layout, type Config } from "./plot/figure.js";
export { line, scatter, type LineOptions, type ScatterOptions } from "./plot/xy.js";
export { bar, type BarOptions } from "./plot/bar.js";
export { histogram, type HistogramOptions } from "./plot/histogram.js";
export { heatmap, heatmap_trace, type HeatmapOptions, type HeatmapTraceOptions } from "./plot/heatmap.js";
export { make_subplots, type SubplotsOptions } from "./plot/subplots.js";
export { plot_quantization_errors, quantization_errors_figure, type QuantizationErrorsOptions } from "./plot/quantization.js";
export { init_notebook_mode } from "./plot/plotlyjs.js";
export { progress, ProgressBar, type ProgressOptions } from "./progress.js";
