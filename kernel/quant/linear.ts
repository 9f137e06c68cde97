// Linear quantization as DeepLearning.AI's "Quantization Fundamentals" / "Quantization in Depth"
// teach it: r = s·(q − z), q = clamp(round(r/s + z), qmin, qmax). Scales and zero points are
// computed the way the course's Python computes them (Python floats from .item(), Python's
// half-to-even round()), and the tensor arithmetic is torch's fp32, so codes match bit for bit.
import { round_half_even } from "../tensor/backend/reference/floats.js";
import { float32, int32 } from "../tensor/dtype.js";
import { tensor as make_tensor } from "../tensor/ops/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { dtype_arg, q_range, QDType } from "./dtype.js";

type DTypeArg = QDType | { dtype?: QDType };

/** Python 3's int(round(x)) for a float: ties go to the even integer, and the result is an int,
 *  so never -0 (Math.round(-0.4) is -0). The reference quantizers round their codes this way. */
export { round_half_even };

function need_tensor(fn: string, x: unknown, what = "tensor"): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}`);
  if (!x.dtype.is_floating_point && what === "tensor") {
    throw new TypeError(`${fn}: expected a floating point tensor to quantize, got ${x.dtype}; convert it with .float()`);
  }
}

// A zero or non-finite scale turns every code into NaN (torch casts those to garbage without a
// word), which is never what the learner meant: usually an all-zero or NaN/Inf slice.
function check_scale(fn: string, scale: number | Tensor): void {
  if (typeof scale === "number") {
    if (!(Number.isFinite(scale) && scale !== 0)) {
      throw new RangeError(`${fn}: the scale is ${scale}; a scale must be finite and non-zero (is the tensor all zeros, or does it hold NaN/Inf?)`);
    }
    return;
  }
  const flat = scale.reshape(-1).tolist() as number[];
  const bad = flat.findIndex((s) => !(Number.isFinite(s) && s !== 0));
  if (bad >= 0) {
    throw new RangeError(`${fn}: scale[${bad}] (flattened) is ${flat[bad]}; a scale must be finite and non-zero ` +
      `(is that channel/group all zeros, or does it hold NaN/Inf?)`);
  }
}

/** q = clamp(round(tensor / scale + zero_point), qmin, qmax).to(dtype). A number scale is a Python
 *  float: torch rounds it to float32 before the division, as it does any scalar operand. */
export function linear_q_with_scale_and_zero_point(tensor: Tensor, scale: number | Tensor, zero_point: number | Tensor,
  dtype?: DTypeArg): Tensor {
  const fn = "linear_q_with_scale_and_zero_point";
  need_tensor(fn, tensor);
  const r = q_range(dtype_arg(dtype));
  check_scale(fn, scale);
  const scaled_and_shifted = tensor.div(scale).add(zero_point);
  return scaled_and_shifted.round().clamp(r.qmin, r.qmax).to(r.storage);
}

/** r = scale · (q.float() − zero_point), in float32. */
export function linear_dequantization(quantized_tensor: Tensor, scale: number | Tensor, zero_point: number | Tensor = 0): Tensor {
  need_tensor("linear_dequantization", quantized_tensor, "quantized_tensor");
  return quantized_tensor.float().sub(zero_point).mul(scale);
}

function min_max(fn: string, tensor: Tensor): [number, number] {
  need_tensor(fn, tensor);
  if (tensor.numel() === 0) throw new RangeError(`${fn}: the tensor is empty; there is no range to quantize`);
  const rmin = tensor.min().item() as number;
  const rmax = tensor.max().item() as number;
  if (!Number.isFinite(rmin) || !Number.isFinite(rmax)) {
    throw new RangeError(`${fn}: the tensor holds NaN or Inf (min ${rmin}, max ${rmax}); remove or clamp them before quantizing`);
  }
  return [rmin, rmax];
}

/** [scale, zero_point] of the asymmetric scheme: the tensor's [min, max] maps onto [qmin, qmax].
 *  Both are Python numbers (float64 arithmetic on the fp32 min/max), as in the course. */
export function get_q_scale_and_zero_point(tensor: Tensor, dtype?: DTypeArg): [number, number] {
  const fn = "get_q_scale_and_zero_point";
  const { qmin, qmax } = q_range(dtype_arg(dtype));
  const [rmin, rmax] = min_max(fn, tensor);
  const scale = (rmax - rmin) / (qmax - qmin);
  if (scale === 0) {
    // Python raises ZeroDivisionError here; say why
    throw new RangeError(`${fn}: every value is ${rmin}, so the range is empty and the scale would be 0; ` +
      `a constant tensor cannot be quantized asymmetrically (use linear_q_symmetric, or skip it)`);
  }
  const zf = qmin - rmin / scale;
  // the course clamps rather than rounding a zero point that falls outside the range
  const zero_point = zf < qmin ? qmin : zf > qmax ? qmax : round_half_even(zf);
  return [scale, zero_point];
}

/** [quantized, scale, zero_point] with get_q_scale_and_zero_point's scale and zero point. */
export function linear_quantization(tensor: Tensor, dtype?: DTypeArg): [Tensor, number, number] {
  const [scale, zero_point] = get_q_scale_and_zero_point(tensor, dtype);
  return [linear_q_with_scale_and_zero_point(tensor, scale, zero_point, dtype), scale, zero_point];
}

/** max|tensor| / qmax, a Python number. */
export function get_q_scale_symmetric(tensor: Tensor, dtype?: DTypeArg): number {
  const fn = "get_q_scale_symmetric";
  need_tensor(fn, tensor);
  if (tensor.numel() === 0) throw new RangeError(`${fn}: the tensor is empty; there is no range to quantize`);
  const r_max = tensor.abs().max().item() as number;
  if (!Number.isFinite(r_max)) throw new RangeError(`${fn}: the tensor holds NaN or Inf (max |x| is ${r_max}); remove or clamp them first`);
  return r_max / q_range(dtype_arg(dtype)).qmax;
}

/** [quantized, scale] with zero point 0. (The course's version forgets to pass dtype on to
 *  get_q_scale_symmetric; here the scale uses the target's qmax, which is what it means.) */
export function linear_q_symmetric(tensor: Tensor, dtype?: DTypeArg): [Tensor, number] {
  const scale = get_q_scale_symmetric(tensor, dtype);
  return [linear_q_with_scale_and_zero_point(tensor, scale, 0, dtype), scale];
}

type DimArg = number | { dim?: number; dtype?: QDType };

function per_channel(fn: string, r_tensor: Tensor, dim_a: DimArg, dtype_a: DTypeArg | undefined, symmetric: boolean): [Tensor, Tensor, Tensor] {
  need_tensor(fn, r_tensor);
  const dim = typeof dim_a === "number" ? dim_a : dim_a?.dim;
  if (typeof dim !== "number" || !Number.isInteger(dim)) throw new TypeError(`${fn}: missing the integer argument dim (0 = per row, 1 = per column)`);
  const dtype = typeof dim_a === "object" && dim_a.dtype !== undefined ? dim_a.dtype : dtype_arg(dtype_a);
  const nd = r_tensor.ndim;
  if (dim < -nd || dim >= nd) throw new RangeError(`${fn}: dim ${dim} is out of range for a ${nd}-D tensor (expected in [${-nd}, ${nd - 1}])`);
  const d = dim < 0 ? dim + nd : dim;
  const n = r_tensor.shape[d]!;
  const scales: number[] = [];
  const zeros: number[] = [];
  for (let i = 0; i < n; i++) {
    const sub = r_tensor.select(d, i);
    if (symmetric) {
      scales.push(get_q_scale_symmetric(sub, dtype));
      zeros.push(0);
    } else {
      const [s, z] = get_q_scale_and_zero_point(sub, dtype);
      scales.push(s);
      zeros.push(z);
    }
  }
  const shape = r_tensor.shape.map(() => 1);
  shape[d] = -1;
  // the course fills torch.zeros(n) (float32) with Python floats: each is rounded to float32 there
  const scale = make_tensor(scales, { dtype: float32 }).view(shape);
  const zero_point = make_tensor(zeros, { dtype: int32 }).view(shape);
  return [linear_q_with_scale_and_zero_point(r_tensor, scale, symmetric ? 0 : zero_point, dtype), scale, zero_point];
}

/** [quantized, scale]: one symmetric scale per index along dim (dim 0 = per row, scale [rows, 1]). */
export function linear_q_symmetric_per_channel(r_tensor: Tensor, dim: DimArg, dtype?: DTypeArg): [Tensor, Tensor] {
  const [q, scale] = per_channel("linear_q_symmetric_per_channel", r_tensor, dim, dtype, true);
  return [q, scale];
}

/** [quantized, scale, zero_point]: the asymmetric scheme per index along dim (not in the course;
 *  zero_point is an int32 tensor shaped like scale). */
export function linear_q_per_channel(r_tensor: Tensor, dim: DimArg, dtype?: DTypeArg): [Tensor, Tensor, Tensor] {
  return per_channel("linear_q_per_channel", r_tensor, dim, dtype, false);
}

type GroupArg = number | { group_size?: number; dtype?: QDType };

function group_view(fn: string, t: Tensor, group_size: number): Tensor {
  if (t.ndim !== 2) throw new RangeError(`${fn}: expected a 2-D tensor (a weight matrix), got ${t.ndim}-D with shape [${t.shape.join(", ")}]; reshape it to 2-D first`);
  if (!Number.isInteger(group_size) || group_size <= 0) throw new RangeError(`${fn}: group_size must be a positive integer, got ${group_size}`);
  const cols = t.shape[1]!;
  if (cols % group_size !== 0) {
    throw new RangeError(`${fn}: group_size ${group_size} does not divide the ${cols} columns of the [${t.shape.join(", ")}] tensor; ` +
      `pick a group size that divides ${cols}`);
  }
  return t.reshape(-1, group_size);
}

function per_group(fn: string, tensor: Tensor, g_a: GroupArg, dtype_a: DTypeArg | undefined, symmetric: boolean): [Tensor, Tensor, Tensor] {
  need_tensor(fn, tensor);
  const group_size = typeof g_a === "number" ? g_a : g_a?.group_size;
  if (typeof group_size !== "number") throw new TypeError(`${fn}: missing the argument group_size`);
  const dtype = typeof g_a === "object" && g_a.dtype !== undefined ? g_a.dtype : dtype_arg(dtype_a);
  const grouped = group_view(fn, tensor, group_size);
  const [q, scale, zero_point] = per_channel(fn, grouped, 0, dtype, symmetric);
  return [q.view(tensor.shape), scale, zero_point];
}

/** [quantized, scale]: symmetric, one scale per group of group_size consecutive elements of a row
 *  (scale shape [rows·cols/group_size, 1]). */
export function linear_q_symmetric_per_group(tensor: Tensor, group_size: GroupArg, dtype?: DTypeArg): [Tensor, Tensor] {
  const [q, scale] = per_group("linear_q_symmetric_per_group", tensor, group_size, dtype, true);
  return [q, scale];
}

/** [quantized, scale, zero_point]: the asymmetric scheme per group (not in the course). */
export function linear_q_per_group(tensor: Tensor, group_size: GroupArg, dtype?: DTypeArg): [Tensor, Tensor, Tensor] {
  return per_group("linear_q_per_group", tensor, group_size, dtype, false);
}

/** The inverse of linear_q_symmetric_per_group (or, given zero_point, of linear_q_per_group). */
export function linear_dequantization_per_group(quantized_tensor: Tensor, scale: Tensor, group_size: number,
  zero_point: number | Tensor = 0): Tensor {
  const fn = "linear_dequantization_per_group";
  need_tensor(fn, quantized_tensor, "quantized_tensor");
  const grouped = group_view(fn, quantized_tensor, group_size);
  return linear_dequantization(grouped, scale, zero_point).view(quantized_tensor.shape);
}

/** The mean squared error between a tensor and its dequantized version (a 0-d float tensor). */
export function quantization_error(tensor: Tensor, dequantized_tensor: Tensor): Tensor {
  need_tensor("quantization_error", tensor);
  need_tensor("quantization_error", dequantized_tensor, "dequantized_tensor");
  return dequantized_tensor.sub(tensor).abs().square().mean();
}
