// The course helper plot_quantization_errors(original, quantized, dequantized): four annotated
// heatmaps side by side -- the original tensor, the quantized integers, the dequantized tensor
// and the error |original - dequantized| -- with the course's titles, colormaps and color ranges
// (seaborn heatmaps with annot=True, fmt=".2f", cbar=False).
import { as_dtype, DType, int8 } from "../../tensor/dtype.js";
import { iinfo } from "../../tensor/info.js";
import type { Tensor } from "../../tensor/tensor.js";
import { type Colorscale } from "./colorscales.js";
import type { Figure } from "./figure.js";
import { heatmap_trace } from "./heatmap.js";
import { make_subplots } from "./subplots.js";

export interface QuantizationErrorsOptions {
  /** The quantized dtype, whose range colors the quantized panel (default torch.int8). */
  dtype?: DType | string;
  /** Bits named in the quantized panel's title (default 8). */
  n_bits?: number;
}

// ListedColormap(['white']): the values are read from the annotations, not the colors
const WHITE: Colorscale = [[0, "white"], [1, "white"]];

/** The course's four-panel figure, to show or change before showing. */
export function quantization_errors_figure(original: Tensor, quantized: Tensor, dequantized: Tensor, o: QuantizationErrorsOptions = {}): Figure {
  const shapes = [original, quantized, dequantized].map((t) => `(${t.shape.join(", ")})`);
  if (new Set(shapes).size !== 1) throw new RangeError(`plot_quantization_errors(): the tensors' shapes differ: ${shapes.join(", ")}`);
  const info = iinfo(as_dtype(o.dtype ?? int8));
  const panels: [string, Tensor, Colorscale, number, number][] = [
    ["Original Tensor", original, WHITE, 0, 1],
    [`${o.n_bits ?? 8}-bit Linear Quantized Tensor`, quantized, "coolwarm", Number(info.min), Number(info.max)],
    // the course leaves this panel at seaborn's vmin=0, vmax=1
    ["Dequantized Tensor", dequantized, "coolwarm", 0, 1],
    ["Quantization Error Tensor", original.sub(dequantized).abs(), WHITE, 0, 1],
  ];
  const fig = make_subplots({ rows: 1, cols: 4, subplot_titles: panels.map(([title]) => title), horizontal_spacing: 0.03 });
  panels.forEach(([, t, colorscale, zmin, zmax], i) => {
    fig.add_trace(heatmap_trace(t, { colorscale, zmin, zmax, text_auto: ".2f", showscale: false }), { row: 1, col: i + 1 });
  });
  fig.update_xaxes({ showticklabels: false, ticks: "", showgrid: false, zeroline: false });
  fig.update_yaxes({ showticklabels: false, ticks: "", showgrid: false, zeroline: false, autorange: "reversed" });
  // the course's figsize=(15, 4)
  return fig.update_layout({ height: 400, margin: { l: 10, r: 10, t: 50, b: 10 } });
}

/** Shows the course's four-panel figure now, as the helper's plt.show() did. */
export function plot_quantization_errors(original: Tensor, quantized: Tensor, dequantized: Tensor, o: QuantizationErrorsOptions = {}): void {
  quantization_errors_figure(original, quantized, dequantized, o).show();
}
