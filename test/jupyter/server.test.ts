// The kernel as JupyterLab reaches it: a real Jupyter Server (Debian's jupyter-server) started on
// 127.0.0.1, driven through @jupyterlab/services over REST and the kernel websocket: start, run
// cells, interrupt, restart, shut down. Offline; needs python3-jupyter-server.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { KernelAPI, KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { front_end, python_has } from "../helpers/jupyter.js";
import { eventually, start_jupyter, type Jupyter } from "../helpers/jupyter_server.js";

const available = front_end("Jupyter Server", python_has("jupyter_server"), "apt-get install jupyter-server");

// In Node @jupyterlab/services talks websockets through its own dependency `ws`: hand the same one
// over explicitly (Node 20 has no global WebSocket).
const services = createRequire(import.meta.url).resolve("@jupyterlab/services");
const WebSocket = createRequire(services)("ws") as ServerConnection.ISettings["WebSocket"];

type Output = KernelMessage.IIOPubMessage;
type Future = Kernel.IShellFuture<KernelMessage.IExecuteRequestMsg, KernelMessage.IExecuteReplyMsg>;
const OUTPUTS = new Set(["stream", "display_data", "execute_result", "error", "update_display_data", "clear_output"]);

interface Ran {
  reply: KernelMessage.IExecuteReplyMsg["content"];
  outputs: Output[];
}

/** Rejects, naming what hung, when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

interface ContentOf {
  stream: KernelMessage.IStreamMsg["content"];
  display_data: KernelMessage.IDisplayDataMsg["content"];
  execute_result: KernelMessage.IExecuteResultMsg["content"];
  error: KernelMessage.IErrorMsg["content"];
}

/** The content of the first output of a type. */
function first<T extends keyof ContentOf>(outputs: Output[], type: T): ContentOf[T] {
  const m = outputs.find((o) => o.header.msg_type === type);
  if (!m) throw new Error(`no ${type} among ${JSON.stringify(outputs.map((o) => o.header.msg_type))}`);
  return m.content as ContentOf[T];
}

describe.skipIf(!available)("the lowbit kernel in Jupyter Server, through @jupyterlab/services", () => {
  let jupyter: Jupyter | undefined;
  let settings: ServerConnection.ISettings;
  let manager: KernelManager | undefined;
  let kernel: Kernel.IKernelConnection;

  beforeAll(async () => {
    jupyter = await start_jupyter("server");
    settings = ServerConnection.makeSettings({
      baseUrl: jupyter.url,
      wsUrl: jupyter.url.replace(/^http/, "ws"),
      token: jupyter.token,
      WebSocket,
      fetch,
    });
    manager = new KernelManager({ serverSettings: settings });
    await manager.ready;
    kernel = await manager.startNew({ name: "lowbit" });
  }, 120_000);

  afterAll(async () => {
    manager?.dispose();
    const strays = await jupyter?.stop();
    // the server shuts its kernels down when it stops: a kernel left running ignored that
    expect(strays ?? []).toEqual([]);
  }, 60_000);

  /** Sends a cell: its future, its outputs as they come (iopub messages other than status and
   *  execute_input), and a promise of the kernel saying it started (execute_input). */
  function start(code: string): { future: Future; outputs: Output[]; started: Promise<void> } {
    const future = kernel.requestExecute({ code });
    const outputs: Output[] = [];
    let started!: () => void;
    const p = new Promise<void>((r) => (started = r));
    future.onIOPub = (m) => {
      if (m.header.msg_type === "execute_input") started();
      if (OUTPUTS.has(m.header.msg_type)) outputs.push(m);
    };
    return { future, outputs, started: p };
  }

  /** Runs a cell to its end: its reply and its outputs. */
  async function run(code: string, ms = 60_000): Promise<Ran> {
    const { future, outputs } = start(code);
    const reply = await within(future.done, ms, `executing ${JSON.stringify(code)}`);
    return { reply: reply.content, outputs };
  }

  it("starts a lowbit kernel that the server lists", async () => {
    const info = await within(kernel.info, 60_000, "kernel_info");
    expect(info.implementation).toBe("lowbit");
    expect(info.language_info.name).toBe("typescript");
    const running = await KernelAPI.listRunning(settings);
    expect(running.map((k) => [k.id, k.name])).toContainEqual([kernel.id, "lowbit"]);
    expect(jupyter!.kernel_pids(kernel.id)).toHaveLength(1);
  });

  it("runs cells: an expression's value, console.log as a stream, display() of a tensor as HTML", async () => {
    const sum = await run("1 + 1");
    expect(sum.reply).toMatchObject({ status: "ok", execution_count: 1 });
    expect(first(sum.outputs, "execute_result")).toMatchObject({ execution_count: 1, data: { "text/plain": "2" } });

    const log = await run(`console.log("hello from lowbit")`);
    expect(log.reply.status).toBe("ok");
    expect(log.outputs.map((o) => o.header.msg_type)).toEqual(["stream"]);
    expect(first(log.outputs, "stream")).toEqual({ name: "stdout", text: "hello from lowbit\n" });

    const shown = await run(`display(torch.tensor([[1.5, 2], [3, 4]]))`);
    expect(shown.reply.status).toBe("ok");
    const data = first(shown.outputs, "display_data").data;
    expect(data["text/html"]).toContain(`class="lowbit-tensor"`);
    expect(data["text/html"]).toContain("<table");
    expect(data["text/plain"]).toBe("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])");
    expect(shown.reply.execution_count).toBe(3);
  });

  it("reports a thrown error with its name and message", async () => {
    const r = await run(`throw new RangeError("out of range")`);
    expect(r.reply).toMatchObject({ status: "error", ename: "RangeError", evalue: "out of range" });
    expect(first(r.outputs, "error")).toMatchObject({ ename: "RangeError", evalue: "out of range" });
  });

  /** Interrupts a cell started with start() and waits for it to end; a second interrupt if it
   *  does not (so that a failure here leaves the kernel usable for the tests after it). */
  async function interrupt(future: Future, ms: number): Promise<KernelMessage.IExecuteReplyMsg> {
    let ended = false;
    void future.done.then(() => (ended = true), () => {});
    try {
      await kernel.interrupt();
      return await within(future.done, ms, "the interrupted cell");
    } finally {
      if (!ended) {
        await kernel.interrupt();
        await within(future.done, 10_000, "a cell interrupted twice").catch(() => {});
      }
    }
  }

  it("interrupts a running infinite loop with KeyboardInterrupt, then runs the next cell", async () => {
    // the cell writes a file just before it loops: the interrupt goes only once the loop runs
    const marker = path.join(jupyter!.dir, "looping");
    const { future, outputs } = start(
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "");\nwhile (true) {}`,
    );
    expect(await eventually(() => existsSync(marker), 60_000, 20)).toBe(true);
    const t0 = Date.now();
    const reply = await interrupt(future, 10_000);
    const took = Date.now() - t0;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(first(outputs, "error").ename).toBe("KeyboardInterrupt");
    expect(took).toBeLessThan(2_000);

    const next = await run("6 * 7");
    expect(next.reply.status).toBe("ok");
    expect(first(next.outputs, "execute_result").data["text/plain"]).toBe("42");
  });

  it("interrupts a cell that is still being compiled", async () => {
    // TypeScript takes a while (about a second) to check this cell; the interrupt is sent as soon
    // as the kernel says the cell started, so it arrives before the loop runs, when no SIGINT
    // handler of vm's is watching yet. It must stop the cell all the same.
    const decls = Array.from({ length: 1500 }, (_, i) => `const n${i}: number = ${i};`).join("\n");
    const { future, outputs, started } = start(`${decls}\nwhile (true) {}`);
    await within(started, 60_000, "execute_input");
    const reply = await interrupt(future, 30_000);
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(first(outputs, "error").ename).toBe("KeyboardInterrupt");
    expect(first((await run("1 + 2")).outputs, "execute_result").data["text/plain"]).toBe("3");
  });

  it("restarts: the variables are gone and the execution count starts over", async () => {
    const set = await run("let secret = 41; secret + 1");
    expect(first(set.outputs, "execute_result").data["text/plain"]).toBe("42");
    const [old_pid] = jupyter!.kernel_pids(kernel.id);

    await within(kernel.restart(), 60_000, "restart");
    await within(kernel.info, 60_000, "kernel_info after the restart");

    const after = await run("secret");
    expect(after.reply).toMatchObject({ status: "error", execution_count: 1 });
    expect(first(after.outputs, "error").evalue).toContain("Cannot find name 'secret'");
    const again = await run("2 + 2");
    expect(again.reply).toMatchObject({ status: "ok", execution_count: 2 });
    // a new process, and the old one has exited
    const pids = jupyter!.kernel_pids(kernel.id);
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(old_pid);
  });

  it("shuts down: the kernel leaves the server's list and its process exits", async () => {
    const id = kernel.id;
    await within(kernel.shutdown(), 30_000, "shutdown");
    const running = await KernelAPI.listRunning(settings);
    expect(running.map((k) => k.id)).not.toContain(id);
    expect(await eventually(() => jupyter!.kernel_pids(id).length === 0, 10_000)).toBe(true);
  });
});
