// The settings huggingface_hub reads from the environment, read at each call (a notebook may set
// them after loading lowbit): endpoint, cache folder, token, offline mode, progress bars.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const DEFAULT_REVISION = "main";

function expand_user(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

function truthy(v: string | undefined): boolean {
  return ["1", "ON", "YES", "TRUE"].includes((v ?? "").toUpperCase());
}

export function hf_endpoint(): string {
  return (process.env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
}

export function hf_home(): string {
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return expand_user(process.env.HF_HOME || path.join(xdg, "huggingface"));
}

/** cache_dir, else HF_HUB_CACHE (or its old name HUGGINGFACE_HUB_CACHE), else $HF_HOME/hub. */
export function hub_cache_dir(cache_dir?: string): string {
  return path.resolve(expand_user(cache_dir || process.env.HF_HUB_CACHE || process.env.HUGGINGFACE_HUB_CACHE || path.join(hf_home(), "hub")));
}

/** HF_HUB_OFFLINE=1 (or transformers' TRANSFORMERS_OFFLINE=1): use the cache only. */
export function is_offline(): boolean {
  return truthy(process.env.HF_HUB_OFFLINE) || truthy(process.env.TRANSFORMERS_OFFLINE);
}

export function progress_bars_disabled(): boolean {
  return truthy(process.env.HF_HUB_DISABLE_PROGRESS_BARS);
}

/** The token to send: the `token` option if a string; none if false; else HF_TOKEN, then the file
 *  `huggingface-cli login` writes ($HF_TOKEN_PATH or $HF_HOME/token). token: true insists on one. */
export function resolve_token(token: string | boolean | undefined): string | null {
  if (typeof token === "string") return token;
  if (token === false) return null;
  const file = expand_user(process.env.HF_TOKEN_PATH || path.join(hf_home(), "token"));
  const found = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || (existsSync(file) ? readFileSync(file, "utf8") : "");
  const t = found.trim() || null;
  if (token === true && !t) throw new Error(`token: true, but no token was found: set HF_TOKEN, or log in with \`huggingface-cli login\` (which writes ${file})`);
  return t;
}
