// SentencePiece's ModelProto (spiece.model / tokenizer.model): the pieces with their scores and
// types, the trainer settings the converters need, and the normalizer's precompiled charsmap.
// Field numbers are those of sentencepiece_model.proto.
import { f32, fields, int32, WireValue } from "./protobuf.js";

/** SentencePiece.Type */
export enum PieceType { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 }

export interface SentencePiece { piece: string; score: number; type: PieceType }

export interface SentencePieceModel {
  pieces: SentencePiece[];
  /** TrainerSpec.model_type: 1 unigram, 2 BPE, 3 word, 4 char. */
  model_type: number;
  unk_id: number;
  byte_fallback: boolean;
  precompiled_charsmap: Uint8Array;
  add_dummy_prefix: boolean;
  remove_extra_whitespaces: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function bytes(v: WireValue, where: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new Error(`${where}: expected a length-delimited field`);
  return v;
}

function piece(buf: Uint8Array, where: string): SentencePiece {
  const p: SentencePiece = { piece: "", score: 0, type: PieceType.NORMAL };
  for (const [f, v] of fields(buf, where)) {
    if (f === 1) p.piece = utf8.decode(bytes(v, where));
    else if (f === 2) p.score = f32(v);
    else if (f === 3) p.type = Number(v);
  }
  return p;
}

/** Parses the serialized ModelProto; `where` names the file in errors. */
export function parse_sentencepiece_model(buf: Uint8Array, where: string): SentencePieceModel {
  const m: SentencePieceModel = {
    pieces: [], model_type: 1, unk_id: 0, byte_fallback: false,
    precompiled_charsmap: new Uint8Array(0), add_dummy_prefix: true, remove_extra_whitespaces: true,
  };
  const seen = new Set<number>();
  for (const [f, v] of fields(buf, where)) {
    seen.add(f);
    if (f === 1) m.pieces.push(piece(bytes(v, where), where));
    else if (f === 2) {
      for (const [tf, tv] of fields(bytes(v, where), `${where} (trainer_spec)`)) {
        if (tf === 3) m.model_type = Number(tv);
        else if (tf === 35) m.byte_fallback = tv !== 0;
        else if (tf === 40) m.unk_id = int32(tv);
      }
    } else if (f === 3) {
      for (const [nf, nv] of fields(bytes(v, where), `${where} (normalizer_spec)`)) {
        if (nf === 2) m.precompiled_charsmap = bytes(nv, where);
        else if (nf === 3) m.add_dummy_prefix = nv !== 0;
        else if (nf === 4) m.remove_extra_whitespaces = nv !== 0;
      }
    }
  }
  if (m.pieces.length === 0) throw new Error(`${where}: no pieces found; this is not a SentencePiece model file`);
  // sentencepiece writes the pieces first and its specs after them, so a file cut between two
  // pieces still parses: the missing specs give it away
  if (!seen.has(2) || !seen.has(3)) throw new Error(`${where}: no trainer_spec/normalizer_spec after the ${m.pieces.length} pieces; the file is truncated or not a SentencePiece model`);
  if (m.unk_id < 0 || m.unk_id >= m.pieces.length) throw new Error(`${where}: unk_id ${m.unk_id} is outside the ${m.pieces.length} pieces`);
  return m;
}
