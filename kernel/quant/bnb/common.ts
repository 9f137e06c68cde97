// Argument checks, float32 views and the blockwise kernels' calls shared by the bitsandbytes
// functional ops.
import { K } from "../../tensor/backend/index.js";
import { BLOCKWISE_KIND } from "../../tensor/backend/reference/quantize_blockwise.js";
import { allocate, DType, float32 } from "../../tensor/dtype.js";
import { read } from "../../tensor/elements.js";
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

/** A as the contiguous float16/bfloat16/float32 tensor the quantizers read (A itself when it is
 *  one). Refuses other dtypes and empty input. */
function float_input(fn: string, A: unknown): Tensor {
  if (!(A instanceof Tensor)) throw new TypeError(`${fn}: A must be a Tensor, got ${A === null ? "null" : typeof A}`);
  if (!FLOATS.includes(A.dtype.name)) {
    throw new TypeError(`${fn}: A must be float16, bfloat16 or float32 (as in bitsandbytes), got ${A.dtype}`);
  }
  if (A.numel() === 0) throw new RangeError(`${fn}: A is empty (shape [${A.shape.join(", ")}]); there is nothing to quantize`);
  return A.contiguous();
}

/** Per block of `blocksize` consecutive values of A: the codes and float32 absmax of
 *  Kernels.quantizeBlockwise (`kind`: BLOCKWISE_KIND). NaN/Inf are refused: the kernels would turn
 *  them into garbage codes without a word. */
export function quantize_blocks(fn: string, A: unknown, blocksize: number, kind: number, code: Float32Array | null): [Uint8Array, Float32Array] {
  const x = float_input(fn, A);
  const n = x.numel();
  const q = new Uint8Array(kind === BLOCKWISE_KIND.dynamic ? n : Math.ceil(n / 2));
  const absmax = new Float32Array(Math.ceil(n / blocksize));
  const bad = K.quantizeBlockwise(n, blocksize, kind, x._data, x.dtype.code, x._offset, code, q, absmax);
  if (bad >= 0) {
    throw new RangeError(`${fn}: A holds ${read(x._data, x.dtype, x._offset + bad)} at flat index ${bad}; blockwise quantization needs finite values ` +
      `(a NaN or Inf would make its block's absmax, and every code in the block, meaningless)`);
  }
  return [q, absmax];
}

/** code[q_i] · absmax[block] (Kernels.dequantizeBlockwise; q_i a byte for bits 8, a nibble for 4),
 *  rounded once from float32 to `dtype`, in `shape`. */
export function dequantize_blocks(q: Uint8Array, n: number, blocksize: number, bits: number, code: Float32Array,
                                  absmax: Float32Array, shape: readonly number[], dtype: DType): Tensor {
  const direct = FLOATS.includes(dtype.name);
  const out_dtype = direct ? dtype : float32;
  const out = allocate(out_dtype, n);
  K.dequantizeBlockwise(n, blocksize, bits, q, code, absmax, out, out_dtype.code);
  const t = new Tensor(out, out_dtype, shape);
  return direct ? t : t.to(dtype);
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
