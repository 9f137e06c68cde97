// `lowbit lab [DIR]`: JupyterLab (or Notebook) on DIR with the lowbit kernel, installed into a
// private JUPYTER_PATH entry so nothing outside this package changes. Without Jupyter it says how
// to install it -- or, for `npm start`, runs every notebook headless instead.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { install_kernelspec } from "./kernelspec.js";
import { run_notebook } from "./run.js";

type Frontend = { name: "JupyterLab" | "Jupyter Notebook"; argv: (dir: string) => string[] };

function find_frontend(): Frontend | null {
  const has = (sub: string) => spawnSync("jupyter", [sub, "--version"], { stdio: "ignore" }).status === 0;
  if (has("lab")) return { name: "JupyterLab", argv: (dir) => ["lab", `--notebook-dir=${dir}`] };
  if (has("notebook")) return { name: "Jupyter Notebook", argv: (dir) => ["notebook", `--notebook-dir=${dir}`] };
  return null;
}

/** A Jupyter data directory private to this user and package, holding the lowbit kernelspec. */
export function private_jupyter_path(): string {
  const dir = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "lowbit", "jupyter");
  mkdirSync(dir, { recursive: true });
  install_kernelspec({ kind: "data-dir", dir });
  return dir;
}

const INSTALL_HINT = `Neither JupyterLab nor Jupyter Notebook is installed. Install one of them:
  pip install jupyterlab                  (any platform)
  apt-get install jupyter-notebook        (Debian / Ubuntu)
then run this again. Meanwhile \`lowbit run NOTEBOOK.ipynb\` runs a notebook headless.
`;

export async function lab(dir: string, o: { run_if_missing?: boolean } = {}): Promise<number> {
  const root = path.resolve(dir);
  const frontend = find_frontend();
  if (!frontend) {
    process.stderr.write(INSTALL_HINT);
    if (!o.run_if_missing) return 1;
    return run_all(root);
  }
  const jupyter_path = [private_jupyter_path(), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  process.stderr.write(`lowbit: starting ${frontend.name} on ${root} (kernel "lowbit (TypeScript)")\n`);
  const child = spawn("jupyter", frontend.argv(root), { stdio: "inherit", env: { ...process.env, JUPYTER_PATH: jupyter_path } });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

/** Runs every notebook of dir headless into dir/.lowbit-run/ (the originals stay as they are). */
async function run_all(root: string): Promise<number> {
  const out = path.join(root, ".lowbit-run");
  mkdirSync(out, { recursive: true });
  const notebooks = readdirSync(root).filter((f) => f.endsWith(".ipynb")).sort();
  let failed = 0;
  for (const f of notebooks) {
    const base = path.join(out, f);
    const r = await run_notebook(path.join(root, f), { output: base, html: base.replace(/\.ipynb$/, ".html"), timeout_s: 600 });
    if (r.errors.length) failed++;
    for (const e of r.errors) process.stderr.write(`lowbit: ${f}: cell ${e.cell} failed: ${e.ename}: ${e.evalue}\n`);
  }
  process.stderr.write(`lowbit: ran ${notebooks.length} notebook(s); executed copies and HTML pages are in ${out}\n`);
  return failed ? 1 : 0;
}
