// Where the shared reference fixtures live: ../shared/fixtures beside the checkout (as on CI),
// or LOWBIT_FIXTURES.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = process.env.LOWBIT_FIXTURES ?? path.resolve(REPO_ROOT, "..", "shared", "fixtures");

export function fixture(...parts: string[]): string {
  const p = path.join(FIXTURES, ...parts);
  if (!existsSync(p)) throw new Error(`fixture ${p} not found (set LOWBIT_FIXTURES to the shared fixtures folder)`);
  return p;
}

export function fixture_json<T = any>(...parts: string[]): T {  // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(fixture(...parts), "utf8"));
}

/** The fixture JSON writes non-finite floats as strings. */
export function num(v: number | string): number {
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return Number(v);
}
