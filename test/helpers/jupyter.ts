// What the kernel's end-to-end tests share: the built kernel (dist/, which `npm test` compiles
// first), a private Jupyter data dir holding its kernelspec, and the Debian front ends they drive.
// A missing front end skips its tests with the install command, unless LOWBIT_REQUIRE_E2E=1 (CI),
// where it fails them: CI installs everything, so a skip there would hide a regression.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KernelClient, type StartOptions } from "../../kernel/jupyter/client.js";
import { install_kernelspec } from "../../kernel/jupyter/kernelspec.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const KERNEL_CLI = path.join(ROOT, "dist", "kernel", "cli.js");
export const PYTHON = "/usr/bin/python3";
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"];

export function kernel_argv(): string[] {
  if (!existsSync(KERNEL_CLI)) throw new Error(`${KERNEL_CLI} is missing: build with \`npx tsc\` (npm test does)`);
  return [process.execPath, KERNEL_CLI, "kernel", "{connection_file}"];
}

export function start_kernel(o: StartOptions = {}): Promise<KernelClient> {
  return KernelClient.start({ argv: kernel_argv(), ...o });
}

export function python_has(...modules: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")]).status === 0;
}

export function on_path(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/**
 * Whether a group of tests can run. When it cannot: a visible skip reason, or, with
 * LOWBIT_REQUIRE_E2E=1, an error naming what to install.
 */
export function front_end(what: string, available: boolean, install: string): boolean {
  if (available) return true;
  const why = `${what} is not installed (${install})`;
  if (process.env.LOWBIT_REQUIRE_E2E === "1") throw new Error(`LOWBIT_REQUIRE_E2E=1 but ${why}`);
  console.warn(`skipping: ${why}`);
  return false;
}

/**
 * Environment for Jupyter processes that finds lowbit's kernelspec (and nothing from the user's
 * own Jupyter setup) in fresh temporary dirs.
 */
export function jupyter_env(): NodeJS.ProcessEnv {
  const base = mkdtempSync(path.join(os.tmpdir(), "lowbit-jupyter-"));
  const data = path.join(base, "data");
  install_kernelspec({ kind: "data-dir", dir: data });
  return {
    ...process.env,
    JUPYTER_PATH: data,
    JUPYTER_DATA_DIR: data,
    JUPYTER_CONFIG_DIR: path.join(base, "config"),
    JUPYTER_RUNTIME_DIR: path.join(base, "runtime"),
    IPYTHONDIR: path.join(base, "ipython"),
    HOME: base,
    JUPYTER_PLATFORM_DIRS: "1",
  };
}
