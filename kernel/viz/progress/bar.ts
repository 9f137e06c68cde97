// A progress bar's state and where it is drawn: one notebook output updated in place, or a line
// on a terminal (rewritten with \r) or in a log (a full line now and then). Redraws are throttled,
// and closing always draws the final state.
import { display, display_sink, type DisplayHandle } from "../display.js";
import { meter_html, type BarStatus } from "./html.js";
import { format_meter, type MeterState } from "./meter.js";

/** What tqdm's file= accepts: process.stderr, process.stdout, or anything with write(). */
export interface TextStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** The expected number of updates (default: the iterable's length or size, if it has one). */
  total?: number;
  /** A label in front of the bar. */
  desc?: string;
  /** What is counted: "it" (default), "batch", "token", ... */
  unit?: string;
  /** Seconds between redraws: 0.1 by default, 5 when writing lines to a file or pipe. */
  mininterval?: number;
  /** Draw as text on this stream (tqdm's file=). By default: the notebook's output when running
   *  in one, else process.stderr. */
  file?: TextStream;
}

interface Output {
  draw(s: MeterState, status: BarStatus, final: boolean): void;
}

class NotebookOutput implements Output {
  private handle?: DisplayHandle;
  draw(s: MeterState, status: BarStatus): void {
    const bundle = { "text/plain": format_meter(s), "text/html": meter_html(s, status) };
    if (this.handle) this.handle.update(bundle, { raw: true });
    else this.handle = display(bundle, { raw: true, display_id: true });
  }
}

class TerminalOutput implements Output {
  private width = 0;
  constructor(private readonly stream: TextStream) {}
  draw(s: MeterState, _status: BarStatus, final: boolean): void {
    if (!this.stream.isTTY) {
      this.stream.write(format_meter(s) + "\n");
      return;
    }
    // one column short of the edge: writing the last column wraps some terminals' cursor
    const line = format_meter(s, this.stream.columns ? this.stream.columns - 1 : undefined);
    this.stream.write("\r" + line.padEnd(this.width) + (final ? "\n" : ""));
    this.width = line.length;
  }
}

// tqdm's format_num: three significant digits for floats, or the plain number when that is shorter
function format_value(v: unknown): string {
  if (typeof v !== "number" || Number.isInteger(v)) return String(v);
  const short = v.toPrecision(3);
  return short.length < String(v).length ? short : String(v);
}

/** tqdm's manual bar: `const bar = progress.bar({ total: 100 }); bar.update(10); bar.close()`. */
export class ProgressBar {
  n = 0;
  total?: number;
  desc?: string;
  readonly unit: string;
  private postfix?: string;
  private readonly start = Date.now();
  private last_draw = -Infinity;
  private closed = false;
  private readonly output: Output;
  private readonly interval_ms: number;

  constructor(o: ProgressOptions = {}) {
    if (o.total !== undefined && !(Number.isFinite(o.total) && o.total >= 0)) throw new RangeError(`progress: total must be a non-negative number, got ${o.total}`);
    this.total = o.total;
    this.desc = o.desc;
    this.unit = o.unit ?? "it";
    const notebook = !o.file && display_sink().rich;
    const stream = o.file ?? process.stderr;
    this.output = notebook ? new NotebookOutput() : new TerminalOutput(stream);
    this.interval_ms = 1000 * (o.mininterval ?? (notebook || stream.isTTY ? 0.1 : 5));
    this.draw(false);  // the empty bar shows at once, as tqdm's does
  }

  /** Counts n more (default 1); redraws if the last redraw is old enough. */
  update(n = 1): void {
    if (this.closed) return;
    this.n += n;
    this.maybe_draw();
  }

  set_description(desc: string): void {
    this.desc = desc;
    this.maybe_draw();
  }

  /** Values shown after the rate: bar.set_postfix({ loss: 0.25 }) -> "..., loss=0.25]". */
  set_postfix(values: Record<string, unknown>): void {
    this.postfix = Object.entries(values).map(([k, v]) => `${k}=${format_value(v)}`).join(", ");
    this.maybe_draw();
  }

  /** Draws the final state (green when the total was reached, red when stopped short). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.draw(true);
  }

  private maybe_draw(): void {
    if (Date.now() - this.last_draw >= this.interval_ms) this.draw(false);
  }

  private draw(final: boolean): void {
    this.last_draw = Date.now();
    const state: MeterState = { n: this.n, total: this.total, elapsed: (this.last_draw - this.start) / 1000, desc: this.desc, unit: this.unit, postfix: this.postfix };
    const status: BarStatus = !this.closed ? "running" : this.total !== undefined && this.n < this.total ? "stopped" : "done";
    this.output.draw(state, status, final);
  }
}
