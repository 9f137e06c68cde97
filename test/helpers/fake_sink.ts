// A DisplaySink that records what a notebook would receive.
import type { DisplayMetadata, DisplaySink, MimeBundle } from "../../kernel/viz/display.js";

export interface Recorded {
  kind: "display" | "update" | "clear";
  data?: MimeBundle;
  metadata?: DisplayMetadata;
  display_id?: string;
  wait?: boolean;
}

export class FakeSink implements DisplaySink {
  readonly events: Recorded[] = [];
  constructor(readonly rich = true) {}
  display(data: MimeBundle, metadata: DisplayMetadata, display_id?: string): void {
    this.events.push({ kind: "display", data, metadata, display_id });
  }
  update(data: MimeBundle, metadata: DisplayMetadata, display_id: string): void {
    this.events.push({ kind: "update", data, metadata, display_id });
  }
  clear(wait: boolean): void {
    this.events.push({ kind: "clear", wait });
  }
  of(kind: Recorded["kind"]): Recorded[] {
    return this.events.filter((e) => e.kind === kind);
  }
}
