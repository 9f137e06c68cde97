// Finds and reads a tokenizer's files through the hub contract: tokenizer.json when there is one,
// else the slow files converted as transformers' convert_slow_tokenizer does, plus the optional
// tokenizer_config.json / special_tokens_map.json / config.json that set special tokens and options.
import { readFileSync } from "node:fs";
import { HubOptions, try_cached_file } from "../hub/index.js";
import { TokenizerConfig } from "./config.js";
import { convert_bpe, read_merges_txt } from "./convert_bpe.js";
import { convert_sentencepiece } from "./convert_sentencepiece.js";
import { convert_wordpiece, read_vocab_txt } from "./convert_wordpiece.js";
import { family_of, Family } from "./families.js";
import { parse_sentencepiece_model } from "./sentencepiece_model.js";
import { check_tokenizer_json, TokenizerJSON } from "./tokenizer_json.js";

export interface TokenizerFiles {
  json: TokenizerJSON;
  /** tokenizer_config.json with special_tokens_map.json's tokens over it. */
  config: TokenizerConfig;
  family: Family;
  /** The file the tokenizer came from, for errors. */
  source: string;
}

const SOURCES = "tokenizer.json, spiece.model, vocab.txt, or vocab.json + merges.txt";

function read_json(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); the file is corrupt or truncated, delete it and download it again`);
  }
}

async function optional_object(repo: string, name: string, o: HubOptions): Promise<TokenizerConfig> {
  const file = await try_cached_file(repo, name, o);
  if (file === null) return {};
  const j = read_json(file);
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw new Error(`${file} must hold a JSON object`);
  return j as TokenizerConfig;
}

const flag = (config: TokenizerConfig, key: string, fallback: boolean): boolean => (config[key] as boolean | undefined) ?? fallback;
const text = (config: TokenizerConfig, key: string, fallback: string): string => {
  const v = config[key];
  return typeof v === "string" ? v : (v as { content?: string } | undefined)?.content ?? fallback;
};

/** The tokenizer of a local directory or hub id, with `user` options over its own configuration. */
export async function load_tokenizer_files(repo: string, o: HubOptions, user: TokenizerConfig): Promise<TokenizerFiles> {
  const config = { ...await optional_object(repo, "tokenizer_config.json", o), ...await optional_object(repo, "special_tokens_map.json", o), ...user };
  const model_type = (await optional_object(repo, "config.json", o)).model_type as string | undefined;
  const family = (fallback: string): Family => family_of(config.tokenizer_class as string | undefined, model_type, fallback);

  const tokenizer_json = await try_cached_file(repo, "tokenizer.json", o);
  if (tokenizer_json !== null) {
    return { json: check_tokenizer_json(read_json(tokenizer_json), tokenizer_json), config, family: family("PreTrained"), source: tokenizer_json };
  }
  const spiece = await try_cached_file(repo, "spiece.model", o);
  if (spiece !== null) {
    const extra_ids = (config.extra_ids as number | undefined) ?? 100;
    const json = convert_sentencepiece(parse_sentencepiece_model(readFileSync(spiece), spiece), spiece, extra_ids);
    return { json, config, family: family("T5"), source: spiece };
  }
  const vocab_txt = await try_cached_file(repo, "vocab.txt", o);
  if (vocab_txt !== null) {
    const f = family("Bert");
    const json = convert_wordpiece(read_vocab_txt(readFileSync(vocab_txt, "utf8")), {
      do_lower_case: flag(config, "do_lower_case", true),
      tokenize_chinese_chars: flag(config, "tokenize_chinese_chars", true),
      strip_accents: (config.strip_accents as boolean | null | undefined) ?? null,
      unk_token: text(config, "unk_token", f.special.unk_token ?? "[UNK]"),
      cls_token: text(config, "cls_token", f.special.cls_token ?? "[CLS]"),
      sep_token: text(config, "sep_token", f.special.sep_token ?? "[SEP]"),
    }, vocab_txt);
    return { json, config, family: f, source: vocab_txt };
  }
  const vocab_json = await try_cached_file(repo, "vocab.json", o);
  const merges_txt = vocab_json === null ? null : await try_cached_file(repo, "merges.txt", o);
  if (vocab_json !== null && merges_txt !== null) {
    const f = family("GPT2");
    const json = convert_bpe(read_json(vocab_json) as Record<string, number>, read_merges_txt(readFileSync(merges_txt, "utf8"), merges_txt), {
      add_prefix_space: flag(config, "add_prefix_space", false),
      bos_token: flag(config, "add_bos_token", false) ? text(config, "bos_token", f.special.bos_token ?? "<|endoftext|>") : null,
    }, vocab_json);
    return { json, config, family: f, source: vocab_json };
  }
  throw new Error(`Can't load a tokenizer for '${repo}': it has none of ${SOURCES}. Pass the directory or hub id of a model that ships its tokenizer.`);
}
