// A progress bar over bytes (downloads, checkpoint loads and saves), counted in whole MB: the bar
// counts integers, and raw byte counts would be unreadable.
import { ProgressBar } from "../viz/progress.js";

export class BytesBar {
  private bytes = 0;
  private readonly bar: ProgressBar;

  constructor(desc: string, total_bytes: number | null, initial_bytes = 0) {
    this.bar = new ProgressBar({ desc, unit: "MB", total: total_bytes === null ? undefined : Math.ceil(total_bytes / 1e6) });
    this.add(initial_bytes);
  }

  add(n: number): void {
    const before = Math.floor(this.bytes / 1e6);
    this.bytes += n;
    const mb = Math.floor(this.bytes / 1e6) - before;
    if (mb > 0) this.bar.update(mb);
  }

  close(): void {
    const rest = Math.ceil(this.bytes / 1e6) - this.bar.n;
    if (rest > 0) this.bar.update(rest);
    this.bar.close();
  }
}
