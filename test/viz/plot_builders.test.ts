// The plot builders' figure JSON: plotly.js traces and layout from arrays and tensors.
import { describe, expect, it } from "vitest";
import { torch } from "../../kernel/index.js";
import { bar, Figure, heatmap, histogram, line, scatter } from "../../kernel/viz/index.js";
import { Rng } from "../helpers/prng.js";

describe("Figure", () => {
  it("holds plotly.js JSON; tensors in traces become arrays", () => {
    const fig = Figure({ data: [{ type: "scatter", y: torch.tensor([1, 2]) }], layout: { title: { text: "t" } } });
    expect(fig).toBeInstanceOf(Figure);
    expect(fig.to_dict()).toEqual({ data: [{ type: "scatter", y: [1, 2] }], layout: { title: { text: "t" } }, config: {} });
    expect(JSON.parse(fig.to_json())).toEqual(fig.to_dict());
    expect(String(fig)).toBe("Figure(data=[scatter], title='t')");
  });

  it("takes title strings as Python's plotly does, as { text }", () => {
    const fig = new Figure({ data: [{ type: "heatmap", z: [[1]], colorbar: { title: "c" } }], layout: { title: "T", xaxis: { title: "x" } } });
    expect(fig.to_dict().layout).toEqual({ title: { text: "T" }, xaxis: { title: { text: "x" } } });
    expect(fig.to_dict().data[0]).toEqual({ type: "heatmap", z: [[1]], colorbar: { title: { text: "c" } } });
    expect(String(fig)).toBe("Figure(data=[heatmap], title='T')");
  });

  it("update_layout deep-merges; update_xaxes reaches every x axis", () => {
    const fig = new Figure({ layout: { xaxis: { title: { text: "x" } }, xaxis2: {}, margin: { l: 1 } } });
    fig.update_layout({ margin: { r: 2 }, height: 300 }).update_xaxes({ showgrid: false });
    expect(fig.layout).toEqual({ xaxis: { title: { text: "x" }, showgrid: false }, xaxis2: { showgrid: false }, margin: { l: 1, r: 2 }, height: 300 });
    expect(() => fig.update_yaxes({ row: 1, col: 1 })).toThrow(/make_subplots/);
  });
});

describe("line and scatter", () => {
  it("line: one series, or several with names and a shared x", () => {
    expect(line([3, 1, 2], { title: "loss", labels: { x: "step", y: "loss" } }).to_dict()).toEqual({
      data: [{ type: "scatter", mode: "lines", y: [3, 1, 2] }],
      layout: { title: { text: "loss" }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } } },
      config: {},
    });
    const fig = line(torch.tensor([[1, 2], [3, 4]]), { x: torch.tensor([10, 20]), names: ["a", "b"], markers: true, log_y: true });
    expect(fig.data).toEqual([
      { type: "scatter", mode: "lines+markers", x: [10, 20], y: [1, 2], name: "a" },
      { type: "scatter", mode: "lines+markers", x: [10, 20], y: [3, 4], name: "b" },
    ]);
    expect(fig.layout.yaxis).toEqual({ type: "log" });
  });

  it("line: tensors of any dtype, arrays of tensors", () => {
    const fig = line([torch.tensor([0.5, 1], { dtype: torch.bfloat16 }), new Float32Array([2, 3])]);
    expect(fig.data.map((t) => t.y)).toEqual([[0.5, 1], [2, 3]]);
  });

  it("scatter: shared or per-series x", () => {
    expect(scatter([1, 2], [3, 4]).data).toEqual([{ type: "scatter", mode: "markers", x: [1, 2], y: [3, 4] }]);
    const fig = scatter([[1, 2], [5, 6]], [[3, 4], [7, 8]], { names: ["p", "q"], opacity: 0.5 });
    expect(fig.data.map((t) => [t.x, t.y, t.name, t.opacity])).toEqual([[[1, 2], [3, 4], "p", 0.5], [[5, 6], [7, 8], "q", 0.5]]);
  });

  it("names what is wrong", () => {
    expect(() => line([[1], [2]], { names: ["one"] })).toThrow("line(): 1 names for 2 series");
    expect(() => line([1, 2], { x: [1] })).toThrow("line(): 1 x values for 2 y values");
    expect(() => line(torch.zeros([2, 2, 2]))).toThrow("line() needs a 1-D or 2-D tensor, got shape (2, 2, 2)");
    expect(() => scatter([[1], [2]], [[1], [2], [3]])).toThrow("scatter(): 2 x series for 3 y series");
    expect(() => heatmap(torch.zeros([2048, 1024]))).toThrow(/heatmap\(\): 2,097,152 values are more than a notebook plot can carry .*t\.get\("0:512", "0:512"\)/);
  });
});

describe("bar", () => {
  it("categories, groups, horizontal bars and value labels", () => {
    const fig = bar([[4, 2], [1, 1]], { x: ["fp32", "int8"], names: ["weights", "activations"], barmode: "stack", text_auto: ".1f" });
    expect(fig.data).toEqual([
      { type: "bar", x: ["fp32", "int8"], y: [4, 2], name: "weights", texttemplate: "%{value:.1f}" },
      { type: "bar", x: ["fp32", "int8"], y: [1, 1], name: "activations", texttemplate: "%{value:.1f}" },
    ]);
    expect(fig.layout.barmode).toBe("stack");
    expect(bar([1, 2], { x: ["a", "b"], orientation: "h" }).data[0]).toEqual({ type: "bar", x: [1, 2], y: ["a", "b"], orientation: "h" });
    expect(() => bar([1, 2], { x: ["a"] })).toThrow("bar(): 1 categories for 2 values");
  });
});

describe("histogram", () => {
  it("bins on the lowbit side: counts equal an independent count", () => {
    const rng = new Rng(7);
    const v = Array.from({ length: 5000 }, () => rng.float() * 4 - 2);
    const fig = histogram(torch.tensor(v, { dtype: torch.float64 }), { nbins: 20 });
    const [t] = fig.data;
    const lo = Math.min(...v), hi = Math.max(...v), w = (hi - lo) / 20;
    const expected = new Array(20).fill(0);
    for (const x of v) expected[Math.min(19, Math.floor((x - lo) / w))]++;
    expect(t!.type).toBe("bar");
    expect(t!.y).toEqual(expected);
    expect((t!.x as number[])[0]).toBeCloseTo(lo + w / 2, 12);
    expect(t!.width).toBeCloseTo(w, 12);
    expect(fig.layout).toMatchObject({ bargap: 0, barmode: "overlay" });
  });

  it("gives integer data one bin per value, and normalises as plotly's histnorm", () => {
    const q = torch.tensor([-2, -2, 0, 1, 1, 1], { dtype: torch.int8 });
    const [t] = histogram(q).data;
    expect(t!.x).toEqual([-2, -1, 0, 1]);
    expect(t!.y).toEqual([2, 0, 1, 3]);
    expect(histogram(q, { histnorm: "probability" }).data[0]!.y).toEqual([2 / 6, 0, 1 / 6, 3 / 6]);
    expect(histogram(q, { histnorm: "percent" }).data[0]!.y).toEqual([100 * 2 / 6, 0, 100 / 6, 100 * 3 / 6]);
    expect(histogram([0, 0, 1, 3], { nbins: 2, histnorm: "probability density" }).data[0]!.y).toEqual([3 / 4 / 1.5, 1 / 4 / 1.5]);
  });

  it("overlays several series over shared bins, skipping NaN and infinities", () => {
    const fig = histogram([[0, 1, NaN], [1, 1, Infinity]], { names: ["a", "b"] });
    expect(fig.data.map((t) => [t.x, t.y, t.name, t.opacity])).toEqual([
      [[0, 1], [1, 1], "a", 0.6],
      [[0, 1], [0, 2], "b", 0.6],
    ]);
  });

  it("ships bins, not values, for a big tensor", () => {
    const fig = histogram(torch.randn([1000, 1000]));
    expect(fig.to_json().length).toBeLessThan(5000);
    expect((fig.data[0]!.y as number[]).reduce((a, b) => a + b)).toBe(1_000_000);
  });
});

describe("heatmap", () => {
  it("z from a 2-D tensor, row 0 at the top, named colorscales resolved", () => {
    const z = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: torch.float32 });
    const fig = heatmap(z, { title: "W", labels: { x: "in", y: "out", color: "value" }, colorscale: "coolwarm", zmid: 0, text_auto: ".2f" });
    const [t] = fig.data;
    expect(t!.z).toEqual(z.tolist());
    expect(t!.texttemplate).toBe("%{z:.2f}");
    expect(t!.zmid).toBe(0);
    expect(t!.colorbar).toEqual({ title: { text: "value" } });
    expect((t!.colorscale as [number, string][])[0]).toEqual([0, "rgb(59, 76, 192)"]);
    expect(fig.layout.yaxis).toEqual({ title: { text: "out" }, autorange: "reversed" });
    expect(heatmap([[1]], { colorscale: "Viridis", origin: "lower" }).to_dict()).toEqual({
      data: [{ type: "heatmap", z: [[1]], colorscale: "Viridis" }], layout: {}, config: {},
    });
  });

  it("a 1-D tensor is one row", () => {
    expect(heatmap(torch.tensor([1, 2])).data[0]!.z).toEqual([[1, 2]]);
  });
});
