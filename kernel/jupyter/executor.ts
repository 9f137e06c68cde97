// Runs notebook cells: tslab's converter type-checks and transpiles each cell against the
// declarations of the cells before it; the JavaScript runs in this process with vm's
// breakOnSigint, so an interrupt stops a synchronous loop, and variables live across cells as
// properties of one `exports` object (tslab's scheme). lowbit's API is preloaded: each of its exports
// is declared to every cell and present at run time, and `import ... from "lowbit"` resolves to it
// from any notebook directory.
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { native_addon } from "../tensor/backend/index.js";
import type { InterruptState } from "./interrupt.js";
import { LineMap, mark_lines, unmark_column } from "./line_markers.js";
import { format_diagnostics, format_error, type CellError, type CellRecord } from "./traceback.js";
import { create_converter, isCompleteCode, ts, type Converter } from "./typescript.js";

export type ExecResult =
  | { status: "ok"; has_value: boolean; value?: unknown }
  | { status: "error"; error: CellError };

/** A name every cell sees: its value, and its TypeScript declaration when it is not a lowbit export. */
export interface Global {
  value: unknown;
  decl?: string;
}

export class KeyboardInterrupt extends Error {
  constructor(message = "interrupted by the user") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/** The value of a cell's last expression stays out of the variables (tslab names it tsLastExpr). */
function exports_object(): Record<string, unknown> {
  const store: Record<string, unknown> = {};
  return new Proxy(store, {
    // the converter turns `import { x }` into a getter; keep the value so later cells can reassign x
    defineProperty(_t, prop, attrs) {
      if (prop === "__esModule") return true;
      store[prop as string] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}

export class Executor {
  private conv: Converter | null = null;
  private prev_decl: string;
  private readonly exports = exports_object();
  private readonly require: NodeJS.Require;
  readonly cells = new Map<string, CellRecord>();
  private interrupt_pending: ((e: Error) => void) | null = null;
  private counter = 0;

  constructor(
    private readonly cwd: string,
    api: Record<string, unknown>,
    private readonly interrupts: InterruptState,
    globals: Record<string, Global> = {},
  ) {
    const names = Object.keys(api).filter((k) => k !== "default");
    this.prev_decl = `import { ${names.join(", ")} } from "lowbit";\n` +
      Object.values(globals).map((g) => g.decl ?? "").join("\n") + "\n";
    for (const k of names) this.exports[k] = api[k];
    for (const [k, g] of Object.entries(globals)) this.exports[k] = g.value;
    const req = createRequire(path.join(cwd, "__cell__.js"));
    this.require = Object.assign((id: string) => (id === "lowbit" ? api : req(id)), req);
    // the wrapper of every cell reaches these through one global
    (globalThis as Record<string, unknown>).__lowbit_cell__ = { exports: this.exports, require: this.require };
  }

  /** Creates tslab's converter now (it takes a few hundred milliseconds) rather than at the first
   *  cell, and has it load lowbit's declarations, which the first cell would otherwise wait for. */
  warm(): void {
    this.converter().convert(this.prev_decl, "");
  }

  private converter(): Converter {
    this.conv ??= create_converter(this.cwd);
    return this.conv;
  }

  /** Stops a pending top-level await of the running cell, if an interrupt was requested for it. */
  interrupt(): void {
    if (this.interrupts.requested) this.interrupt_pending?.(new KeyboardInterrupt());
  }

  /** Type-checks, transpiles and runs one cell; label names it in tracebacks, e.g. "[3]". */
  async execute(code: string, label: string): Promise<ExecResult> {
    this.interrupts.clear();
    native_addon()?.clearInterrupt();
    const marked = mark_lines(code);
    const r = this.converter().convert(this.prev_decl, marked.text);
    if (r.diagnostics.length > 0) {
      const diags = r.diagnostics.map((d) => ({
        line: d.start.line,
        column: unmark_column(marked, d.start.line, d.start.character),
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      }));
      return { status: "error", error: format_diagnostics(label, code, diags) };
    }
    if (!r.output) {
      this.prev_decl = r.declOutput ?? this.prev_decl;
      return { status: "ok", has_value: false };
    }
    const filename = `cell-${++this.counter}.js`;
    const prefix = r.hasToplevelAwait ? "(async function (exports, require) { " : "(function (exports, require) { ";
    const js = `${prefix}${r.output}\n})(__lowbit_cell__.exports, __lowbit_cell__.require)`;
    this.cells.set(filename, { label, source: code, map: new LineMap(r.output), prefix: prefix.length });
    try {
      // interrupted while type-checking: the cell does not start
      if (this.interrupts.requested) throw new KeyboardInterrupt();
      let ret: unknown;
      this.interrupts.running_sync = true;
      try {
        ret = vm.runInThisContext(js, { filename, breakOnSigint: true });
      } finally {
        this.interrupts.running_sync = false;
      }
      if (r.hasToplevelAwait) {
        if (this.interrupts.requested) throw new KeyboardInterrupt();
        await Promise.race([ret, new Promise((_, reject) => (this.interrupt_pending = reject))]);
      }
    } catch (e) {
      // what the cell declared before it failed stays declared, as Python's variables do
      this.prev_decl = r.declOutput ?? this.prev_decl;
      return { status: "error", error: format_error(interrupt_error(e), this.cells) };
    } finally {
      this.interrupt_pending = null;
    }
    this.prev_decl = r.declOutput ?? this.prev_decl;
    const last = r.lastExpressionVar;
    if (!last || !(last in this.exports)) return { status: "ok", has_value: false };
    const value = this.exports[last];
    delete this.exports[last];
    return { status: "ok", has_value: value !== undefined, value };
  }

  /** Completions at a cursor offset: the replaced span and the candidates. */
  complete(code: string, cursor: number): { start: number; end: number; matches: string[] } {
    const info = this.converter().complete(this.prev_decl, code, cursor);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /** The type and documentation of what is at the cursor, as plain text, or null. */
  inspect(code: string, cursor: number): string | null {
    const info = this.converter().inspect(this.prev_decl, code, cursor);
    if (!info) return null;
    const signature = ts.displayPartsToString(info.displayParts);
    const doc = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
    return [signature, doc, ...tags].filter(Boolean).join("\n\n");
  }

  is_complete(code: string): { status: "complete" | "incomplete" | "invalid"; indent: string } {
    const r = isCompleteCode(code);
    if (!r.completed) return { status: "incomplete", indent: r.indent ?? "" };
    // complete but unparsable: the front end runs it anyway and shows the syntax error
    const { diagnostics } = ts.transpileModule(code, {
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleDetection: ts.ModuleDetectionKind.Force },
    });
    return { status: diagnostics?.length ? "invalid" : "complete", indent: "" };
  }

  close(): void {
    this.conv?.close();
  }
}

// vm's breakOnSigint throws a plain Error; the native kernels throw KeyboardInterrupt already
function interrupt_error(e: unknown): unknown {
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
    const k = new KeyboardInterrupt();
    // keep where it stopped: the frames that point into the cell
    k.stack = `${k.name}: ${k.message}\n${(e.stack ?? "").split("\n").slice(1).join("\n")}`;
    return k;
  }
  return e;
}
