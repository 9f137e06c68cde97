// PreTrainedTokenizerFast: transformers' tokenizer API over a tokenizer.json pipeline run by
// @huggingface/tokenizers. Callable like transformers.js (`tok(text, { return_tensors: "pt" })`).
import { inspect } from "node:util";
import { Tokenizer } from "@huggingface/tokenizers";
import { Callable } from "../../nn/module.js";
import { Tensor } from "../../tensor/tensor.js";
import { BatchEncoding } from "./batch_encoding.js";
import { SPECIAL_TOKEN_NAMES, SpecialTokenName } from "./families.js";
import { NO_MAX_LENGTH, pack, PaddingOptions, Row, truncate, truncation_length } from "./padding.js";
import { write_json_files } from "./save.js";
import { model_vocab, TokenizerJSON } from "./tokenizer_json.js";

export interface CallOptions extends PaddingOptions {
  add_special_tokens?: boolean;
}

export interface DecodeOptions {
  skip_special_tokens?: boolean;
  /** Undoes spaces before punctuation and contractions; defaults to the tokenizer's setting. */
  clean_up_tokenization_spaces?: boolean;
}

/** Everything the constructor needs; AutoTokenizer.from_pretrained assembles it from the files. */
export interface TokenizerInit {
  json: TokenizerJSON;
  class_name: string;
  name_or_path: string;
  special: Record<SpecialTokenName, string | null>;
  additional_special_tokens: string[];
  model_max_length: number;
  padding_side: "right" | "left";
  truncation_side: "right" | "left";
  clean_up_tokenization_spaces: boolean;
  model_input_names: string[];
  /** The rest of tokenizer_config.json, written back by save_pretrained. */
  init_kwargs: Record<string, unknown>;
}

type Ids = number[] | bigint[] | Tensor;

export interface PreTrainedTokenizer extends Record<SpecialTokenName, string | null>, Record<`${SpecialTokenName}_id`, number | null> {
  (text: string | string[], o: CallOptions & { return_tensors: "pt" }): BatchEncoding<Tensor>;
  (text: string, o?: CallOptions): BatchEncoding<number[]>;
  (text: string[], o?: CallOptions): BatchEncoding<number[][]>;
}

function side(v: unknown, what: string): "right" | "left" {
  if (v !== "right" && v !== "left") throw new Error(`${what} must be "right" or "left", got ${JSON.stringify(v)}`);
  return v;
}

function id_list(ids: Ids, what: string): number[] {
  const flat = ids instanceof Tensor ? (ids.ndim === 1 ? ids.tolist() as number[] : null) : Array.from(ids as ArrayLike<number | bigint>, Number);
  if (flat === null) throw new Error(`${what} takes one sequence of ids (a list or a 1-D tensor), got a tensor of shape [${(ids as Tensor).shape.join(", ")}]; use batch_decode for a batch`);
  for (const i of flat) if (!Number.isInteger(i) || i < 0) throw new Error(`${what}: token ids must be non-negative integers, got ${i}`);
  return flat;
}

export class PreTrainedTokenizer extends Callable {
  name_or_path: string;
  model_max_length: number;
  clean_up_tokenization_spaces: boolean;
  model_input_names: string[];
  additional_special_tokens: string[];
  declare private _padding_side: "right" | "left";
  declare private _truncation_side: "right" | "left";
  declare private readonly _special: Record<SpecialTokenName, string | null>;
  declare private readonly _json: TokenizerJSON;
  declare private readonly _tokenizer: Tokenizer;
  declare private readonly _class_name: string;
  declare private readonly _init_kwargs: Record<string, unknown>;
  declare private readonly _vocab_size: number;
  declare private readonly _length: number;

  constructor(init: TokenizerInit) {
    super();
    this.name_or_path = init.name_or_path;
    this.model_max_length = init.model_max_length;
    this.clean_up_tokenization_spaces = init.clean_up_tokenization_spaces;
    this.model_input_names = init.model_input_names;
    this.additional_special_tokens = init.additional_special_tokens;
    // the machinery stays out of Object.keys and the notebook's variable listing
    const hidden = (k: string, value: unknown): void => { Object.defineProperty(this, k, { value, writable: true, enumerable: false }); };
    hidden("_padding_side", side(init.padding_side, "padding_side"));
    hidden("_truncation_side", side(init.truncation_side, "truncation_side"));
    hidden("_special", { ...init.special });
    hidden("_json", init.json);
    hidden("_class_name", init.class_name);
    hidden("_init_kwargs", init.init_kwargs);
    const vocab = model_vocab(init.json);
    hidden("_vocab_size", vocab.size);
    hidden("_length", new Set([...vocab.keys(), ...init.json.added_tokens.map((t) => t.content)]).size);
    // the library's Unigram reads its EOS from the config; special tokens come from added_tokens
    hidden("_tokenizer", new Tokenizer(init.json, { eos_token: init.special.eos_token, clean_up_tokenization_spaces: false }));
  }

  get padding_side(): "right" | "left" { return this._padding_side; }
  set padding_side(v: "right" | "left") { this._padding_side = side(v, "padding_side"); }
  get truncation_side(): "right" | "left" { return this._truncation_side; }
  set truncation_side(v: "right" | "left") { this._truncation_side = side(v, "truncation_side"); }
  get is_fast(): boolean { return true; }

  /** The model's vocabulary size, without added tokens (as the fast tokenizers' vocab_size). */
  get vocab_size(): number { return this._vocab_size; }
  /** len(tokenizer): the vocabulary with the added tokens. */
  get length(): number { return this._length; }
  __len__(): number { return this.length; }

  get_vocab(): Record<string, number> {
    return Object.fromEntries(this._tokenizer.get_vocab(true));
  }

  /** The special tokens set, as transformers' special_tokens_map. */
  get special_tokens_map(): Record<string, string | string[]> {
    const m: Record<string, string | string[]> = {};
    for (const k of SPECIAL_TOKEN_NAMES) if (this._special[k] !== null) m[k] = this._special[k]!;
    if (this.additional_special_tokens.length) m.additional_special_tokens = this.additional_special_tokens;
    return m;
  }
  get all_special_tokens(): string[] {
    return [...new Set(Object.values(this.special_tokens_map).flat())];
  }
  get all_special_ids(): number[] {
    return this.all_special_tokens.map((t) => this.convert_tokens_to_ids(t)).filter((i): i is number => i !== null);
  }

  convert_tokens_to_ids(token: string): number | null;
  convert_tokens_to_ids(tokens: string[]): (number | null)[];
  convert_tokens_to_ids(t: string | string[]): number | null | (number | null)[] {
    if (Array.isArray(t)) return t.map((x) => this.convert_tokens_to_ids(x));
    return this._tokenizer.token_to_id(t) ?? (this._special.unk_token === null ? null : this._tokenizer.token_to_id(this._special.unk_token) ?? null);
  }

  convert_ids_to_tokens(id: number, o?: { skip_special_tokens?: boolean }): string | null;
  convert_ids_to_tokens(ids: Ids, o?: { skip_special_tokens?: boolean }): string[];
  convert_ids_to_tokens(ids: number | Ids, o: { skip_special_tokens?: boolean } = {}): string | null | string[] {
    if (typeof ids === "number") return this._tokenizer.id_to_token(ids) ?? null;
    const skip = o.skip_special_tokens ? this.skipped_ids() : new Set<number>();
    return id_list(ids, "convert_ids_to_tokens").filter((i) => !skip.has(i))
      .flatMap((i) => this._tokenizer.id_to_token(i) ?? []);
  }

  /** The tokens of a text, without special tokens. */
  tokenize(text: string, o: { add_special_tokens?: boolean } = {}): string[] {
    return this._tokenizer.tokenize(text, { add_special_tokens: o.add_special_tokens ?? false });
  }

  /** The ids of one text (with its special tokens unless add_special_tokens is false). */
  encode(text: string, o: CallOptions = {}): number[] {
    return this.__call__(text, { ...o, return_tensors: null }).input_ids as number[];
  }

  __call__(text: unknown, o: CallOptions = {}): BatchEncoding {
    const batched = Array.isArray(text);
    const texts = batched ? text : [text];
    if (!texts.every((t) => typeof t === "string")) {
      throw new TypeError("text input must be a string (single example) or an array of strings (batch)");
    }
    const max = truncation_length(o, this.model_max_length);
    const rows = (texts as string[]).map((t) => this.encode_row(t, o.add_special_tokens ?? true, max));
    return pack(rows, batched, o, {
      padding_side: this._padding_side, truncation_side: this._truncation_side, model_max_length: this.model_max_length,
      pad_token_id: this.pad_token === null ? null : this.pad_token_id,
    }, { attention_mask: this.model_input_names.includes("attention_mask"), token_type_ids: this.model_input_names.includes("token_type_ids") });
  }

  /** One text's ids and type ids, cut to max_length between the special tokens the template adds. */
  private encode_row(text: string, add_special_tokens: boolean, max: number | null): Row {
    const e = this._tokenizer.encode(text, { add_special_tokens, return_token_type_ids: true });
    const row = { ids: e.ids, type_ids: e.token_type_ids ?? e.ids.map(() => 0), start: 0, end: e.ids.length };
    if (max === null || row.ids.length <= max) return row;
    if (add_special_tokens) {
      // the template is prefix + $A + suffix: $A starts at the first offset where the text's own ids appear
      const own = this._tokenizer.encode(text, { add_special_tokens: false }).ids;
      const fits = (at: number): boolean => own.every((id: number, i: number) => row.ids[at + i] === id);
      while (row.start + own.length < row.ids.length && !fits(row.start)) row.start++;
      row.end = row.start + own.length;
    }
    return truncate(row, max, this._truncation_side);
  }

  /** Added tokens marked special (as `tokenizers` skips) and the tokenizer's special tokens. */
  private skipped_ids(): Set<number> {
    return new Set([...this._json.added_tokens.filter((t) => t.special).map((t) => t.id), ...this.all_special_ids]);
  }

  decode(ids: Ids, o: DecodeOptions = {}): string {
    const skip = o.skip_special_tokens ? this.skipped_ids() : new Set<number>();
    // ids past the vocabulary (models pad their embeddings) decode to nothing, as in `tokenizers`
    const kept = id_list(ids, "decode").filter((i) => !skip.has(i) && this._tokenizer.id_to_token(i) !== undefined);
    if (kept.length === 0) return "";
    return this._tokenizer.decode(kept, { clean_up_tokenization_spaces: o.clean_up_tokenization_spaces ?? this.clean_up_tokenization_spaces });
  }

  batch_decode(sequences: Ids[] | Tensor, o: DecodeOptions = {}): string[] {
    const rows = sequences instanceof Tensor ? Array.from({ length: sequences.shape[0] ?? 0 }, (_, i) => sequences.get(i)) : sequences;
    return rows.map((r) => this.decode(r, o));
  }

  /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json; returns their paths. */
  async save_pretrained(save_directory: string): Promise<string[]> {
    const added_tokens_decoder = Object.fromEntries(this._json.added_tokens.map(({ id, ...t }) => [String(id), t]));
    const tokenizer_config = {
      ...this._init_kwargs, ...this.special_tokens_map, added_tokens_decoder,
      clean_up_tokenization_spaces: this.clean_up_tokenization_spaces, model_max_length: this.model_max_length,
      padding_side: this.padding_side, truncation_side: this.truncation_side, model_input_names: this.model_input_names,
      // transformers records the slow class's name, which names the family either way
      tokenizer_class: this._class_name === "PreTrainedTokenizerFast" ? this._class_name : this._class_name.replace(/Fast$/, ""),
    };
    return write_json_files(save_directory, {
      "tokenizer.json": this._json, "tokenizer_config.json": tokenizer_config, "special_tokens_map.json": this.special_tokens_map,
    });
  }

  /** The repr transformers prints for a tokenizer. */
  override toString(): string {
    const str = (v: unknown): string => typeof v === "string" ? `'${v}'` : Array.isArray(v) ? `[${v.map(str).join(", ")}]` : String(v);
    const special = Object.entries(this.special_tokens_map).map(([k, v]) => `'${k}': ${str(v)}`).join(", ");
    const max = this.model_max_length >= NO_MAX_LENGTH ? "1000000000000000019884624838656" : String(this.model_max_length);
    return `${this._class_name}(name_or_path='${this.name_or_path}', vocab_size=${this.vocab_size}, model_max_length=${max}, ` +
      `is_fast=True, padding_side='${this.padding_side}', truncation_side='${this.truncation_side}', ` +
      `special_tokens={${special}}, clean_up_tokenization_spaces=${this.clean_up_tokenization_spaces ? "True" : "False"})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

// bos_token ... mask_token and their *_id, settable as in Python (`tok.pad_token = tok.eos_token`)
for (const name of SPECIAL_TOKEN_NAMES) {
  Object.defineProperty(PreTrainedTokenizer.prototype, name, {
    get(this: PreTrainedTokenizer) { return this["_special"][name]; },
    set(this: PreTrainedTokenizer, v: string | null) { this["_special"][name] = v; },
  });
  Object.defineProperty(PreTrainedTokenizer.prototype, `${name}_id`, {
    get(this: PreTrainedTokenizer) { const t = this["_special"][name]; return t === null ? null : this.convert_tokens_to_ids(t); },
    set(this: PreTrainedTokenizer, id: number | null) { this["_special"][name] = id === null ? null : this.convert_ids_to_tokens(id); },
  });
}
