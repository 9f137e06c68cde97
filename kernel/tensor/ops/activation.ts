// softmax / log_softmax over any dim, and layer_norm, on the row kernels.
import { K } from "../backend/index.js";
import { as_dtype, DType } from "../dtype.js";
import { fmt_shape, wrap_dim } from "../shape.js";
import { Tensor } from "../tensor.js";
import { clone } from "./cast.js";
import { transpose } from "./shape_ops.js";
import { empty } from "./util.js";

function rows_op(x: Tensor, dim: number, fn: (c: Tensor, out: Tensor, rows: number, n: number) => void): Tensor {
  if (!x.dtype.is_floating_point) throw new TypeError(`softmax: not implemented for dtype ${x.dtype} (pass { dtype: torch.float32 })`);
  const d = wrap_dim(dim, x.ndim, "softmax");
  const last = Math.max(x.ndim - 1, 0);
  const moved = d === last ? x : transpose(x, d, last);
  const c = moved.is_contiguous() ? moved : clone(moved);
  const n = x.ndim === 0 ? 1 : c._shape[last]!;
  const out = empty(c._shape, c.dtype);
  fn(c, out, n === 0 ? 0 : c.numel() / n, n);
  return d === last ? out : clone(transpose(out, d, last));
}

function softmax_impl(x: Tensor, dim: number, log: boolean, dtype?: DType | string): Tensor {
  const t = dtype !== undefined ? x.to(as_dtype(dtype)) : x;
  return rows_op(t, dim, (c, out, rows, n) => K.softmax(c._data, c._offset, out._data, 0, c.dtype.code, rows, n, log));
}

export function softmax(x: Tensor, dim: number, opts?: { dtype?: DType | string }): Tensor {
  return softmax_impl(x, dim, false, opts?.dtype);
}

export function log_softmax(x: Tensor, dim: number, opts?: { dtype?: DType | string }): Tensor {
  return softmax_impl(x, dim, true, opts?.dtype);
}

/** torch.nn.functional.layer_norm over the trailing `normalized_shape` dims. */
export function layer_norm(x: Tensor, normalized_shape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const k = normalized_shape.length;
  const tail = x._shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((s, i) => s !== normalized_shape[i])) {
    throw new RangeError(`Given normalized_shape=${fmt_shape(normalized_shape)}, expected input with shape [*, ${normalized_shape.join(", ")}], but got input of size ${fmt_shape(x._shape)}`);
  }
  if (!x.dtype.is_floating_point) throw new TypeError(`layer_norm: not implemented for dtype ${x.dtype}`);
  const n = normalized_shape.reduce((p, s) => p * s, 1);
  for (const [name, p] of [["weight", weight], ["bias", bias]] as const) {
    if (p && p.numel() !== n) throw new RangeError(`layer_norm: ${name} of shape ${fmt_shape(p._shape)} does not match normalized_shape ${fmt_shape(normalized_shape)}`);
  }
  const pdt = weight?.dtype ?? bias?.dtype ?? x.dtype;
  const w = weight ? (weight.is_contiguous() ? weight : clone(weight)) : null;
  const b = bias ? (bias.is_contiguous() && bias.dtype === pdt ? bias : clone(bias, pdt)) : null;
  const c = x.is_contiguous() ? x : clone(x);
  const out = empty(c._shape, c.dtype);
  const rows = n === 0 ? 0 : c.numel() / n;
  K.layerNorm(c._data, c._offset, out._data, 0, c.dtype.code, rows, n, w ? w._data : null, w ? w._offset : 0,
    b ? b._data : null, b ? b._offset : 0, pdt.code, eps);
  return out;
}
