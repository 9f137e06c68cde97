// The `lowbit` commands around the kernel: install (kernelspec with logos, found by Jupyter),
// run (outputs, HTML, time limits), and lab without Jupyter (says how to get it, or runs headless).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { read_notebook } from "../../kernel/jupyter/notebook.js";
import { KERNEL_CLI, PYTHON, python_has } from "../helpers/jupyter.js";
import { write_fixture_notebook } from "./notebook_fixture.js";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "lowbit-cli-"));

function lowbit(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [KERNEL_CLI, ...args], { encoding: "utf8", env, timeout: 300_000 });
}

describe("lowbit install", () => {
  it("writes kernel.json and the logos under --prefix, where Jupyter finds them", () => {
    const prefix = tmp();
    const r = lowbit(["install", "--prefix", prefix]);
    expect(r.status, r.stderr).toBe(0);
    const dir = path.join(prefix, "share", "jupyter", "kernels", "lowbit");
    const spec = JSON.parse(readFileSync(path.join(dir, "kernel.json"), "utf8"));
    expect(spec).toMatchObject({ display_name: "lowbit (TypeScript)", language: "typescript", interrupt_mode: "message" });
    expect(spec.argv).toEqual([process.execPath, KERNEL_CLI, "kernel", "{connection_file}"]);
    for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) expect(statSync(path.join(dir, logo)).size).toBeGreaterThan(100);
    if (python_has("jupyter_client")) {
      const listed = spawnSync(PYTHON, ["-c", "from jupyter_client.kernelspec import KernelSpecManager as K; import json; print(json.dumps(K().get_all_specs()['lowbit']['spec']))"],
        { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") } });
      expect(JSON.parse(listed.stdout).argv).toEqual(spec.argv);
    }
  });

  it("refuses two targets at once", () => {
    const r = lowbit(["install", "--user", "--prefix", tmp()]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("choose one of --user, --sys-prefix and --prefix DIR");
  });
});

describe("lowbit run", () => {
  it("writes outputs to --output and a standalone page to --html, leaving the source as it was", () => {
    const dir = tmp(), nb = path.join(dir, "nb.ipynb");
    write_fixture_notebook(nb);
    const before = readFileSync(nb, "utf8");
    const r = lowbit(["run", nb, "--output", path.join(dir, "out.ipynb"), "--html", path.join(dir, "out.html"), "--allow-errors"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cell \d+ failed: StdinNotImplementedError/);
    expect(readFileSync(nb, "utf8")).toBe(before);
    const out = read_notebook(path.join(dir, "out.ipynb"));
    expect(out.metadata.kernelspec).toMatchObject({ name: "lowbit" });
    const html = readFileSync(path.join(dir, "out.html"), "utf8");
    expect(html).toContain("hello from lowbit");
    expect(html).toContain("plotly-graph-div");
    expect(html).toContain("StdinNotImplementedError");
  });

  it("keeps what a cell's top-level const holds nameable: figures, display wrappers, models' files", () => {
    const dir = tmp(), nb = path.join(dir, "consts.ipynb");
    const source = [
      "const f = viz.line([1, 2, 3]);", "const m = Markdown('# hi');", "const h = HTML('<b>x</b>');",
      "const t = torch.ones(2);", "const q = quanto.qint8;", "f",
    ].join("\n");
    writeFileSync(nb, JSON.stringify({
      cells: [{ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source }],
      metadata: { kernelspec: { name: "lowbit", display_name: "lowbit", language: "typescript" } }, nbformat: 4, nbformat_minor: 5,
    }));
    const r = lowbit(["run", nb]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.stringify(read_notebook(nb).cells[0])).toContain("application/vnd.plotly.v1+json");
  });

  it("stops a cell at --timeout, fails, and leaves the cells after it unrun", () => {
    const dir = tmp(), nb = path.join(dir, "slow.ipynb");
    const cells = ["while (true) {}", "1 + 1"].map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null }));
    writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    const r = lowbit(["run", nb, "--timeout", "2", "--allow-errors"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("TimeoutError: cell 0 did not finish within 2 s");
    const out = read_notebook(nb);
    expect(out.cells[0]!.outputs![0]).toMatchObject({ output_type: "error", ename: "KeyboardInterrupt" });
  });

  it("names a missing notebook and a bad --timeout", () => {
    expect(lowbit(["run", "/nonexistent/nb.ipynb"]).stderr).toContain("/nonexistent/nb.ipynb");
    expect(lowbit(["run", "x.ipynb", "--timeout", "soon"]).stderr).toContain("--timeout takes a number of seconds, got 'soon'");
  });
});

describe("lowbit lab without Jupyter", () => {
  const no_jupyter = { ...process.env, PATH: "/nonexistent" };

  it("says how to install JupyterLab or Notebook", () => {
    const r = lowbit(["lab", tmp()], no_jupyter);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pip install jupyterlab");
    expect(r.stderr).toContain("apt-get install jupyter-notebook");
  });

  it("with --run-if-missing runs every notebook into .lowbit-run/ and keeps the originals", () => {
    const dir = tmp(), nb = path.join(dir, "a.ipynb");
    write_fixture_notebook(nb);
    const before = readFileSync(nb, "utf8");
    const r = lowbit(["lab", dir, "--run-if-missing"], no_jupyter);
    expect(r.stderr).toContain("ran 1 notebook(s)");
    expect(readFileSync(nb, "utf8")).toBe(before);
    expect(existsSync(path.join(dir, ".lowbit-run", "a.html"))).toBe(true);
    const out = read_notebook(path.join(dir, ".lowbit-run", "a.ipynb"));
    expect(out.cells[1]!.outputs!.length).toBeGreaterThan(0);
  });
});
