// The interrupt state the control thread (io_worker.ts) and the main thread share through memory.
// An interrupt may arrive while the main thread is blocked type-checking a cell, before its
// JavaScript runs: the thread cannot see a message then, and a SIGINT outside vm's breakOnSigint
// is lost. So the request is a flag the cell checks before it runs, and SIGINT is sent only while
// synchronous cell code is on the stack -- a stray one would otherwise hit the next cell.
const REQUESTED = 0;
const RUNNING_SYNC = 1;

export class InterruptState {
  constructor(readonly cells = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT))) {}

  request(): void {
    Atomics.store(this.cells, REQUESTED, 1);
  }
  get requested(): boolean {
    return Atomics.load(this.cells, REQUESTED) === 1;
  }
  /** A new cell starts: interrupts sent before it do not concern it. */
  clear(): void {
    Atomics.store(this.cells, REQUESTED, 0);
  }

  set running_sync(on: boolean) {
    Atomics.store(this.cells, RUNNING_SYNC, on ? 1 : 0);
  }
  get running_sync(): boolean {
    return Atomics.load(this.cells, RUNNING_SYNC) === 1;
  }
}
