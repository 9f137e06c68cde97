#!/usr/bin/env node
// The `lowbit` command.
import { parseArgs } from "node:util";
import { package_version } from "./package.js";
import { native_addon, native_unavailable_reason } from "./tensor/backend/index.js";

const HELP = `lowbit: LLM quantization in TypeScript, with PyTorch's numerics

usage: lowbit <command> [options]

commands:
  lab [DIR]             JupyterLab (or Notebook) on DIR with the lowbit kernel (default: notebooks/)
                          --run-if-missing   without Jupyter, run every notebook headless instead
  run NB.ipynb          execute a notebook headless and write its outputs back
                          --output OUT.ipynb  write there instead of into NB
                          --html OUT.html     also write a standalone HTML page
                          --timeout S         seconds per cell (default: none)
                          --allow-errors      keep running after a failing cell
  install               write the Jupyter kernelspec
                          --user (default) | --sys-prefix | --prefix DIR
  kernel FILE           the Jupyter kernel on connection file FILE (what Jupyter starts)
  demo                  a short tour in the terminal: data types, downcasting, a bf16 model
  info                  the native kernels in use (instruction set, threads) or why they are not
  help, version
`;

function info(): void {
  const n = native_addon();
  if (!n) {
    console.log(`native kernels: unavailable (${native_unavailable_reason()}); using the TypeScript reference kernels`);
    return;
  }
  const i = n.info();
  const features = ["avx2", "avx512", "avx512_bf16", "avx512_vnni"].filter((f) => i[f as keyof typeof i]);
  console.log(`native kernels: ${i.isa} (CPU supports: ${features.join(", ") || "baseline x86-64 only"})`);
  console.log(`threads: ${i.threads} of ${i.max_threads}`);
}

type Flags = Record<string, { type: "string" | "boolean" }>;

/** Parses a command's flags; values come back as strings or true. */
function parse(args: string[], options: Flags): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const r = parseArgs({ args, options, allowPositionals: true, strict: true });
  return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
}

async function main(argv: string[]): Promise<number> {
  const [cmd = "help", ...rest] = argv;
  switch (cmd) {
    case "kernel": {
      await (await import("./jupyter/main.js")).run_kernel(rest[0]);
      return 0;
    }
    case "lab": {
      const a = parse(rest, { "run-if-missing": { type: "boolean" } });
      return (await import("./jupyter/lab.js")).lab(a.positionals[0] ?? "notebooks", { run_if_missing: !!a.values["run-if-missing"] });
    }
    case "run": {
      const a = parse(rest, {
        output: { type: "string" }, html: { type: "string" }, timeout: { type: "string" }, "allow-errors": { type: "boolean" },
      });
      const file = a.positionals[0];
      if (!file) throw new UsageError("run: which notebook? (lowbit run NB.ipynb)");
      const timeout = a.values.timeout === undefined ? undefined : Number(a.values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`run: --timeout takes a number of seconds, got '${a.values.timeout}'`);
      const { run_notebook } = await import("./jupyter/run.js");
      const r = await run_notebook(file, {
        output: a.values.output as string | undefined, html: a.values.html as string | undefined,
        timeout_s: timeout, allow_errors: !!a.values["allow-errors"],
      });
      const out = (a.values.output as string | undefined) ?? file;
      for (const e of r.errors) process.stderr.write(`lowbit run: cell ${e.cell} failed: ${e.ename}: ${e.evalue}\n`);
      process.stderr.write(`lowbit run: outputs written to ${out}\n`);
      // as nbconvert: --allow-errors accepts failing cells, never a timeout
      const fatal = a.values["allow-errors"] ? r.errors.filter((e) => e.ename === "TimeoutError") : r.errors;
      return fatal.length ? 1 : 0;
    }
    case "install": {
      const a = parse(rest, { user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" } });
      const chosen = [a.values.user, a.values["sys-prefix"], a.values.prefix !== undefined].filter(Boolean).length;
      if (chosen > 1) throw new UsageError("install: choose one of --user, --sys-prefix and --prefix DIR");
      const { install_kernelspec } = await import("./jupyter/kernelspec.js");
      const dest = install_kernelspec(
        a.values.prefix !== undefined ? { kind: "prefix", dir: a.values.prefix as string }
          : a.values["sys-prefix"] ? { kind: "sys-prefix" } : { kind: "user" });
      console.log(`installed the lowbit kernelspec in ${dest}`);
      return 0;
    }
    case "demo":
      (await import("./demo.js")).demo();
      return 0;
    case "info":
      info();
      return 0;
    case "version":
    case "--version":
      console.log(package_version());
      return 0;
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    if (code) process.exitCode = code;
  },
  (e: Error) => {
    const usage = e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`lowbit: ${e.message}\n${usage ? `\n${HELP}` : ""}`);
    process.exitCode = usage ? 2 : 1;
  },
);
