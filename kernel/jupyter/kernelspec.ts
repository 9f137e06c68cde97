// The kernelspec Jupyter finds lowbit by (kernel.json + logos), and where it goes: --user
// (~/.local/share/jupyter, or JUPYTER_DATA_DIR), --sys-prefix (Python's sys.prefix/share/jupyter),
// --prefix DIR (DIR/share/jupyter), or a private JUPYTER_PATH entry for `lowbit lab`.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { package_root } from "../package.js";

export const KERNEL_NAME = "lowbit";

export function kernel_json(): Record<string, unknown> {
  return {
    argv: [process.execPath, path.join(package_root(), "dist", "kernel", "cli.js"), "kernel", "{connection_file}"],
    display_name: "lowbit (TypeScript)",
    language: "typescript",
    // interrupts arrive as messages, which the kernel's I/O thread handles even while a cell runs
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

export type InstallTarget = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string } | { kind: "data-dir"; dir: string };

function python_prefix(): string {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    if (r.status === 0) return r.stdout.trim();
  }
  throw new Error("--sys-prefix needs python3 (Jupyter's Python) to find sys.prefix; use --user or --prefix DIR");
}

/** The Jupyter data directory a target means. */
export function data_dir(t: InstallTarget): string {
  switch (t.kind) {
    case "user":
      return process.env.JUPYTER_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
    case "sys-prefix":
      return path.join(python_prefix(), "share", "jupyter");
    case "prefix":
      return path.join(path.resolve(t.dir), "share", "jupyter");
    case "data-dir":
      return t.dir;
  }
}

/** Writes kernels/lowbit/ under the target's data dir (a complete copy replaces the old one at once). */
export function install_kernelspec(t: InstallTarget): string {
  const kernels = path.join(data_dir(t), "kernels");
  const dest = path.join(kernels, KERNEL_NAME);
  const tmp = path.join(kernels, `.${KERNEL_NAME}-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, "kernel.json"), JSON.stringify(kernel_json(), null, 2) + "\n");
  const assets = path.join(package_root(), "kernel", "jupyter", "kernelspec");
  for (const f of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) copyFileSync(path.join(assets, f), path.join(tmp, f));
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}
