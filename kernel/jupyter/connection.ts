// The connection file Jupyter writes for a kernel: transport, ports and the HMAC key.
import { readFileSync } from "node:fs";
import net from "node:net";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

export function read_connection_file(path: string): ConnectionInfo {
  let info: ConnectionInfo;
  try {
    info = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the connection file ${path}: ${(e as Error).message}`);
  }
  for (const k of ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const) {
    if (typeof info[k] !== "number") throw new Error(`connection file ${path}: ${k} is missing or not a number`);
  }
  info.transport ??= "tcp";
  info.ip ??= "127.0.0.1";
  info.key ??= "";
  info.signature_scheme ??= "hmac-sha256";
  if (info.key && info.signature_scheme !== "hmac-sha256") {
    throw new Error(`connection file ${path}: signature scheme '${info.signature_scheme}' is not supported (hmac-sha256 is)`);
  }
  return info;
}

/** The zeromq address of a channel: tcp://ip:port, or ipc://ip-port as Jupyter names ipc files. */
export function address(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port` as const];
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}

/** A TCP port on loopback that nothing listens on right now (for a new kernel's channels). */
export function free_port(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
