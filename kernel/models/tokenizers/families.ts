// What transformers 4.40's fast tokenizer classes bring of their own when a repository's
// tokenizer_config.json does not say: default special tokens, model inputs, padding side, and
// whether they rebuild the post-processor from add_bos_token/add_eos_token.

export const SPECIAL_TOKEN_NAMES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;
export type SpecialTokenName = typeof SPECIAL_TOKEN_NAMES[number];

export interface Family {
  /** The fast class transformers instantiates (its repr name). */
  class_name: string;
  special: Partial<Record<SpecialTokenName, string>>;
  model_input_names: string[];
  padding_side: "right" | "left";
  /** Defaults of add_bos_token/add_eos_token where the class turns them into the post-processor. */
  bos_eos?: { add_bos_token: boolean; add_eos_token: boolean };
}

const PLAIN = ["input_ids", "attention_mask"];
const ENDOFTEXT = { bos_token: "<|endoftext|>", eos_token: "<|endoftext|>", unk_token: "<|endoftext|>" };

const FAMILIES: Record<string, Family> = {
  T5: { class_name: "T5TokenizerFast", special: { eos_token: "</s>", unk_token: "<unk>", pad_token: "<pad>" }, model_input_names: PLAIN, padding_side: "right" },
  Bert: {
    class_name: "BertTokenizerFast",
    special: { unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]", mask_token: "[MASK]" },
    model_input_names: ["input_ids", "token_type_ids", "attention_mask"], padding_side: "right",
  },
  GPTNeoX: { class_name: "GPTNeoXTokenizerFast", special: ENDOFTEXT, model_input_names: PLAIN, padding_side: "right", bos_eos: { add_bos_token: false, add_eos_token: false } },
  GPT2: { class_name: "GPT2TokenizerFast", special: ENDOFTEXT, model_input_names: PLAIN, padding_side: "right" },
  Llama: {
    class_name: "LlamaTokenizerFast", special: { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>" },
    model_input_names: PLAIN, padding_side: "left", bos_eos: { add_bos_token: true, add_eos_token: false },
  },
  PreTrained: { class_name: "PreTrainedTokenizerFast", special: {}, model_input_names: PLAIN, padding_side: "right" },
};

/** config.json model_type -> the tokenizer family AutoTokenizer picks for it. */
const BY_MODEL_TYPE: Record<string, string> = {
  t5: "T5", mt5: "T5", bert: "Bert", blip: "Bert", gpt_neox: "GPTNeoX", gpt2: "GPT2", opt: "GPT2", llama: "Llama",
};

/**
 * The family of a tokenizer_class name ("T5Tokenizer", "BertTokenizerFast", ...), else of the
 * model_type, else of the file the tokenizer is built from.
 */
export function family_of(tokenizer_class: string | undefined, model_type: string | undefined, fallback: string): Family {
  const name = tokenizer_class?.replace(/(Fast)?$/, "").replace(/Tokenizer$/, "");
  if (name !== undefined && FAMILIES[name]) return FAMILIES[name];
  if (name !== undefined) return { ...FAMILIES.PreTrained!, class_name: tokenizer_class!.endsWith("Fast") ? tokenizer_class! : `${tokenizer_class}Fast` };
  return FAMILIES[BY_MODEL_TYPE[model_type ?? ""] ?? fallback]!;
}
