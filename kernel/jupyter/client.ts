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
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: o.cwd ?? process.cwd(),
      env: o.env ?? process.env,
      stdio: ["ignore", "ignore", o.stderr ?? "inherit"],
    });
    const client = new KernelClient(info, child, tmp);
    await client.connect();
    try {
      await client.wait_ready(o.startup_timeout_ms ?? 60_000);
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

  private async connect(): Promise<void> {
    // shell and stdin share an identity: the kernel addresses input_request by the shell's
    this.shell = new zmq.Dealer({ routingId: this.session, linger: 0 });
    this.control = new zmq.Dealer({ routingId: `${this.session}-control`, linger: 0 });
    this.stdin = new zmq.Dealer({ routingId: this.session, linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
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

  private async wait_ready(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    // The kernel binds its sockets a moment after it starts: ask until it answers. A subscription
    // takes effect a moment after connecting, and what the kernel publishes before is lost: ready
    // means a request's status messages came back on iopub too.
    while (Date.now() < deadline) {
      if (this.exited !== undefined) throw new Error(`the kernel exited during startup (code ${this.exited})`);
      const frames = this.frames("kernel_info_request", {});
      const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
      let published = false;
      this.iopub_listeners.set(msg_id, () => (published = true));
      try {
        await this.send_and_wait(frames, msg_id, "shell", 1000);
        await new Promise((r) => setTimeout(r, 20));
        if (published) return;
      } catch {
        // not up yet
      } finally {
        this.iopub_listeners.delete(msg_id);
      }
    }
    throw new Error(`the kernel did not answer kernel_info within ${timeout_ms} ms`);
  }

  /** Runs code; resolves with the execute_reply and every iopub message up to the idle status. */
  async execute(code: string, o: ExecuteOptions = {}): Promise<Execution> {
    const frames = this.frames("execute_request", {
      code, silent: o.silent ?? false, store_history: o.store_history ?? true, user_expressions: {},
      allow_stdin: o.allow_stdin ?? o.on_input !== undefined, stop_on_error: o.stop_on_error ?? true,
    });
    const msg_id = JSON.parse(frames[2]!.toString()).msg_id as string;
    const iopub: Message[] = [];
    let idle!: () => void;
    const done = new Promise<void>((r) => (idle = r));
    this.iopub_listeners.set(msg_id, (m) => {
      iopub.push(m);
      o.on_iopub?.(m);
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") idle();
    });
    this.input_handler = o.on_input ?? null;
    let timed_out = false;
    const timer = o.timeout_ms === undefined ? null : setTimeout(() => {
      timed_out = true;
      void this.interrupt().catch(() => {});
    }, o.timeout_ms);
    try {
      const reply = await this.send_and_wait(frames, msg_id, "shell", (o.timeout_ms ?? 3_600_000) + 30_000);
      // the reply may come before the idle status; a status that never comes must not hang us
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => (grace = setTimeout(r, 5000)))]);
      clearTimeout(grace);
      return { reply, iopub, timed_out };
    } finally {
      if (timer) clearTimeout(timer);
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
