// progress(): one notebook output updated in place at most ~10 times a second, or a text bar on
// a stream; tqdm's meter.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { set_display_sink } from "../../kernel/viz/display.js";
import { progress } from "../../kernel/viz/progress.js";
import { bar_cells, format_interval, format_meter, format_rate } from "../../kernel/viz/progress/meter.js";
import { FakeSink } from "../helpers/fake_sink.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
  set_display_sink(null);
});

class FakeStream {
  chunks: string[] = [];
  constructor(readonly isTTY = false, readonly columns?: number) {}
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
}

const plain = (e: { data?: Record<string, unknown> }) => e.data!["text/plain"] as string;
const html = (e: { data?: Record<string, unknown> }) => e.data!["text/html"] as string;

describe("meter", () => {
  it("formats like tqdm", () => {
    expect(format_interval(75)).toBe("01:15");
    expect(format_interval(3725)).toBe("1:02:05");
    expect(format_rate(45, 2, "it")).toBe("22.50it/s");
    expect(format_rate(2, 5, "batch")).toBe("2.50s/batch");
    expect(format_rate(0, 5, "it")).toBe("?it/s");
    expect(bar_cells(0.45, 10)).toBe("████▌     ");
    expect(bar_cells(1, 4)).toBe("████");
    expect(format_meter({ n: 45, total: 100, elapsed: 2, desc: "calibrating", unit: "it" })).toBe(
      "calibrating:  45%|████▌     | 45/100 [00:02<00:02, 22.50it/s]",
    );
    expect(format_meter({ n: 0, total: 10, elapsed: 0, unit: "it" })).toBe("  0%|          | 0/10 [00:00<?, ?it/s]");
    expect(format_meter({ n: 7, elapsed: 1, unit: "tok", postfix: "loss=0.25" })).toBe("7tok [00:01, 7.00tok/s, loss=0.25]");
  });

  it("fills a terminal's width", () => {
    const line = format_meter({ n: 5, total: 10, elapsed: 1, unit: "it" }, 60);
    expect(line).toHaveLength(60);
  });
});

describe("in a notebook", () => {
  it("shows one output and updates it in place, at most ~10 times a second, then the final state", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    const seen: number[] = [];
    for (const x of progress(Array.from({ length: 100 }, (_, i) => i), { desc: "steps" })) {
      seen.push(x);
      vi.advanceTimersByTime(20);  // 100 items over 2 s
    }
    expect(seen).toHaveLength(100);
    const displays = sink.of("display"), updates = sink.of("update");
    expect(displays).toHaveLength(1);
    expect(plain(displays[0]!)).toBe("steps:   0%|          | 0/100 [00:00<?, ?it/s]");
    expect(updates.every((u) => u.display_id === displays[0]!.display_id)).toBe(true);
    expect(updates.length).toBeGreaterThanOrEqual(19);
    expect(updates.length).toBeLessThanOrEqual(22);
    const last = updates.at(-1)!;
    expect(plain(last)).toBe("steps: 100%|██████████| 100/100 [00:02<00:00, 50.00it/s]");
    expect(html(last)).toContain("100%");
    expect(html(last)).toContain("#5cb85c");  // finished: green
  });

  it("turns red when the loop stops short", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    for (const x of progress(10)) if (x === 3) break;
    const last = sink.events.at(-1)!;
    expect(plain(last)).toContain(" 3/10 ");
    expect(html(last)).toContain("#d9534f");
  });

  it("counts async iterables and unknown totals", async () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    async function* tokens() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const got: number[] = [];
    for await (const t of progress(tokens(), { unit: "tok" })) got.push(t);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(plain(sink.events.at(-1)!)).toMatch(/^5tok \[00:00, \?tok\/s\]$/);
    expect(html(sink.events.at(-1)!)).not.toContain("width:20em");
  });

  it("takes the total from arrays, sets and maps", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    for (const it of [new Set([1, 2]), new Map([[1, 2]]), new Uint8Array(3)]) [...progress(it as Iterable<unknown>)];
    expect(sink.of("display").map((e) => / 0\/(\d+) /.exec(plain(e))![1])).toEqual(["2", "1", "3"]);
  });

  it("a manual bar: update(n), set_postfix, close; updates after close are ignored", () => {
    const sink = new FakeSink();
    set_display_sink(sink);
    const bar = progress.bar({ total: 1000, desc: "tokens", unit: "tok" });
    vi.advanceTimersByTime(500);
    bar.update(250);
    bar.set_postfix({ loss: 0.123456, step: 3 });
    vi.advanceTimersByTime(500);
    bar.update(250);
    bar.close();
    bar.update(10);
    bar.close();
    expect(bar.n).toBe(500);
    expect(plain(sink.events.at(-1)!)).toBe("tokens:  50%|█████     | 500/1000 [00:01<00:01, 500.00tok/s, loss=0.123, step=3]");
    expect(sink.events).toHaveLength(4);
  });
});

describe("outside a notebook", () => {
  it("writes full lines now and then on a file or pipe", () => {
    const file = new FakeStream();
    for (const _ of progress(100, { file, desc: "eval" })) vi.advanceTimersByTime(200);  // 20 s in all
    expect(file.chunks.every((c) => c.endsWith("\n") && !c.includes("\r"))).toBe(true);
    expect(file.chunks.length).toBeGreaterThanOrEqual(4);
    expect(file.chunks.length).toBeLessThanOrEqual(6);
    expect(file.chunks[0]).toBe("eval:   0%|          | 0/100 [00:00<?, ?it/s]\n");
    expect(file.chunks.at(-1)).toBe("eval: 100%|██████████| 100/100 [00:20<00:00, 5.00it/s]\n");
  });

  it("rewrites one line on a terminal, filling its width", () => {
    const tty = new FakeStream(true, 61);
    for (const _ of progress(10, { file: tty })) vi.advanceTimersByTime(200);
    expect(tty.chunks.every((c) => c.startsWith("\r"))).toBe(true);
    expect(tty.chunks.length).toBe(11 + 1);
    expect(tty.chunks.at(-1)).toMatch(/^\r100%\|█+\| 10\/10 \[00:02<00:00, 5\.00it\/s\]\n$/);
    expect(tty.chunks.at(-1)!.length).toBe(1 + 60 + 1);
  });

  it("goes to stderr by default when no notebook is attached", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    [...progress(3)];
    expect(write).toHaveBeenCalled();
    expect(String(write.mock.calls.at(-1)![0])).toContain("3/3");
    write.mockRestore();
  });
});
