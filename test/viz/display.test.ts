// display() outside a kernel prints text/plain; inside one it hands bundles to the sink.
import { afterEach, describe, expect, it, vi } from "vitest";
import { torch } from "../../kernel/index.js";
import { clear_output, display, set_display_sink, update_display } from "../../kernel/viz/display.js";
import { FakeSink } from "../helpers/fake_sink.js";

afterEach(() => {
  set_display_sink(null);
  vi.restoreAllMocks();
});

describe("display", () => {
  it("prints text/plain on stdout without a kernel", () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const t = torch.tensor([1, 2, 3]);
    display(t);
    display({ _repr_html_: () => "<b>x</b>", n: 1 }, { display_id: "d" });
    expect(write.mock.calls.map((c) => c[0])).toEqual([String(t) + "\n", "{ _repr_html_: [Function: _repr_html_], n: 1 }\n"]);
  });

  it("builds only text/plain for a terminal", () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const sink = new FakeSink(false);
    set_display_sink(sink);
    display(torch.ones([2]));
    expect(Object.keys(sink.events[0]!.data!)).toEqual(["text/plain"]);
  });

  it("sends the rich bundle, display ids and updates to a notebook sink", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    const h = display(torch.ones([2]), { display_id: true })!;
    h.update(torch.zeros([2]));
    update_display("plain", { display_id: h.display_id });
    display(torch.ones([2]), { include: ["text/plain"] });
    clear_output({ wait: true });
    const [d, u1, u2, d2, c] = sink.events;
    expect(d!.kind).toBe("display");
    expect(d!.data!["text/html"]).toContain("shape=(2)");
    expect(d!.display_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(u1).toMatchObject({ kind: "update", display_id: h.display_id });
    expect(u1!.data!["text/plain"]).toBe("tensor([0., 0.])");
    expect(u2!.data).toEqual({ "text/plain": "'plain'" });
    expect(Object.keys(d2!.data!)).toEqual(["text/plain"]);
    expect(c).toEqual({ kind: "clear", wait: true });
  });
});
