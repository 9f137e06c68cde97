// Real front ends executing a notebook through the kernel: `jupyter nbconvert --execute`, nbclient's
// NotebookClient, and `lowbit run` (our own client) must all see the same outputs.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { read_notebook, text, type Notebook, type Output } from "../../kernel/jupyter/notebook.js";
import { front_end, jupyter_env, KERNEL_CLI, PYTHON, python_has } from "../helpers/jupyter.js";
import { normalized, write_fixture_notebook } from "./notebook_fixture.js";

const available = front_end("nbconvert and nbclient", python_has("nbconvert", "nbclient", "nbformat"),
  "apt-get install python3-nbconvert python3-nbclient");

const NBCLIENT = `
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
src, dst, allow_errors = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
nb = nbformat.read(src, as_version=4)
try:
    NotebookClient(nb, timeout=120, allow_errors=allow_errors).execute()
except CellExecutionError as e:
    print("CellExecutionError", e.ename, file=sys.stderr)
nbformat.write(nb, dst)
`;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { env: jupyter_env(), encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stderr;
}

const outputs = (nb: Notebook, i: number): Output[] => nb.cells.filter((c) => c.cell_type === "code")[i]!.outputs!;
const plain = (o: Output): string => text((o.data as Record<string, string | string[]>)["text/plain"]!);

describe.skipIf(!available)("nbconvert, nbclient and lowbit run", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lowbit-nbconvert-"));
  const source = path.join(dir, "frontends.ipynb");
  let by_nbconvert: Notebook, by_nbclient: Notebook, by_lowbit: Notebook;

  beforeAll(() => {
    write_fixture_notebook(source);
    run(PYTHON, ["-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--output", "nbconvert.ipynb", source]);
    run(PYTHON, ["-c", NBCLIENT, source, path.join(dir, "nbclient.ipynb"), "1"]);
    run(process.execPath, [KERNEL_CLI, "run", source, "--output", path.join(dir, "lowbit.ipynb"), "--allow-errors"]);
    by_nbconvert = read_notebook(path.join(dir, "nbconvert.ipynb"));
    by_nbclient = read_notebook(path.join(dir, "nbclient.ipynb"));
    by_lowbit = read_notebook(path.join(dir, "lowbit.ipynb"));
  }, 600_000);

  it("nbconvert records streams, results, rich displays, a plot, errors and updated displays", () => {
    const nb = by_nbconvert;
    expect(outputs(nb, 0).map((o) => o.output_type)).toEqual(["stream", "execute_result"]);
    expect(text(outputs(nb, 0)[0]!.text as string[])).toBe("hello from lowbit\n");
    expect(plain(outputs(nb, 0)[1]!)).toBe("2");

    const [shown, sum] = outputs(nb, 1);
    expect(shown!.output_type).toBe("display_data");
    expect(plain(shown!)).toBe("tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  4.0000]])");
    expect(Object.keys(shown!.data as object)).toContain("text/html");
    expect(plain(sum!)).toBe("tensor(3.7500)");

    // updated in place by its own cell, then again by the last cell
    const updated = outputs(nb, 2);
    expect(updated).toHaveLength(1);
    expect(text((updated[0]!.data as Record<string, string>)["text/markdown"]!)).toBe("done");

    const plot = outputs(nb, 3)[0]!;
    const fig = (plot.data as Record<string, { data: { y: number[] }[]; layout: { title: { text: string } } }>)["application/vnd.plotly.v1+json"]!;
    expect(fig.data[0]!.y).toEqual([1, 3, 2]);
    expect(fig.layout.title.text).toBe("a plot");
    expect(text((plot.data as Record<string, string[]>)["text/html"]!)).toContain("Plotly.newPlot");

    const [native_error] = outputs(nb, 4);
    expect(native_error!.output_type).toBe("error");
    expect(String(native_error!.evalue)).toMatch(/2x3.*2x3|shape/);

    const [no_stdin] = outputs(nb, 5);
    expect(no_stdin!.ename).toBe("StdinNotImplementedError");

    expect(plain(outputs(nb, 6)[0]!)).toBe("'after the errors'");
    expect(nb.cells.filter((c) => c.cell_type === "code").map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("nbclient and lowbit run give exactly nbconvert's outputs", () => {
    expect(normalized(by_nbclient)).toEqual(normalized(by_nbconvert));
    expect(normalized(by_lowbit)).toEqual(normalized(by_nbconvert));
  });

  it("without allow_errors nbclient stops at the failing native op with its error name", () => {
    const r = run(PYTHON, ["-c", NBCLIENT, source, path.join(dir, "stopped.ipynb"), "0"]);
    expect(r).toMatch(/CellExecutionError \w+Error/);
    const nb = read_notebook(path.join(dir, "stopped.ipynb"));
    expect(outputs(nb, 4)[0]!.output_type).toBe("error");
    expect(outputs(nb, 5)).toEqual([]);
  });
});
