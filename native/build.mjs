// Builds the native addon (build/Release/lowbit.node) with node-gyp at `npm install`.
// A machine without a compiler still gets a working lowbit: the TypeScript reference kernels
// take over and lowbit says so once when loaded. LOWBIT_REQUIRE_NATIVE=1 (CI) makes a failed
// build fail the install instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

function nodeGyp() {
  // npm exposes its bundled node-gyp to lifecycle scripts; fall back to a local or global one.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  try {
    return [process.execPath, require.resolve("node-gyp/bin/node-gyp.js")];
  } catch {
    return ["node-gyp"];
  }
}

const [cmd, ...pre] = nodeGyp();
const jobs = String(Math.max(1, (await import("node:os")).availableParallelism()));
const args = [...pre, "rebuild", "--release", "-j", jobs];
if (process.env.npm_config_nodedir === undefined && existsSync("/usr/include/node/node_api.h")) {
  args.push("--nodedir=/usr");  // Debian's headers: no download needed
}
console.log(`lowbit: building the native kernels (${[cmd, ...args].map((a) => path.basename(a)).join(" ")})`);
const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  const why = r.error ? r.error.message : `exit code ${r.status}`;
  const msg =
    `lowbit: the native kernels did not build (${why}). lowbit still works on its TypeScript ` +
    `reference kernels, only slower. To build them, install a C++ compiler, make and python3 ` +
    `(Debian: apt-get install g++ make python3) and run \`npm run build\`.`;
  if (process.env.LOWBIT_REQUIRE_NATIVE === "1") {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
}
