// The kernel over its wire protocol, driven by lowbit's own client and by raw zeromq sockets:
// execution semantics (silent, stop_on_error, input), interrupts, comms, and robustness against
// forged, malformed, unknown and huge messages and clients that vanish.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import type { KernelClient } from "../../kernel/jupyter/client.js";
import { address } from "../../kernel/jupyter/connection.js";
import { encode, new_header, Signer, type Message } from "../../kernel/jupyter/wire.js";
import { start_kernel } from "../helpers/jupyter.js";

let kernel: KernelClient;
let stderr = "";

beforeAll(async () => {
  kernel = await start_kernel({ stderr: "pipe" });
  kernel.process!.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
}, 120_000);
afterAll(async () => kernel?.shutdown());

const of_type = (msgs: Message[], type: string) => msgs.filter((m) => m.header.msg_type === type);
const result = (msgs: Message[]) => (of_type(msgs, "execute_result")[0]?.content.data as Record<string, string> | undefined)?.["text/plain"];
const stdout = (msgs: Message[]) => of_type(msgs, "stream").map((m) => m.content.text).join("");

async function value_of(code: string): Promise<string | undefined> {
  const r = await kernel.execute(code);
  expect(r.reply.content.status, JSON.stringify(r.reply.content)).toBe("ok");
  return result(r.iopub);
}

/** A shell socket of a second client, speaking raw frames. */
async function raw_shell(key = kernel.info.key): Promise<{ sock: zmq.Dealer; send: (frames: Buffer[]) => Promise<void>; signer: Signer }> {
  const sock = new zmq.Dealer({ linger: 0 });
  sock.connect(address(kernel.info, "shell"));
  return { sock, send: (frames) => sock.send(frames), signer: new Signer(key) };
}

function request(signer: Signer, msg_type: string, content: unknown): Buffer[] {
  return encode({ identities: [], header: new_header(msg_type, "raw-client"), parent_header: {}, metadata: {}, content }, signer);
}

describe("execution", () => {
  it("keeps variables across cells and counts executions", async () => {
    await kernel.execute("let counter = 40");
    expect(await value_of("counter += 2")).toBe("42");
  });

  it("silent cells publish nothing and leave the execution count alone", async () => {
    const before = (await kernel.execute("1")).reply.content.execution_count as number;
    const r = await kernel.execute(`console.log("quiet"); 5`, { silent: true });
    expect(r.reply.content.status).toBe("ok");
    expect(r.iopub.map((m) => m.header.msg_type)).toEqual(["status", "status"]);
    expect((await kernel.execute("1")).reply.content.execution_count).toBe(before + 1);
  });

  it("stop_on_error aborts the cells queued behind a failure, and only those", async () => {
    const runs = await Promise.all([
      kernel.execute(`throw new Error("first fails")`),
      kernel.execute(`counter = -1`),
      kernel.execute(`counter = -2`),
    ]);
    expect(runs.map((r) => r.reply.content.status)).toEqual(["error", "aborted", "aborted"]);
    expect(await value_of("counter")).toBe("42");
    const kept = await Promise.all([kernel.execute(`throw new Error("x")`, { stop_on_error: false }), kernel.execute("counter + 1")]);
    expect(kept.map((r) => r.reply.content.status)).toEqual(["error", "ok"]);
  });

  it("input() asks the client that ran the cell, on stdin", async () => {
    const prompts: [string, boolean][] = [];
    const r = await kernel.execute(`const who = await input("name? "); const pin = await input("pin: ", { password: true }); console.log(who, pin.length)`, {
      on_input: (prompt, password) => (prompts.push([prompt, password]), password ? "1234" : "Ada"),
    });
    expect(r.reply.content.status).toBe("ok");
    expect(prompts).toEqual([["name? ", false], ["pin: ", true]]);
    expect(stdout(r.iopub)).toBe("Ada 4\n");
  });

  it("streams what a long synchronous cell prints while it still runs", async () => {
    let printed_at = 0;
    const r = await kernel.execute(`console.log("started"); const t0 = Date.now(); while (Date.now() - t0 < 1500) {}`, {
      on_iopub: (m) => m.header.msg_type === "stream" && (printed_at ||= Date.now()),
    });
    const replied_at = Date.now();
    expect(stdout(r.iopub)).toBe("started\n");
    expect(replied_at - printed_at).toBeGreaterThan(1000);
  });

  it("a progress bar is one display, updated in place, ending at 100%", async () => {
    const r = await kernel.execute(`let total = 0; for (const i of progress(50, { desc: "sum" })) { total += i; const t0 = Date.now(); while (Date.now() - t0 < 20) {} } total`);
    const shown = of_type(r.iopub, "display_data"), updates = of_type(r.iopub, "update_display_data");
    expect(shown).toHaveLength(1);
    const id = (shown[0]!.content.transient as { display_id: string }).display_id;
    expect(id).toBeTruthy();
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect((u.content.transient as { display_id: string }).display_id).toBe(id);
    const last = (updates[updates.length - 1]!.content.data as Record<string, string>)["text/plain"]!;
    expect(last).toMatch(/^sum: 100%.*50\/50/);
    expect(result(r.iopub)).toBe("1225");
  });

  it("a native op that throws reports its error and the next cell runs", async () => {
    const r = await kernel.execute("torch.ones([2, 3]).matmul(torch.ones([4, 5]))");
    expect(r.reply.content.status).toBe("error");
    expect(String(r.reply.content.evalue)).toContain("2x3");
    expect(of_type(r.iopub, "error")).toHaveLength(1);
    expect(await value_of("torch.ones([2, 3]).matmul(torch.ones([3, 1])).sum().item()")).toBe("6");
  });

  it("answers comm_info and closes comms it has no target for", async () => {
    const info = await kernel.request("comm_info_request", {});
    expect(info.content).toEqual({ status: "ok", comms: {} });
    const closed = new Promise<Message>((resolve) => kernel.on_any_iopub((m) => m.header.msg_type === "comm_close" && resolve(m)));
    // comm_open has no reply: the request times out on its own
    void kernel.request("comm_open", { comm_id: "c-1", target_name: "jupyter.widget", data: {} }, "shell", 100).catch(() => {});
    expect((await closed).content.comm_id).toBe("c-1");
    kernel.on_any_iopub(null);
  });
});

describe("interrupt", () => {
  // from interrupt_request to the cell's reply; the bound is one second
  async function interrupted(code: string): Promise<{ ms: number; ename: unknown }> {
    let started!: () => void;
    const busy = new Promise<void>((r) => (started = r));
    const run = kernel.execute(code, { on_iopub: (m) => m.header.msg_type === "execute_input" && started() });
    await busy;
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await kernel.interrupt();
    const r = await run;
    return { ms: Date.now() - t0, ename: r.reply.content.ename };
  }

  it.each([
    ["a synchronous loop", "while (true) {}"],
    ["a long native loop", "const big = torch.randn([1500, 1500]); for (let i = 0; i < 10_000; i++) big.matmul(big);"],
    ["an await", "await new Promise((r) => setTimeout(r, 60_000))"],
  ])("stops %s within a second, and the kernel goes on", async (_what, code) => {
    const r = await interrupted(code);
    expect(r.ename).toBe("KeyboardInterrupt");
    expect(r.ms).toBeLessThan(1000);
    expect(await value_of("1 + 1")).toBe("2");
  });
});

describe("robustness", () => {
  it("drops a message with a bad signature, logs it, and never runs it", async () => {
    const forger = await raw_shell("not-the-key");
    await forger.send(request(forger.signer, "execute_request", { code: "globalThis.forged = true", silent: false }));
    await new Promise((r) => setTimeout(r, 500));
    expect(await value_of("typeof (globalThis as any).forged")).toBe("'undefined'");
    expect(stderr).toContain("bad signature");
    forger.sock.close();
  });

  it("survives malformed JSON, missing frames, unknown message types and a huge payload", async () => {
    const c = await raw_shell();
    const good = request(c.signer, "kernel_info_request", {});
    const broken_json = [Buffer.from("<IDS|MSG>"), Buffer.alloc(0), Buffer.from("{not json"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
    broken_json[1] = Buffer.from(c.signer.sign(broken_json.slice(2)));
    await c.send(broken_json);
    await c.send([Buffer.from("<IDS|MSG>"), Buffer.from("x")]);
    await c.send([Buffer.from("no delimiter at all")]);
    await c.send([good[0]!, randomBytes(64 << 20), ...good.slice(1)]);
    const unknown = await kernel.request("frobnicate_request", {});
    expect(unknown.content.status).toBe("error");
    expect(String(unknown.content.evalue)).toContain("frobnicate_request");
    expect(stderr).toContain("not JSON");
    c.sock.close();
    // a 16 MB cell: its source through the converter and its value back
    const big = await kernel.execute(`const big_string = "${"ab".repeat(8 << 20)}"; big_string.length`);
    expect(result(big.iopub)).toBe(String(16 << 20));
    expect(await value_of("1 + 1")).toBe("2");
  });

  it("keeps answering when a client disappears in the middle of a cell", async () => {
    const { KernelClient } = await import("../../kernel/jupyter/client.js");
    const gone = await KernelClient.connect(kernel.info);
    const pending = gone.execute(`await new Promise((r) => setTimeout(r, 1000)); console.log("to nobody"); 7`).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    gone.close();
    void pending;
    expect(await value_of("counter")).toBe("42");
  });
});

describe("shutdown", () => {
  it("exits cleanly on shutdown_request", async () => {
    const k = await start_kernel({ stderr: "pipe" });
    let err = "";
    k.process!.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    expect(await (async () => (await k.execute("1")).reply.content.status)()).toBe("ok");
    const reply = await k.request("shutdown_request", { restart: false }, "control");
    expect(reply.content).toMatchObject({ status: "ok", restart: false });
    expect(await k.wait_exit(10_000)).toBe(0);
    expect(err).not.toMatch(/terminate called|Napi::Error|Aborted/);
    k.close();
  });
});
