// tslab's converter (TypeScript 5 type-checking and transpiling each cell, with the declarations of
// earlier cells) set up for lowbit: `import ... from "lowbit"` and Node's types resolve from any
// notebook directory, the way tslab makes `import "tslab"` resolve.
import { createRequire } from "node:module";
import path from "node:path";
import type { Converter } from "tslab/dist/converter.js";
import { package_root } from "../package.js";

// TypeScript is one 8 MB CommonJS file. require() just compiles it; an ESM import would first
// sniff its module format and scan all of it for named exports (cjs-module-lexer), which cost
// about 0.3 s of every kernel start. Same module objects either way (require's cache).
const require = createRequire(import.meta.url);
const ts = require("@tslab/typescript-for-tslab") as typeof import("@tslab/typescript-for-tslab");
const { createConverter, isCompleteCode } = require("tslab/dist/converter.js") as typeof import("tslab/dist/converter.js");

let redirected = false;

// Paths under <cwd>/node_modules/lowbit go to this package, and <cwd>/node_modules/@types to the
// types this package depends on, unless the notebook directory really has them.
function redirect_module_paths(cwd: string, root: string): void {
  if (redirected) return;
  redirected = true;
  const fake = path.join(cwd, "node_modules");
  const map = (p: string): string => {
    if (!p.startsWith(fake + path.sep) && p !== fake) return p;
    const rest = p.slice(fake.length);
    if (rest === "/lowbit" || rest.startsWith("/lowbit/")) return root + rest.slice("/lowbit".length);
    if ((rest === "/@types" || rest.startsWith("/@types/")) && !real.directoryExists(path.join(fake, "@types"))) {
      return path.join(root, "node_modules") + rest;
    }
    return p;
  };
  const sys = ts.sys as unknown as Record<string, (p: string, ...r: unknown[]) => unknown>;
  const real = { directoryExists: ts.sys.directoryExists.bind(ts.sys) };
  for (const fn of ["fileExists", "readFile", "directoryExists", "realpath", "getDirectories"]) {
    const orig = sys[fn];
    if (typeof orig !== "function") continue;
    sys[fn] = function (this: unknown, p: string, ...rest: unknown[]) {
      return orig.call(this, map(p), ...rest);
    };
  }
  const dir_exists = sys.directoryExists!;
  sys.directoryExists = (p: string) => p === fake || p === path.join(fake, "@types") || (dir_exists(p) as boolean);
}

/** A converter for cells run in `cwd` (creating one takes a few hundred milliseconds). */
export function create_converter(cwd: string): Converter {
  redirect_module_paths(cwd, package_root());
  const prev = process.cwd();
  process.chdir(cwd);  // the converter roots its virtual files at the current directory
  try {
    return createConverter();
  } finally {
    process.chdir(prev);
  }
}

export { isCompleteCode, ts };
export type { Converter };
