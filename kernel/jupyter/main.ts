// `lowbit kernel CONNECTION_FILE`: the process Jupyter starts for a lowbit notebook.
import { Kernel } from "./kernel.js";
import { log } from "./log.js";

export async function run_kernel(connection_file: string | undefined): Promise<void> {
  if (!connection_file) {
    process.stderr.write("usage: lowbit kernel CONNECTION_FILE (Jupyter starts this; see `lowbit install`)\n");
    process.exitCode = 2;
    return;
  }
  process.on("unhandledRejection", (e) => log("unhandled rejection:", e instanceof Error ? e.stack : e));
  const kernel = new Kernel(connection_file);
  await kernel.start();
}
