// The iopub channel, run on the I/O thread: the main thread hands it each message the moment a
// cell produces it, and it goes out even while that cell keeps the main thread busy (a long
// synchronous loop still shows its prints and progress bar as they happen). Stream text that
// arrives in one burst goes out as one message; any other message first sends the text before it,
// so outputs keep their order.
import * as zmq from "zeromq";
import { log } from "./log.js";
import { Sender } from "./sender.js";
import { encode, new_header, type Header, type Signer } from "./wire.js";

/** What the main thread posts to publish one message. */
export interface Publish {
  kind: "iopub";
  msg_type: string;
  content: Record<string, unknown>;
  parent_header: Partial<Header>;
}

// a runaway loop printing forever must not exhaust memory
const BURST_LIMIT = 8 * 1024 * 1024;

interface PendingText {
  name: string;
  text: string;
  parent_header: Partial<Header>;
}

export class Iopub {
  private readonly out: Sender;
  private pending: PendingText[] = [];
  private size = 0;
  private dropped = 0;
  private scheduled = false;

  constructor(readonly socket: zmq.Publisher, private readonly signer: Signer, private readonly session: string) {
    this.out = new Sender(socket, (e) => log("iopub send failed:", e.message));
  }

  publish(m: Publish): void {
    if (m.msg_type === "stream") return this.add_text(m);
    this.flush_text();
    this.send(m.msg_type, m.content, m.parent_header);
  }

  /** Resolves once everything published so far has been handed to zeromq. */
  async flushed(): Promise<void> {
    this.flush_text();
    await this.out.flushed();
  }

  private add_text(m: Publish): void {
    const name = String(m.content.name), text = String(m.content.text);
    if (this.size + text.length > BURST_LIMIT) {
      this.dropped += text.length;
    } else {
      const last = this.pending[this.pending.length - 1];
      if (last && last.name === name && last.parent_header.msg_id === m.parent_header.msg_id) last.text += text;
      else this.pending.push({ name, text, parent_header: m.parent_header });
      this.size += text.length;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush_text());
    }
  }

  private flush_text(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    this.size = 0;
    for (const p of pending) this.send("stream", { name: p.name, text: p.text }, p.parent_header);
    if (this.dropped) {
      log(`dropped ${this.dropped} characters of output`);
      const note = `\n[lowbit: ${this.dropped} characters of output were dropped: more than ${BURST_LIMIT / 1048576} MB came at once]\n`;
      this.send("stream", { name: "stderr", text: note }, pending[pending.length - 1]?.parent_header ?? {});
      this.dropped = 0;
    }
  }

  private send(msg_type: string, content: unknown, parent_header: Partial<Header>): void {
    const header = new_header(msg_type, this.session);
    void this.out.send(encode({ identities: [Buffer.from(msg_type)], header, parent_header, metadata: {}, content }, this.signer));
  }
}
