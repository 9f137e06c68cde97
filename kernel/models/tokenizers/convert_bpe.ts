// vocab.json + merges.txt -> tokenizer.json, as transformers' GPT2Converter builds the fast
// tokenizer of GPT-2-style checkpoints that ship no tokenizer.json (OPT): byte-level BPE, and
// `bos $A` when the config asks for add_bos_token (OPT does).
import { template_processing, TokenizerJSON } from "./tokenizer_json.js";

export interface BPEOptions {
  add_prefix_space: boolean;
  /** The BOS token to prepend, or null for none. */
  bos_token: string | null;
}

/**
 * merges.txt: a "#version" header line, then one "left right" pair per line (GPT2Tokenizer's
 * reading), kept in that form: the merges format every `tokenizers` version reads.
 */
export function read_merges_txt(text: string, file: string): string[] {
  const lines = text.split("\n").slice(1).filter((l) => l !== "");
  lines.forEach((line, i) => {
    if (line.split(" ").length !== 2) throw new Error(`${file} line ${i + 2}: expected two space-separated symbols, got ${JSON.stringify(line)}`);
  });
  return lines;
}

export function convert_bpe(vocab: Record<string, number>, merges: string[], o: BPEOptions, file: string): TokenizerJSON {
  const byte_level = { type: "ByteLevel", add_prefix_space: o.add_prefix_space, trim_offsets: true, use_regex: true };
  let post_processor: object = { ...byte_level, trim_offsets: false };
  if (o.bos_token !== null) {
    const bos = vocab[o.bos_token];
    if (bos === undefined) throw new Error(`${file} has no "${o.bos_token}" entry, which add_bos_token needs`);
    post_processor = template_processing(`${o.bos_token}:0 $A:0`, `${o.bos_token}:0 $A:0 $B:1`, { [o.bos_token]: bos });
  }
  return {
    version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: byte_level, post_processor, decoder: byte_level,
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
      fuse_unk: false, byte_fallback: false, vocab, merges,
    },
  };
}
