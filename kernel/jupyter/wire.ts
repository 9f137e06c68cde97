// The Jupyter wire protocol (messaging 5.3): identities, the <IDS|MSG> delimiter, an HMAC-SHA256
// signature over the four JSON frames, then header, parent header, metadata, content and buffers.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  subshell_id?: string | null;
}

export interface Message<C = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Why an incoming message was refused; the kernel logs it and goes on. */
export class WireError extends Error {}

export class Signer {
  private readonly key: Buffer;
  constructor(key: string) {
    this.key = Buffer.from(key, "utf8");
  }
  get enabled(): boolean {
    return this.key.length > 0;
  }
  sign(frames: readonly (Buffer | string)[]): string {
    if (!this.enabled) return "";
    const h = createHmac("sha256", this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }
  verify(signature: Buffer, frames: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const want = Buffer.from(this.sign(frames), "utf8");
    return signature.length === want.length && timingSafeEqual(signature, want);
  }
}

function parse_json(frame: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(frame.toString("utf8"));
  } catch (e) {
    throw new WireError(`${what} is not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new WireError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Decodes and verifies the frames of one incoming message. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const d = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (d < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < d + 6) throw new WireError(`only ${frames.length - d - 1} frames after the delimiter, 5 needed`);
  const [signature, h, p, m, c] = frames.slice(d + 1, d + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  if (!signer.verify(signature, [h, p, m, c])) throw new WireError("bad signature");
  const header = parse_json(h, "header") as unknown as Header;
  if (typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
    throw new WireError("header lacks msg_type or msg_id");
  }
  return {
    identities: frames.slice(0, d),
    header,
    parent_header: parse_json(p, "parent header") as Partial<Header>,
    metadata: parse_json(m, "metadata"),
    content: parse_json(c, "content"),
    buffers: frames.slice(d + 6),
  };
}

/** The frames of an outgoing message. */
export function encode(msg: Omit<Message<unknown>, "buffers"> & { buffers?: Buffer[] }, signer: Signer): Buffer[] {
  const json = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) => Buffer.from(JSON.stringify(x), "utf8"));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(json)), ...json, ...(msg.buffers ?? [])];
}

/** A header for a new message of `session`. */
export function new_header(msg_type: string, session: string, username = "lowbit"): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type, version: PROTOCOL_VERSION };
}
