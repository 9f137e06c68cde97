// make_subplots' grid and the course's plot_quantization_errors.
import { afterEach, describe, expect, it } from "vitest";
import { torch, Tensor } from "../../kernel/index.js";
import { set_display_sink } from "../../kernel/viz/display.js";
import { line, make_subplots, plot_quantization_errors, quantization_errors_figure } from "../../kernel/viz/index.js";
import { PLOTLY_MIME } from "../../kernel/viz/plot/figure.js";
import { FakeSink } from "../helpers/fake_sink.js";

afterEach(() => set_display_sink(null));

describe("make_subplots", () => {
  it("lays out axes as plotly's Python make_subplots does", () => {
    const fig = make_subplots({ rows: 2, cols: 2, subplot_titles: ["a", "b", "c"] });
    const hs = 0.1, vs = 0.15, w = (1 - hs) / 2, h = (1 - vs) / 2;
    expect(fig.layout.xaxis).toEqual({ domain: [0, w], anchor: "y" });
    expect(fig.layout.yaxis).toEqual({ domain: [1 - h, 1], anchor: "x" });
    expect(fig.layout.xaxis4).toEqual({ domain: [w + hs, 1], anchor: "y4" });
    const y3 = fig.layout.yaxis3 as { domain: number[]; anchor: string };
    expect(y3.anchor).toBe("x3");
    expect(y3.domain[0]).toBeCloseTo(0, 12);
    expect(y3.domain[1]).toBeCloseTo(h, 12);
    const notes = fig.layout.annotations as Record<string, unknown>[];
    const expected: [string, number, number][] = [["a", w / 2, 1], ["b", w + hs + w / 2, 1], ["c", w / 2, h]];
    expect(notes.map((a) => a.text)).toEqual(expected.map(([t]) => t));
    notes.forEach((a, i) => {
      expect(a.x).toBeCloseTo(expected[i]![1], 12);
      expect(a.y).toBeCloseTo(expected[i]![2], 12);
    });
    expect(notes[0]).toMatchObject({ xref: "paper", yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false });
  });

  it("add_trace puts a trace on its cell's axes; update_yaxes reaches a row, a column or a cell", () => {
    const fig = make_subplots({ rows: 2, cols: 3 });
    fig.add_trace(line([1, 2]).data[0]!, { row: 2, col: 3 });
    fig.add_trace({ type: "bar", y: [1] }, { row: 1, col: 1 });
    expect(fig.data.map((t) => [t.xaxis, t.yaxis])).toEqual([["x6", "y6"], ["x", "y"]]);
    fig.update_yaxes({ showgrid: false, col: 2 });
    expect(Object.keys(fig.layout).filter((k) => (fig.layout[k] as { showgrid?: boolean }).showgrid === false)).toEqual(["yaxis2", "yaxis5"]);
    expect(() => fig.add_trace({}, { row: 3, col: 1 })).toThrow("row=3, col=1 is not a cell of the 2x3 subplot grid");
    expect(() => make_subplots({ rows: 0 })).toThrow(/rows must be a positive integer/);
  });
});

describe("plot_quantization_errors", () => {
  // the course's test tensor, quantized symmetrically to int8 by hand
  const original = torch.tensor([[191.6, -13.5, 728.6], [92.14, 295.5, -184], [0, 684.6, 245.5]], { dtype: torch.float32 });
  const scale = 728.6 / 127;
  const quantized = torch.tensor((original.tolist() as number[][]).map((r) => r.map((v) => Math.round(v / scale))), { dtype: torch.int8 });
  const dequantized = quantized.float().mul(scale);
  const values = (t: Tensor) => t.tolist() as number[][];

  it("four annotated heatmaps: original, quantized, dequantized and |original - dequantized|", () => {
    const fig = quantization_errors_figure(original, quantized, dequantized);
    expect(fig.data).toHaveLength(4);
    expect(fig.data.map((t) => t.type)).toEqual(["heatmap", "heatmap", "heatmap", "heatmap"]);
    expect(fig.data.map((t) => t.xaxis)).toEqual(["x", "x2", "x3", "x4"]);
    expect(fig.data[0]!.z).toEqual(values(original));
    expect(fig.data[1]!.z).toEqual(values(quantized));
    expect(fig.data[2]!.z).toEqual(values(dequantized));
    const a = values(original), b = values(dequantized);
    expect(fig.data[3]!.z).toEqual(a.map((r, i) => r.map((v, j) => Math.fround(Math.abs(v - b[i]![j]!)))));
    for (const t of fig.data) expect(t).toMatchObject({ texttemplate: "%{z:.2f}", showscale: false });
    expect(fig.data.map((t) => [t.zmin, t.zmax])).toEqual([[0, 1], [-128, 127], [0, 1], [0, 1]]);
    expect(fig.data[0]!.colorscale).toEqual([[0, "white"], [1, "white"]]);
    expect((fig.data[1]!.colorscale as unknown[]).length).toBe(9);
    const titles = (fig.layout.annotations as { text: string }[]).map((n) => n.text);
    expect(titles).toEqual(["Original Tensor", "8-bit Linear Quantized Tensor", "Dequantized Tensor", "Quantization Error Tensor"]);
    expect(fig.layout.yaxis3).toMatchObject({ autorange: "reversed", showticklabels: false });
  });

  it("takes the quantized dtype's range and the bits named in the title", () => {
    const fig = quantization_errors_figure(original, quantized, dequantized, { dtype: torch.uint8, n_bits: 4 });
    expect([fig.data[1]!.zmin, fig.data[1]!.zmax]).toEqual([0, 255]);
    expect((fig.layout.annotations as { text: string }[])[1]!.text).toBe("4-bit Linear Quantized Tensor");
  });

  it("shows the figure at once, as the course's plt.show() did", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    expect(plot_quantization_errors(original, quantized, dequantized)).toBeUndefined();
    expect(sink.events).toHaveLength(1);
    const fig = sink.events[0]!.data![PLOTLY_MIME] as { data: { z: unknown }[] };
    expect(fig.data[0]!.z).toEqual(values(original));
  });

  it("refuses tensors of different shapes", () => {
    expect(() => quantization_errors_figure(original, quantized, torch.zeros([2, 3]))).toThrow(
      "plot_quantization_errors(): the tensors' shapes differ: (3, 3), (3, 3), (2, 3)",
    );
  });
});
