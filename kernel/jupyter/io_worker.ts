// A worker thread that keeps the heartbeat, control and iopub channels working while the main thread
// is busy in a cell: Jupyter front ends interrupt over control (interrupt_mode "message"), a
// synchronous cell or a long native loop never yields to the main event loop, and what such a cell
// prints or displays must still reach the notebook as it happens (iopub.ts).
//
// interrupt_request: raises the shared interrupt flag (interrupt.ts) and the native kernels' (a long
// GEMM stops between blocks), sends SIGINT to this process while synchronous cell code runs (vm's
// breakOnSigint stops it), and tells the main thread (which rejects a pending top-level await). shutdown_request: replies, then asks the main
// thread to exit, and exits the process itself if the main thread does not manage within a second.
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { native_addon } from "../tensor/backend/index.js";
import { address, type ConnectionInfo } from "./connection.js";
import { Iopub, type Publish } from "./iopub.js";
import { InterruptState } from "./interrupt.js";
import { log } from "./log.js";
import { Sender } from "./sender.js";
import { decode, encode, new_header, Signer, WireError, type Message } from "./wire.js";

export interface WorkerData {
  info: ConnectionInfo;
  session: string;
  kernel_info: Record<string, unknown>;
  /** InterruptState's memory */
  interrupt: Int32Array;
}

/** Messages from the main thread to this worker. */
export type MainEvent = Publish | { kind: "flush"; id: number } | { kind: "close" };

/** Messages from this worker to the main thread. */
export type WorkerEvent =
  | { kind: "ready" }
  | { kind: "interrupt" }
  | { kind: "flushed"; id: number }
  | { kind: "shutdown"; restart: boolean };

const { info, session, kernel_info, interrupt } = workerData as WorkerData;
const interrupt_state = new InterruptState(interrupt);
const signer = new Signer(info.key);
const post = (e: WorkerEvent) => parentPort!.postMessage(e);

const sockets: zmq.Socket[] = [];

async function heartbeat(): Promise<void> {
  const hb = new zmq.Reply();
  sockets.push(hb);
  await hb.bind(address(info, "hb"));
  for await (const frames of hb) await hb.send(frames);
}

function reply(control: Sender, req: Message, msg_type: string, content: Record<string, unknown>): Promise<void> {
  return control.send(encode({
    identities: req.identities,
    header: new_header(msg_type, session),
    parent_header: req.header,
    metadata: {},
    content,
  }, signer));
}

async function control_loop(): Promise<void> {
  const sock = new zmq.Router();
  sockets.push(sock);
  await sock.bind(address(info, "control"));
  const control = new Sender(sock, (e) => log("control send failed:", e.message));
  post({ kind: "ready" });
  for await (const frames of sock) {
    let req: Message;
    try {
      req = decode(frames, signer);
    } catch (e) {
      log(e instanceof WireError ? `control: dropped a message: ${e.message}` : e);
      continue;
    }
    switch (req.header.msg_type) {
      case "interrupt_request":
        interrupt_state.request();
        native_addon()?.interrupt();
        post({ kind: "interrupt" });
        if (interrupt_state.running_sync) process.kill(process.pid, "SIGINT");
        await reply(control, req, "interrupt_reply", { status: "ok" });
        break;
      case "shutdown_request": {
        const restart = req.content.restart === true;
        await reply(control, req, "shutdown_reply", { status: "ok", restart });
        post({ kind: "shutdown", restart });
        // a main thread stuck in a synchronous cell cannot exit by itself
        setTimeout(() => process.kill(process.pid, "SIGKILL"), 1000).unref();
        break;
      }
      case "kernel_info_request":
        await reply(control, req, "kernel_info_reply", kernel_info);
        break;
      default:
        log(`control: ${req.header.msg_type} is not supported`);
        if (req.header.msg_type.endsWith("_request")) {
          await reply(control, req, req.header.msg_type.replace(/_request$/, "_reply"), {
            status: "error", ename: "NotImplementedError", evalue: `${req.header.msg_type} is not supported`, traceback: [],
          });
        }
    }
  }
}

let iopub: Iopub | null = null;
const early: Publish[] = [];

async function start_iopub(): Promise<void> {
  const sock = new zmq.Publisher();
  sockets.push(sock);
  await sock.bind(address(info, "iopub"));
  iopub = new Iopub(sock, signer, session);
  for (const m of early.splice(0)) iopub.publish(m);
}

parentPort!.on("message", (m: MainEvent) => {
  if (m.kind === "iopub") {
    if (iopub) iopub.publish(m);
    else early.push(m);
    return;
  }
  if (m.kind === "flush") {
    void (iopub?.flushed() ?? Promise.resolve()).then(() => post({ kind: "flushed", id: m.id }));
    return;
  }
  // the main thread asks before the process exits: what was published goes out, and sockets still
  // open when zeromq's context goes away would abort the process
  void Promise.race([iopub?.flushed(), new Promise((r) => setTimeout(r, 500))]).then(() => {
    for (const s of sockets) s.close();
    process.exit(0);
  });
});

heartbeat().catch((e) => log("heartbeat stopped:", e));
control_loop().catch((e) => log("control channel stopped:", e));
start_iopub().catch((e) => log("iopub channel stopped:", e));
