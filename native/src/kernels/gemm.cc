// Matrix products: C[b] = A[b] @ B[b] (+ bias). 16-bit float inputs are widened to float while
// packing and accumulate in fp32; the result is rounded to the output type once (PyTorch 2's
// CPU behaviour). Three paths, chosen per call:
//   - gemv: one output row (or column): a dot or axpy sweep that reads B once, memory-bound;
//   - packed: BLIS-style blocking with a register-tiled microkernel (MR x NR) per instruction set;
//   - reference: plain triple loop, for f64 and integer types (and the scalar build's baseline).
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

#if defined(LOWBIT_AVX512)
constexpr int MR = 14, NR = 32;
constexpr int64_t KC = 256, MC = MR * 12, NC = 4096;
#elif defined(LOWBIT_AVX2)
constexpr int MR = 6, NR = 16;
constexpr int64_t KC = 256, MC = MR * 24, NC = 4096;
#else
constexpr int MR = 4, NR = 8;
constexpr int64_t KC = 256, MC = MR * 32, NC = 2048;
#endif

struct AlignedFree { void operator()(float* p) const { std::free(p); } };
using Buffer = std::unique_ptr<float[], AlignedFree>;

Buffer aligned_floats(int64_t n) {
  const size_t bytes = ((static_cast<size_t>(n) * sizeof(float) + 63) / 64) * 64;
  return Buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

// ---------------------------------------------------------------- microkernels
// acc[MR][NR] = sum_k Ap[k][0..MR) (x) Bp[k][0..NR); then C tile = acc (+ C when accumulate).
// Ap: MR floats per k, Bp: NR floats per k, both packed contiguously.

#if defined(LOWBIT_AVX512)
void microkernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc,
                 bool accumulate) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
  for (int i = 0; i < MR; i++) { acc0[i] = _mm512_setzero_ps(); acc1[i] = _mm512_setzero_ps(); }
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
    _mm_prefetch(reinterpret_cast<const char*>(bp + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(ap[i]);
      acc0[i] = _mm512_fmadd_ps(a, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(a, b1, acc1[i]);
    }
    ap += MR;
    bp += NR;
  }
#pragma GCC unroll 14
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc0[i] = _mm512_add_ps(acc0[i], _mm512_loadu_ps(ci));
      acc1[i] = _mm512_add_ps(acc1[i], _mm512_loadu_ps(ci + 16));
    }
    _mm512_storeu_ps(ci, acc0[i]);
    _mm512_storeu_ps(ci + 16, acc1[i]);
  }
}
#elif defined(LOWBIT_AVX2)
void microkernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc,
                 bool accumulate) {
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) { acc0[i] = _mm256_setzero_ps(); acc1[i] = _mm256_setzero_ps(); }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(ap + i);
      acc0[i] = _mm256_fmadd_ps(a, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(a, b1, acc1[i]);
    }
    ap += MR;
    bp += NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc0[i] = _mm256_add_ps(acc0[i], _mm256_loadu_ps(ci));
      acc1[i] = _mm256_add_ps(acc1[i], _mm256_loadu_ps(ci + 8));
    }
    _mm256_storeu_ps(ci, acc0[i]);
    _mm256_storeu_ps(ci + 8, acc1[i]);
  }
}
#else
void microkernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc,
                 bool accumulate) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++, ap += MR, bp += NR)
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += ap[i] * bp[j];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
#endif

// ---------------------------------------------------------------- packing
// Element (r, k) of a panel lives at src + r * rs + k * ks; it is stored at dst[k * P + r] as
// float, and rows past `rows` are zero so edge tiles run the same microkernel.
template <typename T>
void pack_panel(const T* src, int64_t rs, int64_t ks, int rows, int P, int64_t kc, float* dst) {
  if (rs == 1) {
    for (int64_t k = 0; k < kc; k++) {
      to_f32(src + k * ks, 1, rows, dst + k * P);
      for (int r = rows; r < P; r++) dst[k * P + r] = 0;
    }
    return;
  }
  if (ks == 1) {
    float row[KC];
    for (int r = 0; r < rows; r++) {
      to_f32(src + r * rs, 1, kc, row);
      for (int64_t k = 0; k < kc; k++) dst[k * P + r] = row[k];
    }
  } else {
    for (int r = 0; r < rows; r++)
      for (int64_t k = 0; k < kc; k++) dst[k * P + r] = Cast<float>::from(src[r * rs + k * ks]);
  }
  for (int r = rows; r < P; r++)
    for (int64_t k = 0; k < kc; k++) dst[k * P + r] = 0;
}

// Per-thread buffers, kept between calls (the pool's threads live as long as the process):
// 0 and 1 hold gemm_packed's panels of B and A, 2 the widened x of a gemv.
float* scratch(int which, int64_t n) {
  thread_local Buffer bufs[3];
  thread_local int64_t caps[3] = {0, 0, 0};
  if (caps[which] < n) {
    bufs[which] = aligned_floats(n);
    caps[which] = n;
  }
  return bufs[which].get();
}

// C[m0:m1, n0:n1] of one batch, fp32, ldc = N.
template <typename T>
void gemm_packed(const T* A, int64_t sa_m, int64_t sa_k, const T* B, int64_t sb_k, int64_t sb_n,
                 int64_t K, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float* C, int64_t ldc) {
  const int64_t ncap = std::min<int64_t>(NC, ((n1 - n0 + NR - 1) / NR) * NR);
  float* bpack = scratch(0, KC * ncap);
  float* apack = scratch(1, KC * MC);
  alignas(64) float edge[MR * NR];
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = std::min(NC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      for (int64_t jr = 0; jr < nc; jr += NR)
        pack_panel(B + pc * sb_k + (jc + jr) * sb_n, sb_n, sb_k, static_cast<int>(std::min<int64_t>(NR, nc - jr)), NR,
                   kc, bpack + jr * kc);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic);
        for (int64_t ir = 0; ir < mc; ir += MR)
          pack_panel(A + (ic + ir) * sa_m + pc * sa_k, sa_m, sa_k, static_cast<int>(std::min<int64_t>(MR, mc - ir)), MR,
                     kc, apack + ir * kc);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = std::min<int64_t>(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = std::min<int64_t>(MR, mc - ir);
            float* c = C + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              microkernel(kc, apack + ir * kc, bpack + jr * kc, c, ldc, pc > 0);
            } else {
              microkernel(kc, apack + ir * kc, bpack + jr * kc, edge, NR, false);
              for (int64_t i = 0; i < mr; i++)
                for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = (pc > 0 ? c[i * ldc + j] : 0.f) + edge[i * NR + j];
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- gemv
// Vector loads that widen T to float: 16 lanes (AVX-512), 8 (AVX2), or 1 (scalar build).
#if defined(LOWBIT_AVX512)
using VecF = __m512;
constexpr int VL = 16;
inline VecF vload(const float* p) { return _mm512_loadu_ps(p); }
inline VecF vload(const BFloat16* p) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16));
}
inline VecF vload(const Half* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
// the first n (<= VL) elements, zeros after them; nothing past them is read
inline __mmask16 first(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }
inline VecF vload_part(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(first(n), p); }
inline VecF vload_part(const BFloat16* p, int64_t n) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(first(n), p)), 16));
}
inline VecF vload_part(const Half* p, int64_t n) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(first(n), p)); }
inline VecF vzero() { return _mm512_setzero_ps(); }
inline VecF vfma(VecF a, VecF b, VecF c) { return _mm512_fmadd_ps(a, b, c); }
inline VecF vset1(float x) { return _mm512_set1_ps(x); }
inline void vstore(float* p, VecF v) { _mm512_storeu_ps(p, v); }
// the halving tree of _mm512_reduce_add_ps, which GCC 12 falsely warns about once inlined in a loop
inline float vsum(VecF v) {
  const __m256 h = _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline VecF vadd(VecF a, VecF b) { return _mm512_add_ps(a, b); }
template <typename T> inline void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
// Half u of 2 * VL bf16 as floats: the even elements (u = 0) or the odd ones (u = 1). A bf16 is
// the top half of a float, so one shift or one mask widens a whole register of pairs; gemv_x
// stores x in the same order.
constexpr bool kSplitBF16 = true;
inline VecF vload_half(const BFloat16* p, int u) {
  const __m512i w = _mm512_loadu_si512(p);
  return _mm512_castsi512_ps(u == 0 ? _mm512_slli_epi32(w, 16) : _mm512_and_si512(w, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
}
#elif defined(LOWBIT_AVX2)
using VecF = __m256;
constexpr int VL = 8;
inline VecF vload(const float* p) { return _mm256_loadu_ps(p); }
inline VecF vload(const BFloat16* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
}
inline VecF vload(const Half* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
// the first n (<= VL) elements, zeros after them; nothing past them is read
inline VecF vload_part(const float* p, int64_t n) {
  return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}
template <typename T> inline VecF vload_part(const T* p, int64_t n) {  // AVX2 has no 16-bit masked load
  T tmp[VL] = {};
  for (int64_t i = 0; i < n; i++) tmp[i] = p[i];
  return vload(tmp);
}
inline VecF vzero() { return _mm256_setzero_ps(); }
inline VecF vfma(VecF a, VecF b, VecF c) { return _mm256_fmadd_ps(a, b, c); }
inline VecF vset1(float x) { return _mm256_set1_ps(x); }
inline void vstore(float* p, VecF v) { _mm256_storeu_ps(p, v); }
inline VecF vadd(VecF a, VecF b) { return _mm256_add_ps(a, b); }
template <typename T> inline void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
// Half u of 2 * VL bf16: even (u = 0) or odd (u = 1) elements, as in the AVX-512 build.
constexpr bool kSplitBF16 = true;
inline VecF vload_half(const BFloat16* p, int u) {
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm256_castsi256_ps(u == 0 ? _mm256_slli_epi32(w, 16) : _mm256_and_si256(w, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
}
inline float vsum(VecF v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#else
// portable 8-lane vector: independent partial sums keep dot products accurate (and let the
// compiler use whatever SIMD the baseline target has)
constexpr int VL = 8;
struct VecF { float v[VL]; };
template <typename T> inline VecF vload(const T* p) {
  VecF r;
  for (int i = 0; i < VL; i++) r.v[i] = Cast<float>::from(p[i]);
  return r;
}
template <typename T> inline VecF vload_part(const T* p, int64_t n) {
  VecF r{};
  for (int64_t i = 0; i < n; i++) r.v[i] = Cast<float>::from(p[i]);
  return r;
}
inline VecF vzero() { return VecF{}; }
inline VecF vfma(VecF a, VecF b, VecF c) {
  for (int i = 0; i < VL; i++) c.v[i] += a.v[i] * b.v[i];
  return c;
}
inline VecF vset1(float x) {
  VecF r;
  for (int i = 0; i < VL; i++) r.v[i] = x;
  return r;
}
inline void vstore(float* p, VecF v) {
  for (int i = 0; i < VL; i++) p[i] = v.v[i];
}
inline float vsum(VecF v) {
  float s = 0;
  for (int i = 0; i < VL; i++) s += v.v[i];
  return s;
}
inline VecF vadd(VecF a, VecF b) {
  for (int i = 0; i < VL; i++) a.v[i] += b.v[i];
  return a;
}
template <typename T> inline void prefetch(const T*) {}
constexpr bool kSplitBF16 = false;
#endif

// Half u of the 2 * VL weights at p as floats: elements [u * VL, (u + 1) * VL) (but see the bf16
// overloads above).
template <typename T> inline VecF vload_half(const T* p, int u) { return vload(p + u * VL); }

// Weights before the first 64-byte boundary of a row when all rows share its alignment (else 0), so
// that the block loop reads whole cache lines: big tensors from Node's allocator start 16 bytes
// past one, and loads split across lines (and pages) lose 10-25% of the DRAM bandwidth.
template <typename T>
int64_t gemv_head(const T* B, int64_t sb_n, int64_t K) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(B);
  if ((sb_n * sizeof(T)) % 64 != 0 || addr % sizeof(T) != 0) return 0;
  return std::min<int64_t>(K, (64 - addr % 64) % 64 / sizeof(T));
}

// End of the whole blocks of 2 * VL weights that start at head.
inline int64_t gemv_body(int64_t K, int64_t head) { return head + (K - head) / (2 * VL) * (2 * VL); }

// y[r][c] = dot(x[r], column c of b) for R rows of x and C columns, column c contiguous at
// b + c * sb_n: the columns share the loads of x, and two accumulators per (row, column) keep
// enough FMAs in flight to cover their latency. Weights [head, body) go in blocks of 2 * VL,
// the ends in partial vectors.
template <int R, int C, typename T>
void gemv_block(const float* x, int64_t ldx, const T* b, int64_t sb_n, int64_t K, int64_t head, float* y, int64_t ldy) {
  VecF acc[R][C][2];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) acc[r][c][0] = acc[r][c][1] = vzero();
  const int64_t body = gemv_body(K, head);
  for (int64_t k = head; k < body; k += 2 * VL) {
    // aligned fp32 streams fastest on the hardware prefetcher alone; 16-bit weights spend
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
  edge(0, head);
  edge(body, K);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) y[r * ldy + c] = vsum(vadd(acc[r][c][0], acc[r][c][1]));
}

// y[r][n0:n1] = x[r] @ B[:, n0:n1] for R rows of x, where column n of B is contiguous: B + n * sb_n.
template <int R, typename T>
void gemv_dot(const float* x, int64_t ldx, const T* B, int64_t sb_n, int64_t K, int64_t head, int64_t n0, int64_t n1,
              float* y, int64_t ldy) {
  // one row of 16-bit weights goes 8 columns at a time: widening adds instructions per byte,
  // and more independent streams keep more loads in flight (more rows would spill registers)
  constexpr int C = sizeof(T) == 2 && R == 1 ? 8 : 4;
  int64_t n = n0;
  for (; n + C <= n1; n += C) gemv_block<R, C>(x, ldx, B + n * sb_n, sb_n, K, head, y + n, ldy);
  for (; n + 4 <= n1; n += 4) gemv_block<R, 4>(x, ldx, B + n * sb_n, sb_n, K, head, y + n, ldy);
  for (; n < n1; n++) gemv_block<R, 1>(x, ldx, B + n * sb_n, sb_n, K, head, y + n, ldy);
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

// ---------------------------------------------------------------- driver
template <typename T>
void widen_rows(const T* A, int64_t sa_m, int64_t sa_k, int64_t M, int64_t K, float* dst, int64_t ldd) {
  for (int64_t m = 0; m < M; m++) to_f32(A + m * sa_m, sa_k, K, dst + m * ldd);
}

// x as gemv_dot reads it: widened, and where vload_half takes bf16 weights as even then odd
// elements, each block of [head, body) stored in that order too.
template <typename T>
void gemv_x(const T* A, int64_t sa_m, int64_t sa_k, int64_t M, int64_t K, int64_t head, float* x, int64_t ldx) {
  widen_rows(A, sa_m, sa_k, M, K, x, ldx);
  if constexpr (std::is_same_v<T, BFloat16> && kSplitBF16) {
    const int64_t body = gemv_body(K, head);
    float block[2 * VL];
    for (int64_t m = 0; m < M; m++)
      for (int64_t k = head; k < body; k += 2 * VL) {
        float* xk = x + m * ldx + k;
        for (int i = 0; i < VL; i++) {
          block[i] = xk[2 * i];
          block[VL + i] = xk[2 * i + 1];
        }
        std::copy(block, block + 2 * VL, xk);
      }
  }
}

// Runs one batch entry's product into the fp32 buffer C (ldc = N), using all threads.
template <typename T>
void gemm_one(const GemmArgs& g, const T* A, const T* B, float* C, bool parallel) {
  int64_t M = g.M, N = g.N, K = g.K;
  int64_t sa_m = g.a_sm, sa_k = g.a_sk, sb_k = g.b_sk, sb_n = g.b_sn;
  const int64_t threads = parallel ? num_threads() : 1;
  auto split = [&](int64_t n, int64_t align, auto&& fn) {
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / std::max<int64_t>(align, 1)));
    const int64_t chunk = ((n + parts - 1) / parts + align - 1) / align * align;
    parallel_for(parts, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; p++) {
        const int64_t b = p * chunk, e = std::min(n, b + chunk);
        if (b < e) fn(b, e);
      }
    });
  };
  // A matrix-vector product M x 1 is the same as 1 x M with the operands swapped and transposed;
  // C is then one contiguous row either way.
  if (N == 1 && M > 1) {
    std::swap(M, N);
    std::swap(A, B);
    const int64_t a_m = sb_n, a_k = sb_k, b_k = sa_k, b_n = sa_m;
    sa_m = a_m; sa_k = a_k; sb_k = b_k; sb_n = b_n;
  }
  if (M <= 4 && K > 0 && sb_k == 1) {
    // x[r] + head starts a cache line, as the weights it meets there do: split loads of x
    // from L1 cost as much as split loads of the weights
    constexpr int64_t line = 64 / sizeof(float);
    const int64_t head = gemv_head(B, sb_n, K);
    const int64_t ldx = (K + line - 1) / line * line, pad = (line - head % line) % line;
    float* x = scratch(2, pad + M * ldx) + pad;
    gemv_x(A, sa_m, sa_k, M, K, head, x, ldx);
    split(N, 4, [&](int64_t n0, int64_t n1) {
      switch (M) {
        case 1: gemv_dot<1>(x, ldx, B, sb_n, K, head, n0, n1, C, N); break;
        case 2: gemv_dot<2>(x, ldx, B, sb_n, K, head, n0, n1, C, N); break;
        case 3: gemv_dot<3>(x, ldx, B, sb_n, K, head, n0, n1, C, N); break;
        default: gemv_dot<4>(x, ldx, B, sb_n, K, head, n0, n1, C, N); break;
      }
    });
    return;
  }
  if (M == 1 && K > 0 && sb_n == 1) {
    float* x = scratch(2, K);
    widen_rows(A, sa_m, sa_k, M, K, x, K);
    split(N, 64, [&](int64_t n0, int64_t n1) { gemv_axpy(x, B, sb_k, K, n0, n1, C); });
    return;
  }
  if (K == 0) {
    for (int64_t i = 0; i < M * N; i++) C[i] = 0;
    return;
  }
  if (M >= N) {
    split(M, MR, [&](int64_t m0, int64_t m1) { gemm_packed(A, sa_m, sa_k, B, sb_k, sb_n, K, m0, m1, 0, N, C, N); });
  } else {
    split(N, NR, [&](int64_t n0, int64_t n1) { gemm_packed(A, sa_m, sa_k, B, sb_k, sb_n, K, 0, M, n0, n1, C, N); });
  }
}

// Adds the bias and rounds the fp32 result into the output type.
template <typename T>
void finish_rows(const GemmArgs& g, const float* C, int64_t rows, T* out) {
  std::vector<float> bias;
  if (g.bias) {
    bias.resize(static_cast<size_t>(g.N));
    dispatch_dtype(g.bias_dtype, [&](auto* tag) {
      using BT = std::remove_pointer_t<decltype(tag)>;
      for (int64_t j = 0; j < g.N; j++) bias[j] = Cast<float>::from(static_cast<const BT*>(g.bias)[j]);
    });
  }
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(g.N, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> tmp(static_cast<size_t>(g.N));
    for (int64_t r = r0; r < r1; r++) {
      const float* c = C + r * g.N;
      const float* src = c;
      if (!bias.empty()) {
        for (int64_t j = 0; j < g.N; j++) tmp[j] = c[j] + bias[j];
        src = tmp.data();
      }
      if constexpr (std::is_same_v<T, float>) {
        if (src != out + r * g.N) for (int64_t j = 0; j < g.N; j++) out[r * g.N + j] = src[j];
      } else {
        from_f32(src, g.N, out + r * g.N, 1);
      }
    }
  });
}

template <typename T>
void gemm_float(const GemmArgs& g) {
  const T* A = static_cast<const T*>(g.a);
  const T* B = static_cast<const T*>(g.b);
  T* out = static_cast<T*>(g.c);
  const int64_t MN = g.M * g.N;
  // fp32 output without bias is written in place; otherwise through an fp32 buffer
  const bool direct = std::is_same_v<T, float> && !g.bias;
  std::vector<float> tmp;
  if (!direct) tmp.resize(static_cast<size_t>(g.batch * MN));
  float* C = direct ? reinterpret_cast<float*>(out) : tmp.data();
  if (g.batch >= num_threads() && g.batch > 1) {
    parallel_for(g.batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b++) gemm_one<T>(g, A + b * g.a_sb, B + b * g.b_sb, C + b * MN, false);
    });
  } else {
    for (int64_t b = 0; b < g.batch; b++) gemm_one<T>(g, A + b * g.a_sb, B + b * g.b_sb, C + b * MN, true);
  }
  if (!direct) finish_rows<T>(g, C, g.batch * g.M, out);
}

// f64 and integer products: accumulate in double / int64, row by row.
template <typename T>
void gemm_reference(const GemmArgs& g) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  const T* A = static_cast<const T*>(g.a);
  const T* B = static_cast<const T*>(g.b);
  T* C = static_cast<T*>(g.c);
  std::vector<Acc> bias;
  if (g.bias) {
    bias.resize(static_cast<size_t>(g.N));
    dispatch_dtype(g.bias_dtype, [&](auto* tag) {
      using BT = std::remove_pointer_t<decltype(tag)>;
      for (int64_t j = 0; j < g.N; j++) bias[j] = Cast<Acc>::from(static_cast<const BT*>(g.bias)[j]);
    });
  }
  parallel_for(g.batch * g.M, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.N * g.K)), [&](int64_t r0, int64_t r1) {
    std::vector<Acc> acc(static_cast<size_t>(g.N));
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / g.M, m = r % g.M;
      const T* a = A + b * g.a_sb + m * g.a_sm;
      const T* bb = B + b * g.b_sb;
      std::fill(acc.begin(), acc.end(), Acc(0));
      for (int64_t k = 0; k < g.K; k++) {
        const Acc av = static_cast<Acc>(load(a[k * g.a_sk]));
        const T* brow = bb + k * g.b_sk;
        for (int64_t n = 0; n < g.N; n++) {
          const Acc bv = static_cast<Acc>(load(brow[n * g.b_sn]));
          if constexpr (std::is_floating_point_v<Acc>) acc[n] += av * bv;
          else acc[n] = wrap_add(acc[n], wrap_mul(av, bv));  // integer products wrap, as in torch
        }
      }
      for (int64_t n = 0; n < g.N; n++) {
        Acc v = acc[n];
        if (g.bias) {
          if constexpr (std::is_floating_point_v<Acc>) v += bias[n];
          else v = wrap_add(v, bias[n]);
        }
        C[r * g.N + n] = Cast<T>::from(v);
      }
    }
  });
}

}  // namespace

void gemm(const GemmArgs& g) {
  switch (g.a_dtype) {
    case kFloat32: return gemm_float<float>(g);
    case kBFloat16: return gemm_float<BFloat16>(g);
    case kFloat16: return gemm_float<Half>(g);
    default:
      dispatch_dtype(g.a_dtype, [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return;
        else gemm_reference<T>(g);
      });
  }
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
