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
  build                 lesson sources (lessons/*.md) -> learner notebooks (notebooks/*.ipynb)
                          --lessons DIR       the lesson sources (default: lessons/)
                          --out DIR           where the notebooks go (default: notebooks/ beside the lessons)
                          --instructor        the instructor notebooks instead (solutions and hidden tests kept)
                          --check             write nothing; fail if the notebooks differ from the build
  grade NB.ipynb|DIR    score submissions against their lesson, each in a fresh kernel
                          --lesson ID         the lesson (default: the notebook's metadata.lowbit.lesson)
                          --lessons DIR       the lesson sources (default: lessons/)
                          --timeout S         seconds per cell (default 60)
                          --total-timeout S   seconds per notebook (default 600)
                          --memory MB         the kernel's memory limit (default 2048)
                          --jobs N            submissions graded at once (default 2)
                          --format F          text | json | gradescope | prairielearn (default text)
                          --output FILE       write there instead of to stdout (e.g. results/results.json)
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
    case "build": {
      const a = parse(rest, { lessons: { type: "string" }, out: { type: "string" }, instructor: { type: "boolean" }, check: { type: "boolean" } });
      if (a.positionals.length) throw new UsageError(`build: unexpected argument '${a.positionals[0]}' (use --lessons DIR / --out DIR)`);
      const { build_command } = await import("./course/commands.js");
      return build_command({ lessons: a.values.lessons as string | undefined, out: a.values.out as string | undefined, instructor: !!a.values.instructor, check: !!a.values.check });
    }
    case "grade": {
      const a = parse(rest, {
        lesson: { type: "string" }, lessons: { type: "string" }, timeout: { type: "string" }, "total-timeout": { type: "string" },
        memory: { type: "string" }, jobs: { type: "string" }, format: { type: "string" }, output: { type: "string" },
      });
      const target = a.positionals[0];
      if (!target || a.positionals.length > 1) throw new UsageError("grade: which submission? (lowbit grade SUBMISSION.ipynb or lowbit grade DIR)");
      const { grade_command, parse_format } = await import("./course/commands.js");
      const memory = positive(a.values.memory, "grade: --memory takes megabytes");
      return grade_command(target, {
        lesson: a.values.lesson as string | undefined, lessons: a.values.lessons as string | undefined,
        cell_timeout_s: positive(a.values.timeout, "grade: --timeout takes seconds"),
        total_timeout_s: positive(a.values["total-timeout"], "grade: --total-timeout takes seconds"),
        memory_bytes: memory === undefined ? undefined : memory * 1024 * 1024,
        jobs: positive(a.values.jobs, "grade: --jobs takes a count"),
        format: parse_format(a.values.format as string | undefined), output: a.values.output as string | undefined,
      });
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

/** A flag's value as a positive number (undefined when the flag is absent). */
function positive(v: string | boolean | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new UsageError(`${what}, got '${v}'`);
  return n;
}

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
