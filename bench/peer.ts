// Drives the PyTorch peers (bench/torch_peer.py, bench/gpt_neox_torch.py): one Python process per
// thread count, asked for timed work over stdin/stdout so that it can be interleaved with lowbit's.
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import path from "node:path";
import { createInterface, Interface } from "node:readline";
import { fileURLToPath } from "node:url";

// Debian's python3-torch lives in the system interpreter, which need not be the python3 on PATH.
export const PYTHON = process.env.LOWBIT_BENCH_PYTHON ?? "/usr/bin/python3";
export const INSTALL_HINT =
  "apt-get install python3-torch libopenblas0-pthread (or set LOWBIT_BENCH_PYTHON to a Python that has torch)";

// the Python scripts stay in bench/ (tsc compiles this file to dist/bench/)
const BENCH_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "bench");

export interface PeerInfo {
  torch: string;
  /** Debian's python3-torch version, when torch came from there. */
  package: string | null;
  python: string;
  torch_threads: number;
  blas: { libraries: string[]; openblas: string | null; threads: number | null };
}

/** A Python script of bench/ answering one line of JSON per request line, started with
 *  `threads` threads; subclasses name the script and its requests. */
export class PythonPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string | null) => void)[] = [];
  private stderr = "";
  private readonly script: string;

  /** `extra_env` adds to the environment the peer starts with. */
  protected constructor(script: string, threads: number, extra_env: Record<string, string> = {}) {
    this.script = path.join(BENCH_DIR, script);
    // OpenBLAS reads its thread count from the environment once, at load
    const env = {
      ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), ...extra_env,
    };
    this.proc = spawn(PYTHON, [this.script, String(threads)], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stderr.on("data", (d: Buffer) => { this.stderr += d.toString(); });
    this.proc.on("error", (e) => this.fail(e.message));
    this.proc.on("close", () => this.fail(null));
    this.proc.stdin.on("error", () => {});  // a dead peer is reported through the closed stdout
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on("line", (line) => this.pending.shift()?.(line));
  }

  /** What the peer runs on; also the check that torch imported. */
  info(): Promise<PeerInfo> {
    return this.request<PeerInfo>({ op: "info" });
  }

  /** Resolves once the peer answered `info`, or says how to install torch. */
  protected async started(): Promise<void> {
    await this.info().catch((e: Error) => {
      throw new Error(`the PyTorch peer did not start: ${e.message}\nInstall it with: ${INSTALL_HINT}`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }

  private fail(why: string | null): void {
    if (why) this.stderr += why;
    for (const resolve of this.pending.splice(0)) resolve(null);
  }

  protected request<T>(req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.pending.push((line) => {
        const reply = line === null ? null : (JSON.parse(line) as { error?: string });
        if (reply === null || reply.error !== undefined) {
          const why = reply?.error ?? (this.stderr.trim() || `${PYTHON} exited`);
          reject(new Error(`${PYTHON} ${path.basename(this.script)}: ${why}`));
        } else {
          resolve(reply as T);
        }
      });
      this.proc.stdin.write(JSON.stringify(req) + "\n");
    });
  }
}

/** bench/torch_peer.py: the tensor-op cases of `npm run bench`. */
export class TorchPeer extends PythonPeer {
  /** Starts the peer with `threads` threads and checks that torch imported. */
  static async start(threads: number): Promise<TorchPeer> {
    const peer = new TorchPeer("torch_peer.py", threads);
    await peer.started();
    return peer;
  }

  /** Runs `reps` timed repetitions of a case; seconds per repetition. */
  async run(name: string, reps: number): Promise<number[]> {
    return (await this.request<{ times: number[] }>({ op: "run", case: name, reps })).times;
  }

  /** Sum of |output| of one evaluation, to check that both sides compute the same thing. */
  async checksum(name: string): Promise<number> {
    return (await this.request<{ checksum: number }>({ op: "checksum", case: name })).checksum;
  }
}
