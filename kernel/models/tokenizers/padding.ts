// Truncation, padding and tensor packing of encoded texts, with transformers' strategy rules.
import { int64 } from "../../tensor/dtype.js";
import { tensor } from "../../tensor/ops/creation.js";
import { BatchEncoding, Encoded } from "./batch_encoding.js";

export interface PaddingOptions {
  /** true / "longest": to the longest in the batch; "max_length": to max_length; false / "do_not_pad". */
  padding?: boolean | "longest" | "max_length" | "do_not_pad";
  /** true / "longest_first" / "only_first": cut to max_length; false / "do_not_truncate". */
  truncation?: boolean | "longest_first" | "only_first" | "do_not_truncate";
  max_length?: number | null;
  pad_to_multiple_of?: number | null;
  /** "pt" for int64 tensors [B, T]; plain arrays otherwise. */
  return_tensors?: "pt" | null;
  return_attention_mask?: boolean;
  return_token_type_ids?: boolean;
}

/** One encoded text: its ids with special tokens, where its own tokens start and end, and the type ids. */
export interface Row { ids: number[]; type_ids: number[]; start: number; end: number }

/** transformers' VERY_LARGE_INTEGER: model_max_length when the configuration sets none. */
export const NO_MAX_LENGTH = 1e30;

export interface Sides { padding_side: "right" | "left"; truncation_side: "right" | "left"; model_max_length: number; pad_token_id: number | null }

/** The length to cut each row to, or null for none. */
export function truncation_length(o: PaddingOptions, model_max_length: number): number | null {
  const on = o.truncation === undefined ? o.max_length !== undefined && o.max_length !== null
    : o.truncation !== false && o.truncation !== "do_not_truncate";
  if (!on) return null;
  const n = o.max_length ?? model_max_length;
  return n >= NO_MAX_LENGTH ? null : n;
}

/** Cuts a row's own tokens (never its special tokens) so that it has at most max_length ids. */
export function truncate(row: Row, max_length: number, side: "right" | "left"): Row {
  if (row.ids.length <= max_length) return row;
  const specials = row.ids.length - (row.end - row.start);
  if (max_length < specials) throw new Error(`max_length=${max_length} is shorter than the ${specials} special tokens added to every text; raise max_length or pass add_special_tokens: false`);
  const keep = max_length - specials;
  const [from, to] = side === "right" ? [row.start, row.start + keep] : [row.end - keep, row.end];
  const cut = <T>(a: T[]): T[] => [...a.slice(0, row.start), ...a.slice(from, to), ...a.slice(row.end)];
  return { ids: cut(row.ids), type_ids: cut(row.type_ids), start: row.start, end: row.start + keep };
}

function padded_length(rows: Row[], o: PaddingOptions, model_max_length: number): number | null {
  const p = o.padding ?? false;
  if (p === false || p === "do_not_pad") return null;
  let n: number;
  if (p === "max_length") {
    n = o.max_length ?? model_max_length;
    if (n >= NO_MAX_LENGTH) throw new Error("padding: 'max_length' needs a max_length: this tokenizer has no model_max_length; pass max_length");
  } else n = Math.max(0, ...rows.map((r) => r.ids.length));
  const m = o.pad_to_multiple_of;
  return m ? Math.ceil(n / m) * m : n;
}

/** The BatchEncoding of encoded texts: padded, masked, as arrays or (return_tensors "pt") int64 tensors. */
export function pack(rows: Row[], batched: boolean, o: PaddingOptions, s: Sides, names: { attention_mask: boolean; token_type_ids: boolean }): BatchEncoding {
  const length = padded_length(rows, o, s.model_max_length);
  if (length !== null && s.pad_token_id === null) {
    // transformers' message, less its add_special_tokens alternative, which is not built here
    throw new Error("Asking to pad but the tokenizer does not have a padding token. Please select a token to use as `pad_token` " +
      "(`tokenizer.pad_token = tokenizer.eos_token` e.g.).");
  }
  const pad = <T>(a: T[], v: T): T[] => {
    const n = Math.max(0, (length ?? 0) - a.length);
    if (n === 0) return a;
    const fill = new Array<T>(n).fill(v);
    return s.padding_side === "left" ? [...fill, ...a] : [...a, ...fill];
  };
  const cols: Record<string, number[][]> = { input_ids: rows.map((r) => pad(r.ids, s.pad_token_id!)) };
  if (o.return_token_type_ids ?? names.token_type_ids) cols.token_type_ids = rows.map((r) => pad(r.type_ids, 0));
  if (o.return_attention_mask ?? names.attention_mask) cols.attention_mask = rows.map((r) => pad(r.ids.map(() => 1), 0));

  const out: Record<string, Encoded> = {};
  for (const [k, v] of Object.entries(cols)) {
    if (o.return_tensors === "pt") {
      if (v.some((r) => r.length !== v[0]!.length)) {
        throw new Error("Unable to create tensor, you should probably activate truncation and/or padding with " +
          "padding: true, truncation: true to have batched tensors with the same length.");
      }
      out[k] = tensor(v, { dtype: int64 });
    } else if (o.return_tensors === undefined || o.return_tensors === null) {
      out[k] = batched ? v : v[0]!;
    } else throw new Error(`return_tensors: '${o.return_tensors}' is not supported; use "pt" (int64 tensors) or leave it out (arrays)`);
  }
  return new BatchEncoding(out);
}
