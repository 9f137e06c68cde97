// Where this package lives (source kernel/... or built dist/kernel/...), and its version: the
// native addon, the kernelspec, kernel_info and `lowbit version` all find them here.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | null = null;

/** The lowbit package's root directory (where its package.json is). */
export function package_root(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, "package.json");
    if (existsSync(pj) && JSON.parse(readFileSync(pj, "utf8")).name === "lowbit") return (root = dir);
    dir = path.dirname(dir);
  }
  throw new Error("cannot find the lowbit package root");
}

export function package_version(): string {
  return JSON.parse(readFileSync(path.join(package_root(), "package.json"), "utf8")).version as string;
}
