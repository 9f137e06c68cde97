// The three real tokenizers of the fixtures, every reference string: pythia from its
// tokenizer.json, flan-t5 converted from spiece.model, bert-base-uncased converted from vocab.txt.
import { describe, expect, test } from "vitest";
import { AutoTokenizer } from "../../kernel/models/tokenizers/index.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface Case { text: string; ids: number[]; tokens?: string[]; pieces?: string[]; ids_with_eos?: number[]; ids_with_special?: number[]; decoded?: string }
const cases = (name: string): Case[] => fixture_json(`tokenizers/${name}/reference.json`).cases;

describe("pythia (tokenizer.json, byte-level BPE)", async () => {
  const tok = await AutoTokenizer.from_pretrained(fixture("tokenizers/pythia"));
  test.each(cases("pythia"))("%#: $text", (c) => {
    expect(tok(c.text).input_ids).toEqual(c.ids);
    expect(tok.encode(c.text)).toEqual(c.ids);
    expect(tok.tokenize(c.text)).toEqual(c.tokens);
    expect(tok.convert_ids_to_tokens(c.ids)).toEqual(c.tokens);
    expect(tok.decode(c.ids, { clean_up_tokenization_spaces: false })).toBe(c.text.normalize("NFC"));
  });
});

describe("flan-t5 (spiece.model converted to Unigram)", async () => {
  const tok = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"));
  test.each(cases("flan-t5"))("%#: $text", (c) => {
    expect(tok(c.text, { add_special_tokens: false }).input_ids).toEqual(c.ids);
    expect(tok(c.text).input_ids).toEqual(c.ids_with_eos);
    expect(tok.convert_ids_to_tokens(c.ids)).toEqual(c.pieces);
    // sentencepiece writes <unk> as " ⁇ "; transformers skips it as a special token, so compare where there is none
    if (!c.ids.includes(2)) expect(tok.decode(c.ids_with_eos!, { skip_special_tokens: true, clean_up_tokenization_spaces: false })).toBe(c.decoded);
  });
});

describe("bert-base-uncased (vocab.txt converted to WordPiece)", async () => {
  const tok = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));
  test.each(cases("bert-base-uncased"))("%#: $text", (c) => {
    expect(tok(c.text, { add_special_tokens: false }).input_ids).toEqual(c.ids);
    expect(tok(c.text).input_ids).toEqual(c.ids_with_special);
    expect(tok.convert_ids_to_tokens(c.ids)).toEqual(c.tokens);
  });
});
