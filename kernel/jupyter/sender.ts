// zeromq v6 allows one send in flight per socket; queue the rest so concurrent publishers (streams,
// displays, replies) never see EBUSY and keep their order.
import type * as zmq from "zeromq";

export class Sender {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Writable & { closed: boolean }, private readonly on_error: (e: Error) => void) {}

  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(async () => {
      if (this.socket.closed) return;
      try {
        await this.socket.send(frames);
      } catch (e) {
        this.on_error(e as Error);
      }
    });
    return this.tail;
  }

  /** Resolves when everything queued so far has been handed to zeromq. */
  flushed(): Promise<void> {
    return this.tail;
  }
}
