// stdout and stderr of the kernel process become stream messages (console.log in a cell shows in
// the notebook). Text is buffered and sent when the event loop next turns, before any other
// iopub message, and at the end of each cell, so outputs keep their order.
import { log } from "./log.js";

type StreamName = "stdout" | "stderr";
type Write = typeof process.stdout.write;

const LIMIT = 8 * 1024 * 1024;  // a runaway loop printing forever must not exhaust memory

export class StreamCapture {
  private buffers: { name: StreamName; text: string }[] = [];
  private size = 0;
  private dropped = 0;
  private scheduled = false;
  private originals: { stdout: Write; stderr: Write } | null = null;

  constructor(private readonly publish: (name: StreamName, text: string) => void) {}

  install(): void {
    if (this.originals) return;
    this.originals = { stdout: process.stdout.write, stderr: process.stderr.write };
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, enc?: unknown, cb?: unknown) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof enc === "string" ? (enc as BufferEncoding) : "utf8");
        this.add(name, text);
        const done = typeof enc === "function" ? enc : cb;
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      }) as Write;
    }
  }

  uninstall(): void {
    if (!this.originals) return;
    process.stdout.write = this.originals.stdout;
    process.stderr.write = this.originals.stderr;
    this.originals = null;
  }

  private add(name: StreamName, text: string): void {
    if (this.size + text.length > LIMIT) {
      this.dropped += text.length;
    } else {
      const last = this.buffers[this.buffers.length - 1];
      if (last && last.name === name) last.text += text;
      else this.buffers.push({ name, text });
      this.size += text.length;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Publishes everything buffered so far. */
  flush(): void {
    this.scheduled = false;
    const pending = this.buffers;
    this.buffers = [];
    this.size = 0;
    for (const b of pending) this.publish(b.name, b.text);
    if (this.dropped) {
      log(`dropped ${this.dropped} characters of output`);
      this.publish("stderr", `\n[lowbit: ${this.dropped} characters of output were dropped: more than ${LIMIT / 1048576} MB came at once]\n`);
      this.dropped = 0;
    }
  }
}
