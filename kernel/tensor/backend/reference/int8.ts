// Reference int8 GEMM for LLM.int8() (bitsandbytes' int8_linear_matmul): the plain loop the native
// int8Gemm kernel (native/src/kernels/int8_gemm.cc) is tested against.

/** C[m, n] = Σ_k A[m, k]·B[n, k] with int32 accumulation (wrapping like int32, as cuBLASLt does);
 *  A [M, K] and B [N, K] contiguous int8 from a_off / b_off, C [M, N] contiguous int32 from c_off. */
export function int8Gemm(M: number, N: number, K: number,
                         a: Int8Array, a_off: number, b: Int8Array, b_off: number,
                         c: Int32Array, c_off: number): void {
  if (a.length < a_off + M * K || b.length < b_off + N * K || c.length < c_off + M * N) {
    throw new RangeError(`int8_gemm: an operand is shorter than [M, K] = [${M}, ${K}], [N, K] = [${N}, ${K}] or [M, N] = [${M}, ${N}] from its offset`);
  }
  for (let i = 0; i < M; i++) {
    const ai = a_off + i * K;
    for (let o = 0; o < N; o++) {
      const bo = b_off + o * K;
      let acc = 0;
      for (let j = 0; j < K; j++) acc = (acc + a[ai + j]! * b[bo + j]!) | 0;
      c[c_off + i * N + o] = acc;
    }
  }
}

/** int8Gemm into a new Int32Array [m, n]. */
export function int8_gemm_reference(a: Int8Array, b: Int8Array, m: number, n: number, k: number): Int32Array {
  const out = new Int32Array(m * n);
  int8Gemm(m, n, k, a, 0, b, 0, out, 0);
  return out;
}
