// The tokenizer.json document (HF `tokenizers` serialization) that every source is turned into:
// the converters build one from slow files, save_pretrained writes it back.

export interface AddedTokenJSON {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface TokenizerJSON {
  version: string;
  truncation: object | null;
  padding: object | null;
  added_tokens: AddedTokenJSON[];
  normalizer: object | null;
  pre_tokenizer: object | null;
  post_processor: object | null;
  decoder: object | null;
  model: { type: string; [key: string]: unknown };
}

export function added_token(id: number, content: string, special: boolean): AddedTokenJSON {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

/**
 * TemplateProcessing as `tokenizers` serializes it; `single`/`pair` are template strings as in
 * Python (`"[CLS]:0 $A:0 [SEP]:0"`), `ids` gives each special token's id.
 */
export function template_processing(single: string, pair: string, ids: Record<string, number>): object {
  const items = (t: string): object[] => t.split(" ").map((item) => {
    const [name, type] = item.split(":") as [string, string | undefined];
    const type_id = Number(type ?? 0);
    return name.startsWith("$") ? { Sequence: { id: name.slice(1), type_id } } : { SpecialToken: { id: name, type_id } };
  });
  const special_tokens = Object.fromEntries(Object.entries(ids).map(([t, id]) => [t, { id: t, ids: [id], tokens: [t] }]));
  return { type: "TemplateProcessing", single: items(single), pair: items(pair), special_tokens };
}

/** Checks the parts a tokenizer.json must have, naming the file and the key. */
export function check_tokenizer_json(j: unknown, file: string): TokenizerJSON {
  const o = j as Partial<TokenizerJSON> | null;
  if (o === null || typeof o !== "object" || Array.isArray(o)) throw new Error(`${file} is not a tokenizer.json: expected a JSON object`);
  if (typeof o.model !== "object" || o.model === null || typeof o.model.type !== "string" && !("vocab" in o.model)) {
    throw new Error(`${file} is not a tokenizer.json: it has no "model" with a "type" and a "vocab"`);
  }
  // keys the file leaves out are null in `tokenizers`; anything else it holds is kept for saving
  return {
    version: "1.0", truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: null,
    post_processor: null, decoder: null, ...o, model: o.model,
  };
}

/** The model's own vocabulary (without added tokens): BPE/WordPiece store a map, Unigram a list of [piece, score]. */
export function model_vocab(j: TokenizerJSON): Map<string, number> {
  const v = j.model.vocab;
  if (Array.isArray(v)) return new Map(v.map((e, i) => [(e as [string, number])[0], i]));
  return new Map(Object.entries(v as Record<string, number>));
}

/**
 * Adds tokens as the `tokenizers` AddedVocabulary does: one already added is left alone, one in
 * the model's vocabulary keeps that id, a new one gets the next id after the vocabulary and the
 * added tokens (unless it names its id).
 */
export function add_tokens(j: TokenizerJSON, tokens: (Omit<AddedTokenJSON, "id"> & { id?: number })[]): TokenizerJSON {
  const vocab = model_vocab(j);
  const added = [...j.added_tokens];
  const have = new Set(added.map((t) => t.content));
  for (const t of tokens) {
    if (have.has(t.content)) continue;
    const next = Math.max(vocab.size, ...added.map((a) => a.id + 1));
    added.push({ ...t, id: t.id ?? vocab.get(t.content) ?? next });
    have.add(t.content);
  }
  return { ...j, added_tokens: added };
}
