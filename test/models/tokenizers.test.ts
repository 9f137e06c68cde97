// Tokenizer behaviour around the pipelines: batching, padding sides, truncation, tensors,
// special tokens, decode options, saving, the other families' defaults, and bad input.
// Expected ids come from the fixtures' reference encodings.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { AutoTokenizer } from "../../kernel/models/tokenizers/index.js";
import { int64 } from "../../kernel/tensor/dtype.js";
import { Tensor } from "../../kernel/tensor/tensor.js";
import { fixture, fixture_json } from "../helpers/fixtures.js";

interface Case { text: string; ids: number[]; tokens: string[]; ids_with_eos: number[]; ids_with_special: number[]; decoded: string }
const cases = (name: string): Case[] => fixture_json(`tokenizers/${name}/reference.json`).cases;
const special_ids = (name: string): Record<string, number> => fixture_json(`tokenizers/${name}/reference.json`).special_ids;
const T5 = cases("flan-t5"), BERT = cases("bert-base-uncased"), PYTHIA = cases("pythia");
const T5_IDS = special_ids("flan-t5"), BERT_IDS = special_ids("bert-base-uncased");

/** A fresh directory holding copies of fixture files and the given JSON files. */
function model_dir(files: string[], json: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "lowbit-tok-"));
  for (const f of files) copyFileSync(fixture("tokenizers", f), path.join(dir, path.basename(f)));
  for (const [name, doc] of Object.entries(json)) writeFileSync(path.join(dir, name), typeof doc === "string" ? doc : JSON.stringify(doc));
  return dir;
}
const ENDOFTEXT = { bos_token: "<|endoftext|>", eos_token: "<|endoftext|>", unk_token: "<|endoftext|>" };
const pythia_dir = (config: Record<string, unknown>) => model_dir(["pythia/tokenizer.json"], { "tokenizer_config.json": config });

describe("batches", async () => {
  const t5 = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"));
  const [a, b] = [T5[0]!, T5[1]!];
  const n = b.ids_with_eos.length - a.ids_with_eos.length;
  const pad = T5_IDS.pad!;

  test("padding: true pads right to the longest, as int64 [B, T] tensors with an attention mask", () => {
    const inputs = t5([a.text, b.text], { padding: true, return_tensors: "pt" });
    expect(inputs.input_ids).toBeInstanceOf(Tensor);
    expect(inputs.input_ids.dtype).toBe(int64);
    expect([...inputs.input_ids.shape]).toEqual([2, b.ids_with_eos.length]);
    expect(inputs.input_ids.tolist()).toEqual([[...a.ids_with_eos, ...Array(n).fill(pad)], b.ids_with_eos]);
    expect(inputs.attention_mask!.tolist()).toEqual([[...a.ids_with_eos.map(() => 1), ...Array(n).fill(0)], b.ids_with_eos.map(() => 1)]);
  });

  test("padding_side 'left' (property, option, or tokenizer_config.json) pads on the left", async () => {
    const expected = [[...Array(n).fill(pad), ...a.ids_with_eos], b.ids_with_eos];
    const mask = [[...Array(n).fill(0), ...a.ids_with_eos.map(() => 1)], b.ids_with_eos.map(() => 1)];
    const left = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"), { padding_side: "left" });
    const from_config = await AutoTokenizer.from_pretrained(model_dir(["flan-t5/spiece.model"], { "tokenizer_config.json": { padding_side: "left" } }));
    t5.padding_side = "left";
    try {
      for (const tok of [t5, left, from_config]) {
        expect(tok.padding_side).toBe("left");
        const inputs = tok([a.text, b.text], { padding: "longest" });
        expect(inputs.input_ids).toEqual(expected);
        expect(inputs.attention_mask).toEqual(mask);
      }
    } finally {
      t5.padding_side = "right";
    }
    expect(() => { t5.padding_side = "middle" as "left"; }).toThrow(/padding_side must be "right" or "left"/);
  });

  test("without return_tensors: arrays, one per text, unpadded; a single text gives a flat array", () => {
    expect(t5([a.text, b.text]).input_ids).toEqual([a.ids_with_eos, b.ids_with_eos]);
    expect(t5(a.text).input_ids).toEqual(a.ids_with_eos);
    expect(t5(a.text, { return_tensors: "pt" }).input_ids.tolist()).toEqual([a.ids_with_eos]);
  });

  test("padding 'max_length' pads to max_length", () => {
    expect(t5(a.text, { padding: "max_length", max_length: 8 }).input_ids).toEqual([...a.ids_with_eos, ...Array(8 - a.ids_with_eos.length).fill(pad)]);
  });

  test("unequal lengths cannot become one tensor without padding", () => {
    expect(() => t5([a.text, b.text], { return_tensors: "pt" })).toThrow(/Unable to create tensor.*padding/);
  });

  test("the encoding spreads into exactly its model inputs", async () => {
    expect(typeof t5).toBe("function");
    expect(Object.keys({ ...t5(a.text, { return_tensors: "pt" }) })).toEqual(["input_ids", "attention_mask"]);
    const bert = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));
    const inputs = bert(BERT[0]!.text);
    expect(Object.keys({ ...inputs })).toEqual(["input_ids", "token_type_ids", "attention_mask"]);
    expect(inputs.token_type_ids).toEqual(BERT[0]!.ids_with_special.map(() => 0));
    expect(Object.keys({ ...bert(BERT[0]!.text, { return_token_type_ids: false, return_attention_mask: false }) })).toEqual(["input_ids"]);
  });
});

describe("truncation", async () => {
  const bert = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));
  const t5 = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"));
  const long = BERT.find((c) => c.ids.length >= 10)!;
  const [cls, sep] = [BERT_IDS.cls!, BERT_IDS.sep!];

  test("max_length keeps the special tokens and cuts the text's own tokens", () => {
    expect(bert(long.text, { truncation: true, max_length: 6 }).input_ids).toEqual([cls, ...long.ids.slice(0, 4), sep]);
    const c = T5[1]!;
    expect(t5(c.text, { truncation: true, max_length: 4 }).input_ids).toEqual([...c.ids.slice(0, 3), T5_IDS.eos]);
    expect(bert(long.text, { truncation: true, max_length: 6, add_special_tokens: false }).input_ids).toEqual(long.ids.slice(0, 6));
  });

  test("max_length alone truncates (transformers' longest_first default); truncation: false does not", () => {
    expect(bert(long.text, { max_length: 6 }).input_ids).toHaveLength(6);
    expect(bert(long.text, { max_length: 6, truncation: false }).input_ids).toEqual(long.ids_with_special);
  });

  test("truncation_side 'left' keeps the end", () => {
    bert.truncation_side = "left";
    try {
      expect(bert(long.text, { truncation: true, max_length: 6 }).input_ids).toEqual([cls, ...long.ids.slice(-4), sep]);
    } finally {
      bert.truncation_side = "right";
    }
  });

  test("truncation: true without max_length uses model_max_length from tokenizer_config.json", async () => {
    const tok = await AutoTokenizer.from_pretrained(model_dir(["bert-base-uncased/vocab.txt"], { "tokenizer_config.json": { model_max_length: 5 } }));
    expect(tok.model_max_length).toBe(5);
    expect(tok(long.text, { truncation: true }).input_ids).toEqual([cls, ...long.ids.slice(0, 3), sep]);
  });

  test("a max_length shorter than the special tokens is an error", () => {
    expect(() => bert(long.text, { truncation: true, max_length: 1 })).toThrow(/max_length=1 is shorter than the 2 special tokens/);
  });

  test("batch truncation plus padding", () => {
    const short = BERT[0]!;
    const out = bert([short.text, long.text], { truncation: true, padding: true, max_length: 8, return_tensors: "pt" });
    const rows = [short.ids_with_special.slice(0, 8), [cls, ...long.ids.slice(0, 6), sep]];
    const T = Math.max(...rows.map((r) => r.length));
    expect(out.input_ids.tolist()).toEqual(rows.map((r) => [...r, ...Array(T - r.length).fill(BERT_IDS.pad)]));
  });
});

describe("special tokens", async () => {
  const t5 = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"));
  const bert = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));

  test("T5 and BERT defaults, with their ids", () => {
    expect([t5.eos_token, t5.pad_token, t5.unk_token, t5.bos_token]).toEqual(["</s>", "<pad>", "<unk>", null]);
    expect([t5.eos_token_id, t5.pad_token_id, t5.unk_token_id]).toEqual([T5_IDS.eos, T5_IDS.pad, T5_IDS.unk]);
    expect([bert.cls_token_id, bert.sep_token_id, bert.pad_token_id, bert.unk_token_id, bert.mask_token_id])
      .toEqual([BERT_IDS.cls, BERT_IDS.sep, BERT_IDS.pad, BERT_IDS.unk, BERT_IDS.mask]);
    expect(new Set(bert.all_special_ids)).toEqual(new Set(Object.values(BERT_IDS)));
  });

  test("T5's 100 sentinels follow the 32000 pieces in reverse order", () => {
    expect(t5.vocab_size).toBe(32100);
    expect(t5.length).toBe(32100);
    expect(t5.convert_tokens_to_ids(["<extra_id_0>", "<extra_id_99>"])).toEqual([32099, 32000]);
    expect(t5.additional_special_tokens).toHaveLength(100);
    expect(t5("<extra_id_0> x", { add_special_tokens: false }).input_ids[0]).toBe(32099);
  });

  test("vocab sizes: the model's vocabulary, and len() with the added tokens", async () => {
    const pythia = await AutoTokenizer.from_pretrained(fixture("tokenizers/pythia"));
    expect([pythia.vocab_size, pythia.length, pythia.__len__()]).toEqual([50254, 50277, 50277]);
    expect([bert.vocab_size, bert.length]).toEqual([30522, 30522]);
    expect(Object.keys(bert.get_vocab())).toHaveLength(30522);
    expect(bert.get_vocab()["[CLS]"]).toBe(BERT_IDS.cls);
  });

  test("unknown tokens map to the unk id", () => {
    expect(t5.convert_tokens_to_ids("no-such-piece")).toBe(T5_IDS.unk);
  });

  test("padding without a pad token: transformers' error; setting pad_token = eos_token fixes it", async () => {
    const tok = await AutoTokenizer.from_pretrained(pythia_dir({ tokenizer_class: "GPTNeoXTokenizer", ...ENDOFTEXT }));
    const [a, b] = [PYTHIA[0]!, PYTHIA[1]!];
    expect(tok.pad_token).toBeNull();
    expect(() => tok([a.text, b.text], { padding: true })).toThrow(/Asking to pad but the tokenizer does not have a padding token.*tokenizer\.pad_token = tokenizer\.eos_token/);
    tok.pad_token = tok.eos_token;
    tok.padding_side = "left";
    const n = b.ids.length - a.ids.length;
    expect(tok([a.text, b.text], { padding: true }).input_ids).toEqual([[...Array(n).fill(0), ...a.ids], b.ids]);
    expect(tok.pad_token_id).toBe(0);
  });

  test("repr as transformers prints it", () => {
    expect(String(bert)).toBe(`BertTokenizerFast(name_or_path='${fixture("tokenizers/bert-base-uncased")}', vocab_size=30522, ` +
      "model_max_length=1000000000000000019884624838656, is_fast=True, padding_side='right', truncation_side='right', " +
      "special_tokens={'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]'}, " +
      "clean_up_tokenization_spaces=True)");
  });
});

describe("decode", async () => {
  const t5 = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"));
  const bert = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));
  const c = T5[0]!;

  test("skip_special_tokens drops </s> and padding; without it they stay", () => {
    expect(t5.decode(c.ids_with_eos)).toBe(`${c.decoded}</s>`);
    expect(t5.decode(c.ids_with_eos, { skip_special_tokens: true })).toBe(c.decoded);
    expect(bert.decode(BERT[0]!.ids_with_special, { skip_special_tokens: true })).toBe(bert.decode(BERT[0]!.ids));
    expect(bert.decode(BERT[0]!.ids_with_special)).toMatch(/^\[CLS\] .* \[SEP\]$/);
  });

  test("a 1-D tensor decodes as its list; batch_decode takes a padded [B, T] tensor", () => {
    const texts = [T5[0]!, T5[1]!];
    const batch = t5(texts.map((x) => x.text), { padding: true, return_tensors: "pt" });
    expect(t5.decode(batch.input_ids.get(0), { skip_special_tokens: true })).toBe(texts[0]!.decoded);
    expect(t5.batch_decode(batch.input_ids, { skip_special_tokens: true })).toEqual(texts.map((x) => x.decoded));
    expect(() => t5.decode(batch.input_ids)).toThrow(/use batch_decode/);
  });

  test("clean_up_tokenization_spaces (on by default, as in transformers 4.40) removes spaces before punctuation", async () => {
    const pythia = await AutoTokenizer.from_pretrained(fixture("tokenizers/pythia"));
    const ids = pythia.encode("a , b . I 'm");
    expect(pythia.decode(ids, { clean_up_tokenization_spaces: false })).toBe("a , b . I 'm");
    expect(pythia.decode(ids)).toBe("a, b. I'm");
    pythia.clean_up_tokenization_spaces = false;
    expect(pythia.decode(ids)).toBe("a , b . I 'm");
  });

  test("empty input and ids past the vocabulary decode to nothing", () => {
    expect(t5.decode([])).toBe("");
    expect(t5.decode([32127])).toBe("");
    expect(() => t5.decode([-1])).toThrow(/non-negative integers/);
  });
});

describe("families and conversions", () => {
  test("tokenizer_class LlamaTokenizer adds the BOS and pads left", async () => {
    const tok = await AutoTokenizer.from_pretrained(pythia_dir({ tokenizer_class: "LlamaTokenizer", ...ENDOFTEXT }));
    expect(tok.padding_side).toBe("left");
    expect(tok(PYTHIA[0]!.text).input_ids).toEqual([0, ...PYTHIA[0]!.ids]);
    const no_bos = await AutoTokenizer.from_pretrained(pythia_dir({ tokenizer_class: "LlamaTokenizer", ...ENDOFTEXT, add_bos_token: false, add_eos_token: true }));
    expect(no_bos(PYTHIA[0]!.text).input_ids).toEqual([...PYTHIA[0]!.ids, 0]);
  });

  test("BLIP's BertTokenizer config adds [DEC] and [ENC] after the 30522 vocab.txt entries", async () => {
    const tok = await AutoTokenizer.from_pretrained(model_dir(["bert-base-uncased/vocab.txt"], {
      "tokenizer_config.json": { tokenizer_class: "BertTokenizer", bos_token: "[DEC]", additional_special_tokens: ["[ENC]"] },
    }));
    expect(tok.convert_tokens_to_ids(["[DEC]", "[ENC]"])).toEqual([30522, 30523]);
    expect([tok.bos_token_id, tok.vocab_size, tok.length]).toEqual([30522, 30522, 30524]);
    const c = BERT[0]!;
    expect(tok(`[DEC]${c.text}`).input_ids).toEqual([BERT_IDS.cls, 30522, ...c.ids, BERT_IDS.sep]);
    expect(tok.decode(tok(`[DEC]${c.text}`).input_ids, { skip_special_tokens: true })).toBe(tok.decode(c.ids));
  });

  test("vocab.json + merges.txt (OPT's files) convert to the same byte-level BPE, with add_bos_token", async () => {
    const j = JSON.parse(readFileSync(fixture("tokenizers/pythia/tokenizer.json"), "utf8"));
    const dir = model_dir([], {
      "vocab.json": j.model.vocab,
      "merges.txt": `#version: 0.2\n${(j.model.merges as string[]).join("\n")}\n`,
      "tokenizer_config.json": { tokenizer_class: "GPT2Tokenizer", add_bos_token: true, ...ENDOFTEXT },
    });
    const tok = await AutoTokenizer.from_pretrained(dir);
    // pythia's own tokenizer.json adds NFC and whitespace-run tokens on top of plain byte-level BPE
    const plain = PYTHIA.filter((c) => c.text === c.text.normalize("NFC") && !c.text.includes("  "));
    expect(plain.length).toBeGreaterThan(15);
    for (const c of plain) expect(tok(c.text).input_ids).toEqual([0, ...c.ids]);
  });
});

describe("save_pretrained", () => {
  test("a converted T5 saves tokenizer.json + configs that load back to the same tokenizer", async () => {
    const t5 = await AutoTokenizer.from_pretrained(fixture("tokenizers/flan-t5"), { padding_side: "left" });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "lowbit-tok-")), "saved");
    const files = await t5.save_pretrained(dir);
    expect(files.map((f) => path.basename(f))).toEqual(["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]);
    const config = JSON.parse(readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
    expect(config.tokenizer_class).toBe("T5Tokenizer");
    expect(config.added_tokens_decoder["1"]).toEqual({ content: "</s>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    expect(JSON.parse(readFileSync(path.join(dir, "special_tokens_map.json"), "utf8")).eos_token).toBe("</s>");
    const back = await AutoTokenizer.from_pretrained(dir);
    expect(back.padding_side).toBe("left");
    expect(String(back)).toBe(String(t5).replace(fixture("tokenizers/flan-t5"), dir));
    for (const c of T5) expect(back(c.text).input_ids).toEqual(c.ids_with_eos);
  });

  test("a pad token set by the user is saved", async () => {
    const tok = await AutoTokenizer.from_pretrained(pythia_dir({ tokenizer_class: "GPTNeoXTokenizer", ...ENDOFTEXT }));
    tok.pad_token = tok.eos_token;
    const dir = mkdtempSync(path.join(tmpdir(), "lowbit-tok-"));
    await tok.save_pretrained(dir);
    const back = await AutoTokenizer.from_pretrained(dir);
    expect([back.pad_token, back.pad_token_id]).toEqual(["<|endoftext|>", 0]);
    for (const c of PYTHIA) expect(back(c.text).input_ids).toEqual(c.ids);
  });
});

describe("bad input", () => {
  test("a directory with no tokenizer file names itself and the files looked for", async () => {
    const dir = model_dir([], { "config.json": { model_type: "t5" } });
    await expect(AutoTokenizer.from_pretrained(dir)).rejects.toThrow(new RegExp(`${dir}.*tokenizer\\.json, spiece\\.model, vocab\\.txt, or vocab\\.json \\+ merges\\.txt`));
  });

  test("a corrupt or truncated tokenizer.json is named", async () => {
    for (const body of ["{ not json", readFileSync(fixture("tokenizers/pythia/tokenizer.json"), "utf8").slice(0, 5000)]) {
      const dir = model_dir([], { "tokenizer.json": body });
      await expect(AutoTokenizer.from_pretrained(dir)).rejects.toThrow(new RegExp(`${path.join(dir, "tokenizer.json")} is not valid JSON`));
    }
    const dir = model_dir([], { "tokenizer.json": { version: "1.0" } });
    await expect(AutoTokenizer.from_pretrained(dir)).rejects.toThrow(/tokenizer\.json is not a tokenizer\.json: it has no "model"/);
  });

  test("a truncated spiece.model is named, cut inside a piece or between two", async () => {
    for (const [at, why] of [[1005, "truncated protobuf field"], [1000, "no trainer_spec/normalizer_spec"]] as const) {
      const dir = model_dir([]);
      writeFileSync(path.join(dir, "spiece.model"), readFileSync(fixture("tokenizers/flan-t5/spiece.model")).subarray(0, at));
      await expect(AutoTokenizer.from_pretrained(dir)).rejects.toThrow(`${path.join(dir, "spiece.model")}: ${why}`);
    }
  });

  test("a corrupt tokenizer_config.json is named; text must be strings", async () => {
    const dir = model_dir(["bert-base-uncased/vocab.txt"], { "tokenizer_config.json": "{" });
    await expect(AutoTokenizer.from_pretrained(dir)).rejects.toThrow(/tokenizer_config\.json is not valid JSON/);
    const bert = await AutoTokenizer.from_pretrained(fixture("tokenizers/bert-base-uncased"));
    expect(() => bert(42 as unknown as string)).toThrow(/text input must be a string/);
    expect(() => bert("x", { return_tensors: "np" as "pt" })).toThrow(/return_tensors: 'np' is not supported/);
  });
});
