// A real Jupyter front end for end-to-end tests: Jupyter Server or Notebook 6 started on
// 127.0.0.1 with a token, on a free port, in a temporary root dir, with lowbit's kernelspec from
// jupyter_env(). stop() ends it and anything it started: kernels run in sessions of their own
// (jupyter_client starts them with start_new_session), so killing the server's process group
// alone could leave them behind; they are found by their connection files, which live in this
// server's private runtime dir.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { free_port } from "../../kernel/jupyter/connection.js";
import { jupyter_env, PYTHON } from "./jupyter.js";

export type JupyterApp = "server" | "notebook";

export interface Jupyter {
  app: JupyterApp;
  /** http://127.0.0.1:PORT/ */
  url: string;
  token: string;
  /** the dir it serves (root_dir / notebook_dir) */
  dir: string;
  /** where the kernels' connection files go */
  runtime_dir: string;
  /** what it printed so far (for failure messages) */
  log(): string;
  /** pids of live processes started with a connection file from this server's runtime dir,
   *  i.e. its kernels; with a kernel id, that kernel's */
  kernel_pids(kernel_id?: string): number[];
  /** Stops the server (SIGTERM, then SIGKILL to its process group), kills kernels it left, and
   *  removes its temporary dirs. Returns the kernel pids that outlived the server. Idempotent. */
  stop(): Promise<number[]>;
}

const APPS = {
  server: { module: "jupyter_server", cls: "ServerApp", root: "root_dir" },
  notebook: { module: "notebook", cls: "NotebookApp", root: "notebook_dir" },
} as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function wait_exit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function kill_group(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** pids of live processes whose command line contains `needle` (Linux /proc). */
export function pids_with_arg(needle: string): number[] {
  const out: number[] = [];
  if (!existsSync("/proc/self/cmdline")) return out;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let cmdline: string;
    let state: string;
    try {
      cmdline = readFileSync(`/proc/${e}/cmdline`, "utf8");
      state = readFileSync(`/proc/${e}/stat`, "utf8").replace(/^.*\) /s, "")[0]!;
    } catch {
      continue; // exited meanwhile
    }
    if (state !== "Z" && cmdline.split("\0").some((a) => a.includes(needle))) out.push(Number(e));
  }
  return out;
}

/** Waits until `check` holds, polling; false when `ms` passed first. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, every = 100): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(every);
  }
}

async function answers(url: string, token: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}api/status`, { headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `app` (python3 -m jupyter_server / notebook) on 127.0.0.1 and resolves once its REST API
 * answers with the token. `setup(dir)` may write files into its root dir first.
 */
export async function start_jupyter(app: JupyterApp, o: { setup?: (dir: string) => void; timeout_ms?: number } = {}): Promise<Jupyter> {
  const a = APPS[app];
  const env = jupyter_env();
  const base = path.dirname(env.JUPYTER_DATA_DIR!);
  const dir = mkdtempSync(path.join(os.tmpdir(), `lowbit-${app}-root-`));
  o.setup?.(dir);
  const token = randomBytes(16).toString("hex");
  const deadline = Date.now() + (o.timeout_ms ?? 90_000);
  let output = "";
  // a free port can be taken before the server binds it: then it exits (port_retries=0), and a
  // fresh port is tried
  for (let attempt = 1; ; attempt++) {
    const port = await free_port();
    const url = `http://127.0.0.1:${port}/`;
    const args = [
      "-m", a.module, "--no-browser",
      `--${a.cls}.ip=127.0.0.1`, `--${a.cls}.port=${port}`, `--${a.cls}.port_retries=0`,
      `--${a.cls}.token=${token}`, `--${a.cls}.${a.root}=${dir}`,
    ];
    if (process.getuid?.() === 0) args.push("--allow-root");
    output = "";
    const child = spawn(PYTHON, args, { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const append = (b: Buffer) => {
      output += b.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout!.on("data", append);
    child.stderr!.on("data", append);
    // should this test process die without afterAll, the server must not outlive it
    const on_exit = () => kill_group(child.pid!, "SIGKILL");
    process.on("exit", on_exit);

    let stopped: Promise<number[]> | null = null;
    const j: Jupyter = {
      app, url, token, dir,
      runtime_dir: env.JUPYTER_RUNTIME_DIR!,
      log: () => output,
      kernel_pids: (id) => pids_with_arg(id ? path.join(env.JUPYTER_RUNTIME_DIR!, `kernel-${id}.json`) : env.JUPYTER_RUNTIME_DIR!),
      stop: () => (stopped ??= (async () => {
        if (!exited(child)) {
          kill_group(child.pid!, "SIGTERM"); // the server shuts its kernels down on SIGTERM
          if (!(await wait_exit(child, 15_000))) {
            kill_group(child.pid!, "SIGKILL");
            await wait_exit(child, 5_000);
          }
        }
        process.off("exit", on_exit);
        // a kernel may take a moment to exit after the server is gone
        await eventually(() => j.kernel_pids().length === 0, 3_000);
        const left = j.kernel_pids();
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone
          }
        }
        rmSync(dir, { recursive: true, force: true });
        rmSync(base, { recursive: true, force: true });
        return left;
      })()),
    };

    let up = false;
    while (!exited(child) && Date.now() < deadline) {
      if (await answers(url, token)) {
        up = true;
        break;
      }
      await sleep(200);
    }
    if (up) return j;
    const gone = exited(child);
    const log = output;
    if (gone && attempt < 3 && /address already in use|port .* is already in use/i.test(log)) {
      process.off("exit", on_exit);
      continue;
    }
    await j.stop();
    throw new Error(`${a.module} ${gone ? `exited (${child.exitCode ?? child.signalCode})` : "did not answer in time"} at ${url}:\n${log}`);
  }
}
