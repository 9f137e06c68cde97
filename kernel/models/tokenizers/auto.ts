// AutoTokenizer.from_pretrained: the files of a directory or hub id, the family defaults of the
// tokenizer class they name, and the caller's options, assembled as transformers 4.40 does.
import { HubOptions } from "../hub/index.js";
import { added_tokens_decoder, token_content, token_flags, TokenizerConfig } from "./config.js";
import { SPECIAL_TOKEN_NAMES, SpecialTokenName } from "./families.js";
import { NO_MAX_LENGTH } from "./padding.js";
import { load_tokenizer_files } from "./sources.js";
import { PreTrainedTokenizer } from "./tokenizer.js";
import { add_tokens, model_vocab, template_processing, TokenizerJSON } from "./tokenizer_json.js";

/** from_pretrained's keyword arguments: hub options, and tokenizer_config.json keys to override. */
export interface TokenizerOptions extends HubOptions {
  padding_side?: "right" | "left";
  truncation_side?: "right" | "left";
  model_max_length?: number;
  clean_up_tokenization_spaces?: boolean;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
  bos_token?: string | null;
  eos_token?: string | null;
  unk_token?: string | null;
  sep_token?: string | null;
  pad_token?: string | null;
  cls_token?: string | null;
  mask_token?: string | null;
  additional_special_tokens?: string[];
  /** Accepted for transformers compatibility: the tokenizer is always the fast one. */
  use_fast?: boolean;
  [key: string]: unknown;
}

const HUB_KEYS = ["revision", "cache_dir", "local_files_only", "token", "force_download"] as const;

function token_id(j: TokenizerJSON, token: string): number | undefined {
  return j.added_tokens.find((t) => t.content === token)?.id ?? model_vocab(j).get(token);
}

/**
 * The post-processor GPTNeoX/Llama fast tokenizers rebuild from add_bos_token/add_eos_token
 * (their update_post_processor); left as the file has it when neither is asked for.
 */
function bos_eos_template(j: TokenizerJSON, add_bos: boolean, add_eos: boolean, bos: string | null, eos: string | null): TokenizerJSON {
  if (!add_bos && !add_eos) return j;
  if (add_bos && bos === null) throw new Error("add_bos_token = true but bos_token = null");
  if (add_eos && eos === null) throw new Error("add_eos_token = true but eos_token = null");
  const single = `${add_bos ? `${bos}:0 ` : ""}$A:0${add_eos ? ` ${eos}:0` : ""}`;
  const pair = `${single}${add_bos ? ` ${bos}:1` : ""} $B:1${add_eos ? ` ${eos}:1` : ""}`;
  const ids: Record<string, number> = {};
  for (const t of [add_bos ? bos : null, add_eos ? eos : null]) {
    if (t === null) continue;
    const id = token_id(j, t);
    if (id === undefined) throw new Error(`the special token ${JSON.stringify(t)} is not in the vocabulary`);
    ids[t] = id;
  }
  return { ...j, post_processor: template_processing(single, pair, ids) };
}

export class AutoTokenizer {
  static async from_pretrained(path_or_repo_id: string, o: TokenizerOptions = {}): Promise<PreTrainedTokenizer> {
    const hub: HubOptions = Object.fromEntries(HUB_KEYS.filter((k) => k in o).map((k) => [k, o[k]]));
    const user: TokenizerConfig = Object.fromEntries(Object.entries(o).filter(([k, v]) => !(HUB_KEYS as readonly string[]).includes(k) && k !== "use_fast" && v !== undefined));
    const { json, config, family, source } = await load_tokenizer_files(path_or_repo_id, hub, user);
    const file = `${path_or_repo_id} tokenizer_config.json`;

    const special = {} as Record<SpecialTokenName, string | null>;
    for (const k of SPECIAL_TOKEN_NAMES) special[k] = k in config ? token_content(config[k], k, file) : family.special[k] ?? null;
    const extra_ids = (config.extra_ids as number | undefined) ?? 100;
    const additional_raw = (config.additional_special_tokens as unknown[] | undefined)
      ?? (family.class_name === "T5TokenizerFast" ? Array.from({ length: extra_ids }, (_, i) => `<extra_id_${i}>`) : []);
    if (!Array.isArray(additional_raw)) throw new Error(`${file}: "additional_special_tokens" must be a list of tokens`);
    const additional = additional_raw.map((t, i) => token_content(t, `additional_special_tokens[${i}]`, file)!);

    // as PreTrainedTokenizerFast.__init__: every special token becomes a special added token
    const raw = (k: string): unknown => config[k] ?? special[k as SpecialTokenName];
    let j = add_tokens(json, [
      ...added_tokens_decoder(config, file),
      ...SPECIAL_TOKEN_NAMES.filter((k) => special[k] !== null).map((k) => token_flags(raw(k), special[k]!)),
      ...additional.map((t, i) => token_flags(additional_raw[i], t)),
    ]);
    if (family.bos_eos) {
      j = bos_eos_template(j, (config.add_bos_token as boolean | undefined) ?? family.bos_eos.add_bos_token,
        (config.add_eos_token as boolean | undefined) ?? family.bos_eos.add_eos_token, special.bos_token, special.eos_token);
    }
    const init_kwargs = Object.fromEntries(Object.entries(config).filter(([k]) =>
      !(SPECIAL_TOKEN_NAMES as readonly string[]).includes(k) && k !== "additional_special_tokens" && k !== "added_tokens_decoder"));
    try {
      return new PreTrainedTokenizer({
        json: j, class_name: family.class_name, name_or_path: path_or_repo_id, special, additional_special_tokens: additional,
        model_max_length: (config.model_max_length as number | undefined) ?? NO_MAX_LENGTH,
        padding_side: (config.padding_side as "right" | "left" | undefined) ?? family.padding_side,
        truncation_side: (config.truncation_side as "right" | "left" | undefined) ?? "right",
        clean_up_tokenization_spaces: (config.clean_up_tokenization_spaces as boolean | undefined) ?? true,
        model_input_names: (config.model_input_names as string[] | undefined) ?? family.model_input_names,
        init_kwargs,
      });
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }
}
