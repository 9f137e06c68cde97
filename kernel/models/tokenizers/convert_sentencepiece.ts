// spiece.model -> tokenizer.json, as transformers' T5Converter builds T5TokenizerFast (and as the
// tokenizer.json published with t5/flan-t5 reads): Unigram over the pieces, the model's own
// precompiled normalizer, whitespace split + Metaspace (sentencepiece's whitespace collapsing and
// "▁" prefix), `$A </s>`, and <extra_id_N> sentinels appended in reverse order.
import { PieceType, SentencePieceModel } from "./sentencepiece_model.js";
import { added_token, template_processing, TokenizerJSON } from "./tokenizer_json.js";

const METASPACE = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true };

export function convert_sentencepiece(m: SentencePieceModel, file: string, extra_ids: number): TokenizerJSON {
  if (m.model_type !== 1) {
    throw new Error(`${file} is a SentencePiece ${m.model_type === 2 ? "BPE" : `type-${m.model_type}`} model; only unigram (T5-style) models are converted. Use the repository's tokenizer.json instead.`);
  }
  const vocab: [string, number][] = m.pieces.map((p) => [p.piece, p.score]);
  for (let i = extra_ids - 1; i >= 0; i--) vocab.push([`<extra_id_${i}>`, 0]);
  // control and unknown pieces are special added tokens, user-defined ones plain added tokens
  const added = m.pieces.flatMap((p, id) =>
    p.type === PieceType.CONTROL || p.type === PieceType.UNKNOWN || p.type === PieceType.USER_DEFINED
      ? [added_token(id, p.piece, p.type !== PieceType.USER_DEFINED)] : []);
  for (let id = m.pieces.length; id < vocab.length; id++) added.push(added_token(id, vocab[id]![0], true));
  const eos = m.pieces.findIndex((p) => p.piece === "</s>");
  if (eos < 0) throw new Error(`${file} has no "</s>" piece, which the T5 template "$A </s>" needs`);
  const charsmap = Buffer.from(m.precompiled_charsmap).toString("base64");
  return {
    version: "1.0", truncation: null, padding: null, added_tokens: added,
    normalizer: charsmap ? { type: "Precompiled", precompiled_charsmap: charsmap } : null,
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, METASPACE] },
    post_processor: template_processing("$A:0 </s>:0", "$A:0 </s>:0 $B:0 </s>:0", { "</s>": eos }),
    decoder: METASPACE,
    model: { type: "Unigram", unk_id: m.unk_id, vocab, byte_fallback: false },
  };
}
