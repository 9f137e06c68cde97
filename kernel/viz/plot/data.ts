// What plots accept as data (JS arrays, typed arrays, lowbit tensors) turned into the plain
// arrays plotly.js JSON holds.
import { float64 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { format_count } from "../html.js";

type NumericArray = readonly number[] | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array;
/** One series of numbers: an array or a 1-D tensor. */
export type Series = NumericArray | Tensor;
/** Several series: an array of series, or a 2-D tensor (one series per row). */
export type SeriesList = readonly Series[] | Tensor;
/** A grid of numbers: rows of numbers, or a 2-D tensor (a 1-D one is a single row). */
export type Matrix = readonly (readonly number[])[] | Tensor;

// Past about a million values plotly.js crawls and the notebook file swells by tens of MB:
// refuse with a way out rather than hang the page.
const MAX_VALUES = 1 << 20;

function check_size(n: number, what: string): void {
  if (n > MAX_VALUES) {
    throw new RangeError(`${what}: ${format_count(n)} values are more than a notebook plot can carry (${format_count(MAX_VALUES)}); ` +
      `plot a slice such as t.get("0:512", "0:512"), or a histogram() of the values`);
  }
}

function shape_error(what: string, t: Tensor): TypeError {
  return new TypeError(`${what} needs a 1-D or 2-D tensor, got shape (${t.shape.join(", ")})`);
}

// One native cast to float64 instead of reading element by element.
function tensor_values(t: Tensor): Float64Array {
  const c = t.detach().to(float64).contiguous();
  return (c._data as Float64Array).subarray(c._offset, c._offset + c.numel());
}

// Rows are views into the values.
function tensor_rows(t: Tensor, what: string): Float64Array[] {
  if (t.ndim > 2) throw shape_error(what, t);
  const flat = tensor_values(t);
  if (t.ndim < 2) return [flat];
  const [n, m] = t._shape as [number, number];
  return Array.from({ length: n }, (_, i) => flat.subarray(i * m, (i + 1) * m));
}

/** The values of one or several series, without copying them. `flatten`: a tensor of any shape
 *  is one series of all its values (a histogram of a weight matrix), not one per row. */
export function arrays(y: Series | SeriesList, what: string, flatten = false): ArrayLike<number>[] {
  const one = (t: Tensor) => {
    if (!flatten && t.ndim > 1) throw shape_error(what, t);
    return tensor_values(t);
  };
  if (y instanceof Tensor) return flatten ? [tensor_values(y)] : tensor_rows(y, what);
  if (y.length > 0 && typeof y[0] === "object") return (y as readonly Series[]).map((s) => (s instanceof Tensor ? one(s) : s));
  return [y as NumericArray];
}

/** A 1-D input is one series; a 2-D tensor or an array of series is several. */
export function series_list(y: Series | SeriesList, what: string): number[][] {
  const all = arrays(y, what);
  check_size(all.reduce((n, a) => n + a.length, 0), what);
  return all.map((a) => Array.from(a));
}

export function series(x: Series, what: string): number[] {
  if (x instanceof Tensor && x.ndim > 1) throw shape_error(what, x);
  return series_list(x, what)[0]!;
}

export function matrix(z: Matrix, what: string): number[][] {
  const rows: readonly ArrayLike<number>[] = z instanceof Tensor ? tensor_rows(z, what) : z;
  check_size(rows.reduce((n, r) => n + r.length, 0), what);
  return rows.map((r) => Array.from(r));
}

/** A figure's data with tensors and typed arrays replaced by nested arrays (what JSON can hold). */
export function to_plain(v: unknown): unknown {
  if (v instanceof Tensor) return v.tolist();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, Number);
  if (Array.isArray(v)) return v.map(to_plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, to_plain(x)]));
  return v;
}
