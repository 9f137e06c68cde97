// Argument checks and float32 views shared by the bitsandbytes functional ops.
import { DType, float32 } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";

/** The block sizes bitsandbytes' kernels accept. */
export const BLOCKSIZES = [4096, 2048, 1024, 512, 256, 128, 64] as const;
const FLOATS = ["float16", "bfloat16", "float32"];

export function check_blocksize(fn: string, blocksize: unknown): number {
  if (typeof blocksize !== "number" || !(BLOCKSIZES as readonly number[]).includes(blocksize)) {
    throw new RangeError(`${fn}: blocksize must be one of ${BLOCKSIZES.join(", ")} (as in bitsandbytes), got ${String(blocksize)}`);
  }
  return blocksize;
}

/** A.reshape(-1).float() as a Float32Array (read only; may share A's storage). Refuses non-float,
 *  empty and non-finite input: the kernels would turn NaN/Inf into garbage codes without a word. */
export function float_input(fn: string, A: unknown): Float32Array {
  if (!(A instanceof Tensor)) throw new TypeError(`${fn}: A must be a Tensor, got ${A === null ? "null" : typeof A}`);
  if (!FLOATS.includes(A.dtype.name)) {
    throw new TypeError(`${fn}: A must be float16, bfloat16 or float32 (as in bitsandbytes), got ${A.dtype}`);
  }
  if (A.numel() === 0) throw new RangeError(`${fn}: A is empty (shape [${A.shape.join(", ")}]); there is nothing to quantize`);
  const x = f32_flat(A);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new RangeError(`${fn}: A holds ${x[i]} at flat index ${i}; blockwise quantization needs finite values ` +
        `(a NaN or Inf would make its block's absmax, and every code in the block, meaningless)`);
    }
  }
  return x;
}

export function f32_flat(A: Tensor): Float32Array {
  const c = A.reshape(-1).to(float32).contiguous();
  return (c._data as Float32Array).subarray(c._offset, c._offset + c.numel());
}

export function u8_flat(fn: string, what: string, A: unknown): Uint8Array {
  if (!(A instanceof Tensor)) throw new TypeError(`${fn}: ${what} must be a Tensor, got ${A === null ? "null" : typeof A}`);
  if (A.dtype.name !== "uint8") throw new TypeError(`${fn}: ${what} must be a uint8 tensor of codes, got ${A.dtype}`);
  const c = A.reshape(-1).contiguous();
  return (c._data as Uint8Array).subarray(c._offset, c._offset + c.numel());
}

/** float32 values, rounded once to `dtype`, in `shape`. */
export function from_f32(values: Float32Array, shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(values, float32, shape);
  return dtype === float32 ? t : t.to(dtype);
}

/** Per block of `blocksize` consecutive values: absmax = max|x| (float32), and each value's code
 *  from y = x · fp32(1/absmax) -- the kernels' reciprocal then multiply, no clamp. An all-zero
 *  block gives 0 · Inf = NaN, which every code search of bitsandbytes sends to a fixed code. */
export function quantize_blocks(x: Float32Array, blocksize: number, encode: (y: number) => number): [Uint8Array, Float32Array] {
  const n = x.length;
  const blocks = Math.ceil(n / blocksize);
  const q = new Uint8Array(n);
  const absmax = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(n, (b + 1) * blocksize);
    let m = 0;
    for (let i = b * blocksize; i < end; i++) m = Math.max(m, Math.abs(x[i]!));
    absmax[b] = m;
    const r = Math.fround(1 / m);
    for (let i = b * blocksize; i < end; i++) q[i] = encode(Math.fround(x[i]! * r));
  }
  return [q, absmax];
}
