// stdout and stderr of the kernel process become stream messages (console.log in a cell shows in
// the notebook). Each write is handed on at once: the I/O thread (iopub.ts) batches them, so text
// printed before a long synchronous computation shows while it runs.
type StreamName = "stdout" | "stderr";
type Write = typeof process.stdout.write;

export class StreamCapture {
  private originals: { stdout: Write; stderr: Write } | null = null;

  constructor(private readonly publish: (name: StreamName, text: string) => void) {}

  install(): void {
    if (this.originals) return;
    this.originals = { stdout: process.stdout.write, stderr: process.stderr.write };
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, enc?: unknown, cb?: unknown) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof enc === "string" ? (enc as BufferEncoding) : "utf8");
        this.publish(name, text);
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
}
