// Matrix products on the gemm kernel: matmul with torch's 1-d / batched broadcasting rules, mm,
// bmm, mv, dot, and linear (x @ W^T + b with the bias added before the single rounding).
import { K } from "../backend/index.js";
import { broadcast_shapes, fmt_shape, view_strides } from "../shape.js";
import { Tensor } from "../tensor.js";
import { clone } from "./cast.js";
import { expand, reshape, squeeze, unsqueeze } from "./shape_ops.js";
import { empty } from "./util.js";

function same_dtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${op}: expected both arguments to have the same dtype, but got ${a.dtype} and ${b.dtype}`);
  }
}

// [batch, rows, cols] strides for a tensor of that shape, or null when the batch dims cannot be
// walked with one stride.
function batched(t: Tensor, batch: number): Tensor {
  const rows = t._shape[t.ndim - 2]!, cols = t._shape[t.ndim - 1]!;
  const shape = [batch, rows, cols];
  const strides = view_strides(t._shape, t._strides, shape);
  return strides ? new Tensor(t._data, t._dtype, shape, strides, t._offset) : reshape(clone(t), [shape]);
}

/** out[batch, M, N] = a[batch, M, K] @ b[batch, K, N] (+ bias[N]). */
function gemm3(a: Tensor, b: Tensor, bias?: Tensor | null): Tensor {
  const [batch, M, K_] = a._shape as [number, number, number];
  const N = b._shape[2]!;
  const out = empty([batch, M, N], a.dtype);
  let bt: Tensor | null = null;
  if (bias) {
    bt = bias.dtype === a.dtype && bias.is_contiguous() ? bias : clone(bias, a.dtype);
  }
  K.gemm(batch, M, N, K_, a._data, a.dtype.code, a._offset, a._strides, b._data, b.dtype.code, b._offset, b._strides,
    out._data, out.dtype.code, 0, bt ? bt._data : null, bt ? bt.dtype.code : 0, bt ? bt._offset : 0);
  return out;
}

export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new RangeError(`mm: self must be a matrix, got ${a.ndim}-d tensor of shape ${fmt_shape(a._shape)}`);
  if (b.ndim !== 2) throw new RangeError(`mm: mat2 must be a matrix, got ${b.ndim}-d tensor of shape ${fmt_shape(b._shape)}`);
  if (a._shape[1] !== b._shape[0]) {
    throw new RangeError(`mat1 and mat2 shapes cannot be multiplied (${a._shape.join("x")} and ${b._shape.join("x")})`);
  }
  same_dtype("mm", a, b);
  return squeeze(gemm3(unsqueeze(a, 0), unsqueeze(b, 0)), 0);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new RangeError(`bmm: expected 3-d tensors, got ${fmt_shape(a._shape)} and ${fmt_shape(b._shape)}`);
  if (a._shape[0] !== b._shape[0] || a._shape[2] !== b._shape[1]) {
    throw new RangeError(`bmm: batch1 and batch2 shapes cannot be multiplied (${a._shape.join("x")} and ${b._shape.join("x")})`);
  }
  same_dtype("bmm", a, b);
  return gemm3(a, b);
}

export function mv(m: Tensor, v: Tensor): Tensor {
  if (m.ndim !== 2 || v.ndim !== 1) throw new RangeError(`mv: expected a matrix and a vector, got ${fmt_shape(m._shape)} and ${fmt_shape(v._shape)}`);
  if (m._shape[1] !== v._shape[0]) throw new RangeError(`size mismatch, got input (${m._shape[0]}), mat (${m._shape.join("x")}), vec (${v._shape[0]})`);
  same_dtype("mv", m, v);
  return squeeze(mm(m, unsqueeze(v, 1)), 1);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a._shape[0] !== b._shape[0]) {
    throw new RangeError(`inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
  }
  same_dtype("dot", a, b);
  return reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), [[]]);
}

/** torch.matmul */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError("both arguments to matmul need to be at least 1D");
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b);
  if (a.ndim === 2 && b.ndim === 1) return mv(a, b);
  if (a.ndim === 1 && b.ndim === 2) return squeeze(mm(unsqueeze(a, 0), b), 0);
  same_dtype("matmul", a, b);
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  const M = a2._shape[a2.ndim - 2]!, Ka = a2._shape[a2.ndim - 1]!;
  const Kb = b2._shape[b2.ndim - 2]!, N = b2._shape[b2.ndim - 1]!;
  if (Ka !== Kb) throw new RangeError(`matmul: shapes ${fmt_shape(a._shape)} and ${fmt_shape(b._shape)} cannot be multiplied (${Ka} != ${Kb})`);
  let out: Tensor;
  if (b2.ndim === 2) {
    // [..., M, K] @ [K, N]: fold the batch into the rows, one large GEMM
    const lead = a2._shape.slice(0, -1);
    const rows = lead.reduce((p, d) => p * d, 1);
    const flat = reshape(a2, [[1, rows, Ka]]);
    out = reshape(gemm3(flat, unsqueeze(b2, 0)), [[...lead, N]]);
  } else {
    const batchShape = broadcast_shapes(a2._shape.slice(0, -2), b2._shape.slice(0, -2));
    const batch = batchShape.reduce((p, d) => p * d, 1);
    const ea = batched(expand(a2, [...batchShape, M, Ka]), batch);
    const eb = batched(expand(b2, [...batchShape, Kb, N]), batch);
    out = reshape(gemm3(ea, eb), [[...batchShape, M, N]]);
  }
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

/** torch.nn.functional.linear: x @ weight^T + bias. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D, got ${fmt_shape(weight._shape)}`);
  const [outF, inF] = weight._shape as [number, number];
  if (x.ndim === 0 || x._shape[x.ndim - 1] !== inF) {
    throw new RangeError(`mat1 and mat2 shapes cannot be multiplied (${x.ndim ? x._shape.slice(0, -1).reduce((p, d) => p * d, 1) : 1}x${x._shape[x.ndim - 1] ?? 1} and ${inF}x${outF})`);
  }
  same_dtype("linear", x, weight);
  if (bias) {
    if (bias.ndim !== 1 || bias._shape[0] !== outF) throw new RangeError(`linear: bias of shape ${fmt_shape(bias._shape)} does not match ${outF} output features`);
    same_dtype("linear", x, bias);
  }
  const lead = x._shape.slice(0, -1);
  const rows = lead.reduce((p, d) => p * d, 1);
  const flat = reshape(x, [[1, rows, inF]]);
  const wT = new Tensor(weight._data, weight._dtype, [1, inF, outF], [0, weight._strides[1]!, weight._strides[0]!], weight._offset);
  return reshape(gemm3(flat, wT, bias), [[...lead, outF]]);
}
