// tokenizer_config.json / special_tokens_map.json values: special tokens are written either as
// strings or as AddedToken objects ({"content": ..., "lstrip": ...}); both are read here.
import { AddedTokenJSON } from "./tokenizer_json.js";

export type TokenizerConfig = Record<string, unknown>;

/** The text of a special-token value, or null for None; throws naming the key on anything else. */
export function token_content(v: unknown, key: string, file: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  throw new Error(`${file}: "${key}" must be a token string or an object with a "content" string, got ${JSON.stringify(v)}`);
}

/** An AddedToken value as the added-token flags it carries (special tokens are never normalized unless they say so). */
export function token_flags(v: unknown, content: string): Omit<AddedTokenJSON, "id"> {
  const o = typeof v === "object" && v !== null ? v as Partial<AddedTokenJSON> : {};
  return {
    content, single_word: o.single_word ?? false, lstrip: o.lstrip ?? false, rstrip: o.rstrip ?? false,
    normalized: o.normalized ?? false, special: o.special ?? true,
  };
}

/** tokenizer_config.json's added_tokens_decoder ({"0": {content, special, ...}}) as added tokens. */
export function added_tokens_decoder(config: TokenizerConfig, file: string): AddedTokenJSON[] {
  const d = config.added_tokens_decoder;
  if (d === undefined || d === null) return [];
  if (typeof d !== "object" || Array.isArray(d)) throw new Error(`${file}: "added_tokens_decoder" must be an object mapping ids to tokens`);
  return Object.entries(d as Record<string, unknown>).map(([id, v]) => {
    const content = token_content(v, `added_tokens_decoder.${id}`, file);
    if (content === null || !/^\d+$/.test(id)) throw new Error(`${file}: added_tokens_decoder entry "${id}" needs an integer id and a token`);
    return { id: Number(id), ...token_flags(v, content), special: (v as { special?: boolean }).special ?? false };
  });
}
