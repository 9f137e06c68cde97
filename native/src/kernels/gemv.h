// Matrix-vector products, memory-bound: each weight is read once, so the work is streaming the
// weights at full bandwidth (whole cache lines, enough loads in flight) while x stays in L1.
#pragma once
#include "simd.h"

namespace lowbit {
namespace LOWBIT_ARCH {

// End of the whole blocks of 2 * VL weights from k = 0. Blocks start at k = 0 whatever the
// weights' address: peeling up to a cache line would make loads whole lines, but it would also
// make the summation order, and so the result's bits, depend on where the operand sits (in
// decoding the KV cache moves with every generate, and greedy ids with it).
inline int64_t gemv_body(int64_t K) { return K / (2 * VL) * (2 * VL); }

// y[r][c] = dot(x[r], column c of b) for R rows of x and C columns, column c contiguous at
// b + c * sb_n: the columns share the loads of x, and two accumulators per (row, column) keep
// enough FMAs in flight to cover their latency. Weights [0, body) go in blocks of 2 * VL, the
// rest in partial vectors.
template <int R, int C, typename T>
void gemv_block(const float* x, int64_t ldx, const T* b, int64_t sb_n, int64_t K, float* y, int64_t ldy) {
  VecF acc[R][C][2];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) acc[r][c][0] = acc[r][c][1] = vzero();
  const int64_t body = gemv_body(K);
  for (int64_t k = 0; k < body; k += 2 * VL) {
    // fp32 streams fastest on the hardware prefetcher alone; 16-bit weights spend
    // more instructions per byte widening, and a software prefetch 2 KB ahead pays for them
    if constexpr (!std::is_same_v<T, float>)
      for (int c = 0; c < C; c++) prefetch(b + c * sb_n + k + 2048 / sizeof(T));
    for (int u = 0; u < 2; u++) {
      VecF bv[C];
      for (int c = 0; c < C; c++) bv[c] = vload_half(b + c * sb_n + k, u);
      for (int r = 0; r < R; r++) {
        const VecF xv = vload(x + r * ldx + k + u * VL);
        for (int c = 0; c < C; c++) acc[r][c][u] = vfma(xv, bv[c], acc[r][c][u]);
      }
    }
  }
  auto edge = [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; k += VL) {
      const int64_t n = std::min<int64_t>(VL, k1 - k);
      for (int c = 0; c < C; c++) {
        const VecF bv = vload_part(b + c * sb_n + k, n);
        for (int r = 0; r < R; r++) acc[r][c][0] = vfma(vload_part(x + r * ldx + k, n), bv, acc[r][c][0]);
      }
    }
  };
  edge(body, K);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) y[r * ldy + c] = vsum(vadd(acc[r][c][0], acc[r][c][1]));
}

// y[r][n0:n1] = x[r] @ B[:, n0:n1] for R rows of x, where column n of B is contiguous: B + n * sb_n.
template <int R, typename T>
void gemv_dot(const float* x, int64_t ldx, const T* B, int64_t sb_n, int64_t K, int64_t n0, int64_t n1,
              float* y, int64_t ldy) {
  // one row of 16-bit weights goes 8 columns at a time: widening adds instructions per byte,
  // and more independent streams keep more loads in flight (more rows would spill registers)
  constexpr int C = sizeof(T) == 2 && R == 1 ? 8 : 4;
  int64_t n = n0;
  for (; n + C <= n1; n += C) gemv_block<R, C>(x, ldx, B + n * sb_n, sb_n, K, y + n, ldy);
  for (; n + 4 <= n1; n += 4) gemv_block<R, 4>(x, ldx, B + n * sb_n, sb_n, K, y + n, ldy);
  for (; n < n1; n++) gemv_block<R, 1>(x, ldx, B + n * sb_n, sb_n, K, y + n, ldy);
}

// y[n0:n1] = sum_k x[k] * B[k, n0:n1] where rows of B are contiguous (B + k * sb_k), four rows
// of B per sweep over a block of y that stays in L1.
template <typename T>
void gemv_axpy(const float* x, const T* B, int64_t sb_k, int64_t K, int64_t n0, int64_t n1, float* y) {
  constexpr int64_t kBlock = 2048;
  for (int64_t nb = n0; nb < n1; nb += kBlock) {
    const int64_t ne = std::min(n1, nb + kBlock);
    for (int64_t n = nb; n < ne; n++) y[n] = 0;
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const T* b0 = B + k * sb_k;
      const T *b1 = b0 + sb_k, *b2 = b1 + sb_k, *b3 = b2 + sb_k;
      const VecF x0 = vset1(x[k]), x1 = vset1(x[k + 1]), x2 = vset1(x[k + 2]), x3 = vset1(x[k + 3]);
      int64_t n = nb;
      for (; n + VL <= ne; n += VL) {
        VecF acc = vload(y + n);
        acc = vfma(x0, vload(b0 + n), acc);
        acc = vfma(x1, vload(b1 + n), acc);
        acc = vfma(x2, vload(b2 + n), acc);
        acc = vfma(x3, vload(b3 + n), acc);
        vstore(y + n, acc);
      }
      for (; n < ne; n++)
        y[n] += x[k] * Cast<float>::from(b0[n]) + x[k + 1] * Cast<float>::from(b1[n]) +
                x[k + 2] * Cast<float>::from(b2[n]) + x[k + 3] * Cast<float>::from(b3[n]);
    }
    for (; k < K; k++) {
      const T* b0 = B + k * sb_k;
      for (int64_t n = nb; n < ne; n++) y[n] += x[k] * Cast<float>::from(b0[n]);
    }
  }
}

template <typename T>
void widen_rows(const T* A, int64_t sa_m, int64_t sa_k, int64_t M, int64_t K, float* dst, int64_t ldd) {
  for (int64_t m = 0; m < M; m++) to_f32(A + m * sa_m, sa_k, K, dst + m * ldd);
}

// x as gemv_dot reads it: widened, and where vload_half takes bf16 weights as even then odd
// elements, each block of [0, body) stored in that order too.
template <typename T>
void gemv_x(const T* A, int64_t sa_m, int64_t sa_k, int64_t M, int64_t K, float* x, int64_t ldx) {
  widen_rows(A, sa_m, sa_k, M, K, x, ldx);
  if constexpr (std::is_same_v<T, BFloat16> && kSplitBF16) {
    const int64_t body = gemv_body(K);
    float block[2 * VL];
    for (int64_t m = 0; m < M; m++)
      for (int64_t k = 0; k < body; k += 2 * VL) {
        float* xk = x + m * ldx + k;
        for (int i = 0; i < VL; i++) {
          block[i] = xk[2 * i];
          block[VL + i] = xk[2 * i + 1];
        }
        std::copy(block, block + 2 * VL, xk);
      }
  }
}


}  // namespace LOWBIT_ARCH
}  // namespace lowbit
