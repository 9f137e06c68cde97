// A Jupyter client in TypeScript: starts a kernel process with a fresh connection file (like
// jupyter_client's KernelManager), talks the wire protocol over zeromq, and gathers each
// execution's iopub messages. `lowbit run`, the tests and the benchmarks drive kernels with it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as zmq from "zeromq";
import { address, free_port, type ConnectionInfo } from "./connection.js";
import { Sender } from "./sender.js";
import { decode, encode, new_header, Signer, type Message } from "./wire.js";

export interface StartOptions {
  /** the kernel command; {connection_file} is replaced (default: this package's `lowbit kernel`) */
  argv?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  startup_timeout_ms?: number;
  /** where the kernel's stderr goes (default: this process's stderr) */
  stderr?: "inherit" | "pipe" | "ignore";
  /** how often to ask for kernel_info until the kernel answers, from the moment its shell port
   *  accepts the connection (default 1000 ms) */
  ready_poll_ms?: number;
  /** zeromq's reconnect interval for the client's sockets (default zeromq's, 100 ms): how long
   *  after the kernel binds its ports the client may take to notice */
  reconnect_ms?: number;
}

export interface ExecuteOptions {
  timeout_ms?: number;
  silent?: boolean;
  store_history?: boolean;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
  /** answers input_request; without it input() fails in the kernel (allow_stdin false) */
  on_input?: (prompt: string, password: boolean) => Promise<string> | string;
  /** every iopub message of this execution, as it arrives */
  on_iopub?: (msg: Message) => void;
}

export interface Execution {
  reply: Message;
  iopub: Message[];
  /** true when the timeout expired and the cell was interrupted */
  timed_out: boolean;
  /** performance.now() when the request was sent, its reply arrived and its idle status arrived
   *  (NaN when none came) */
  times: { sent: number; reply: number; idle: number };
}

type Waiter = { resolve: (m: Message) => void; reject: (e: Error) => void };

export class KernelClient {
  readonly session = randomUUID();
  private readonly signer: Signer;
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private stdin!: zmq.Dealer;
  private iopub!: zmq.Subscriber;
  private shell_out!: Sender;
  private control_out!: Sender;
  private stdin_out!: Sender;
  private readonly replies = new Map<string, Waiter>();
  private readonly iopub_listeners = new Map<string, (m: Message) => void>();
  private input_handler: ExecuteOptions["on_input"] | null = null;
  private exit_waiters: ((code: number | null) => void)[] = [];
  exited: number | null | undefined = undefined;
  /** performance.now() when start() spawned the kernel and when its first kernel_info_reply arrived */
  readonly startup = { spawned: NaN, ready: NaN };
  private shell_connected!: Promise<void>;

  private constructor(readonly info: ConnectionInfo, readonly process: ChildProcess | null, private readonly tmp: string | null) {
    this.signer = new Signer(info.key);
    process?.on("exit", (code) => {
      this.exited = code;
      for (const w of this.exit_waiters.splice(0)) w(code);
      for (const [, w] of this.replies) w.reject(new Error(`the kernel exited (code ${code})`));
      this.replies.clear();
    });
  }

  /** Starts a kernel process and connects to it; resolves once it answers kernel_info. */
  static async start(o: StartOptions = {}): Promise<KernelClient> {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => free_port()));
    const info: ConnectionInfo = {
      transport: "tcp", ip: "127.0.0.1", key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256",
      shell_port: ports[0]!, iopub_port: ports[1]!, stdin_port: ports[2]!, control_port: ports[3]!, hb_port: ports[4]!,
    };
    const tmp = mkdtempSync(path.join(os.tmpdir(), "lowbit-kernel-"));
    const file = path.join(tmp, "connection.json");
    writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
    const argv = (o.argv ?? [process.execPath, path.join(path.dirname(new URL(import.meta.url).pathname), "..", "cli.js"), "kernel", "{connection_file}"])
      .map((a) => a.replace("{connection_file}", file));
    const spawned = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: o.cwd ?? process.cwd(),
      env: o.env ?? process.env,
      stdio: ["ignore", "ignore", o.stderr ?? "inherit"],
    });
    const client = new KernelClient(info, child, tmp);
    client.startup.spawned = spawned;
    await client.connect(o.reconnect_ms);
    try {
      await client.wait_ready(o.startup_timeout_ms ?? 60_000, o.ready_poll_ms ?? 1000);
      await client.wait_iopub(o.startup_timeout_ms ?? 60_000);
    } catch (e) {
      client.kill();
      throw e;
    }
    return client;
  }

  /** Connects to a kernel some other process started. */
  static async connect(info: ConnectionInfo): Promise<KernelClient> {
    const client = new KernelClient(info, null, null);
    await client.connect();
    return client;
  }

  private async connect(reconnect_ms?: number): Promise<void> {
    const o = { linger: 0, ...(reconnect_ms === undefined ? {} : { reconnectInterval: reconnect_ms }) };
    // shell and stdin share an identity: the kernel addresses input_request by the shell's
    this.shell = new zmq.Dealer({ routingId: this.session, ...o });
    this.control = new zmq.Dealer({ routingId: `${this.session}-control`, ...o });
    this.stdin = new zmq.Dealer({ routingId: this.session, ...o });
    this.iopub = new zmq.Subscriber(o);
    // observed before connecting, so the event cannot come first
    this.shell_connected = new Promise((resolve) => this.shell.events.on("connect", () => resolve()));
    this.shell.connect(address(this.info, "shell"));
    this.control.connect(address(this.info, "control"));
    this.stdin.connect(address(this.info, "stdin"));
    this.iopub.connect(address(this.info, "iopub"));
    this.iopub.subscribe();
    const ignore = () => {};
    this.shell_out = new Sender(this.shell, ignore);
    this.control_out = new Sender(this.control, ignore);
    this.stdin_out = new Sender(this.stdin, ignore);
    void this.listen(this.shell);
    void this.listen(this.control);
    void this.listen_iopub();
    void this.listen_stdin();
  }

  private async listen(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = decode(frames, this.signer);
        const id = msg.parent_header.msg_id;
        const w = id ? this.replies.get(id) : undefined;
        if (w) {
          this.replies.delete(id!);
          w.resolve(msg);
        }
      }
    } catch {
      // closed
    }
  }

  private async listen_iopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const msg = decode(frames, this.signer);
        const id = msg.parent_header.msg_id;
        if (id) this.iopub_listeners.get(id)?.(msg);
        this.iopub_listeners.get("*")?.(msg);
      }
    } catch {
      // closed
    }
  }

  private async listen_stdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        const msg = decode(frames, this.signer);
        if (msg.header.msg_type !== "input_request") continue;
        const prompt = String(msg.content.prompt ?? ""), password = msg.content.password === true;
        const value = this.input_handler ? await this.input_handler(prompt, password) : "";
        void this.stdin_out.send(this.frames("input_reply", { value }, msg.header));
      }
    } catch {
      // closed
    }
  }

  private frames(msg_type: string, content: unknown, parent: Message["parent_header"] = {}): Buffer[] {
    return encode({ identities: [], header: new_header(msg_type, this.session, "lowbit-client"), parent_header: parent, metadata: {}, content }, this.signer);
  }

  /** Sends a request and resolves with its reply (rejects after timeout_ms). */
  request(msg_type: string, content: Record<string, unknown>, channel: "shell" | "control" = "shell", timeout_ms = 60_000): Promise<Message> {
    const frames = this.frames(msg_type, content);
    const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
    return this.send_and_wait(frames, msg_id, channel, timeout_ms);
  }

  private send_and_wait(frames: Buffer[], msg_id: string, channel: "shell" | "control", timeout_ms: number): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(msg_id);
        reject(new Error(`no reply within ${timeout_ms} ms`));
      }, timeout_ms);
      this.replies.set(msg_id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      void (channel === "shell" ? this.shell_out : this.control_out).send(frames);
    });
  }

  private async wait_ready(timeout_ms: number, poll_ms: number): Promise<void> {
    // The kernel binds its ports a moment after it starts. Ask once the shell connection is up
    // (requests sent before would wait in zeromq's queue and arrive all at once), then again
    // every poll_ms until one is answered: a kernel may drop a request that comes while it is
    // still binding (tslab 1.0 does), and any of the replies will do.
    const asked: string[] = [];
    let timer: NodeJS.Timeout | undefined, poll: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => {
            if (Number.isNaN(this.startup.ready)) this.startup.ready = performance.now();
            resolve();
          },
          reject,
        };
        const ask = () => {
          const frames = this.frames("kernel_info_request", {});
          const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
          asked.push(msg_id);
          this.replies.set(msg_id, waiter);
          void this.shell_out.send(frames);
        };
        const exited = (code: number | null | undefined) => reject(new Error(`the kernel exited during startup (code ${code})`));
        if (this.exited !== undefined) return exited(this.exited);
        this.exit_waiters.push(exited);
        timer = setTimeout(() => reject(new Error(`the kernel did not answer kernel_info within ${timeout_ms} ms`)), timeout_ms);
        void this.shell_connected.then(() => {
          if (timer === undefined) return;
          ask();
          poll = setInterval(ask, poll_ms);
        });
      });
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      timer = undefined;
      for (const id of asked) this.replies.delete(id);
    }
  }

  // A subscription takes effect a moment after connecting, and what the kernel publishes before is
  // lost: the client is ready once a request's status messages come back on iopub too.
  private async wait_iopub(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    while (Date.now() < deadline) {
      const frames = this.frames("kernel_info_request", {});
      const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
      let published = false;
      this.iopub_listeners.set(msg_id, () => (published = true));
      try {
        await this.send_and_wait(frames, msg_id, "shell", 1000);
        for (let i = 0; i < 10 && !published; i++) await new Promise((r) => setTimeout(r, 5));
        if (published) return;
      } catch {
        // asked again below
      } finally {
        this.iopub_listeners.delete(msg_id);
      }
    }
    throw new Error(`the kernel's iopub messages did not arrive within ${timeout_ms} ms`);
  }

  /** Runs code; resolves with the execute_reply and every iopub message up to the idle status. */
  async execute(code: string, o: ExecuteOptions = {}): Promise<Execution> {
    const frames = this.frames("execute_request", {
      code, silent: o.silent ?? false, store_history: o.store_history ?? true, user_expressions: {},
      allow_stdin: o.allow_stdin ?? o.on_input !== undefined, stop_on_error: o.stop_on_error ?? true,
    });
    const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
    const iopub: Message[] = [];
    const times = { sent: NaN, reply: NaN, idle: NaN };
    let idle!: () => void;
    const done = new Promise<void>((r) => (idle = r));
    this.iopub_listeners.set(msg_id, (m) => {
      iopub.push(m);
      o.on_iopub?.(m);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") {
        times.idle = performance.now();
        idle();
      }
    });
    this.input_handler = o.on_input ?? null;
    let timed_out = false;
    const timer = o.timeout_ms === undefined ? null : setTimeout(() => {
      timed_out = true;
      void this.interrupt().catch(() => {});
    }, o.timeout_ms);
    let idle_guard: NodeJS.Timeout | undefined;
    try {
      times.sent = performance.now();
      const reply = await this.send_and_wait(frames, msg_id, "shell", (o.timeout_ms ?? 3_600_000) + 30_000);
      times.reply = performance.now();
      // the idle status follows the reply; give up on it after 5 s (the timer must not keep the process alive)
      await Promise.race([done, new Promise((r) => (idle_guard = setTimeout(r, 5000)))]);
      return { reply, iopub, timed_out, times };
    } finally {
      if (timer) clearTimeout(timer);
      clearTimeout(idle_guard);
      this.iopub_listeners.delete(msg_id);
      this.input_handler = null;
    }
  }

  /** Every iopub message, whichever request it belongs to (null stops). */
  on_any_iopub(fn: ((m: Message) => void) | null): void {
    if (fn) this.iopub_listeners.set("*", fn);
    else this.iopub_listeners.delete("*");
  }

  interrupt(): Promise<Message> {
    return this.request("interrupt_request", {}, "control", 10_000);
  }

  /** Asks the kernel to shut down and waits for the process to exit (killing it after 5 s). */
  async shutdown(): Promise<void> {
    if (this.process && this.exited === undefined) {
      try {
        await this.request("shutdown_request", { restart: false }, "control", 5000);
      } catch {
        // it may already be gone
      }
      await this.wait_exit(5000);
    }
    this.close();
  }

  wait_exit(timeout_ms: number): Promise<number | null | undefined> {
    if (!this.process || this.exited !== undefined) return Promise.resolve(this.exited);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve(this.exited);
      }, timeout_ms);
      this.exit_waiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  kill(): void {
    if (this.process && this.exited === undefined) this.process.kill("SIGKILL");
    this.close();
  }

  close(): void {
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) if (s && !s.closed) s.close();
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
  }
}
