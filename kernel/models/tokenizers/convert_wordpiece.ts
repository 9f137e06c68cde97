// vocab.txt -> tokenizer.json, as transformers' BertConverter builds BertTokenizerFast.
import { template_processing, TokenizerJSON } from "./tokenizer_json.js";

export interface WordPieceOptions {
  do_lower_case: boolean;
  tokenize_chinese_chars: boolean;
  strip_accents: boolean | null;
  unk_token: string;
  cls_token: string;
  sep_token: string;
}

/** One token per line, its id the line number (BERT's load_vocab). */
export function read_vocab_txt(text: string): Record<string, number> {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const vocab: Record<string, number> = {};
  lines.forEach((line, i) => { vocab[line.replace(/\r$/, "")] = i; });
  return vocab;
}

export function convert_wordpiece(vocab: Record<string, number>, o: WordPieceOptions, file: string): TokenizerJSON {
  const id = (t: string): number => {
    const i = vocab[t];
    if (i === undefined) throw new Error(`${file} has no "${t}" entry, which the BERT template "${o.cls_token} $A ${o.sep_token}" needs`);
    return i;
  };
  const cls = o.cls_token, sep = o.sep_token;
  return {
    version: "1.0", truncation: null, padding: null, added_tokens: [],
    normalizer: {
      type: "BertNormalizer", clean_text: true, handle_chinese_chars: o.tokenize_chinese_chars,
      strip_accents: o.strip_accents, lowercase: o.do_lower_case,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: template_processing(`${cls}:0 $A:0 ${sep}:0`, `${cls}:0 $A:0 ${sep}:0 $B:1 ${sep}:1`, { [cls]: id(cls), [sep]: id(sep) }),
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: o.unk_token, continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
}
