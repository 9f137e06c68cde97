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

#include "gemv.h"

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

// ---------------------------------------------------------------- microkernel
// acc[MR][NR] = sum_k Ap[k][0..MR) (x) Bp[k][0..NR); then C tile = acc (+ C when accumulate).
// Ap: MR floats per k, Bp: NR floats per k, both packed contiguously. The tile stays in
// registers: MR * NR / VL accumulators plus NR / VL vectors of B (28 + 2 of the 32 zmm registers
// on AVX-512, 12 + 2 of 16 ymm on AVX2); each A element is broadcast from memory.
constexpr int NV = NR / VL;
static_assert(NR % VL == 0, "NR must be a whole number of vectors");

void microkernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* c, int64_t ldc,
                 bool accumulate) {
  VecF acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) acc[i][j] = vzero();
  for (int64_t k = 0; k < kc; k++) {
    VecF b[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) b[j] = vload(bp + j * VL);
    prefetch(bp + 8 * NR);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const VecF a = vset1(ap[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; j++) acc[i][j] = vfma(a, b[j], acc[i][j]);
    }
    ap += MR;
    bp += NR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int j = 0; j < NV; j++) {
      float* cij = c + i * ldc + j * VL;
      vstore(cij, accumulate ? vadd(acc[i][j], vload(cij)) : acc[i][j]);
    }
}

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
      for (int64_t ic = m0; ic < m1 && !interrupted(); ic += MC) {
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
    // rows of x start cache lines (scratch is 64-byte aligned): split loads from L1 cost time too
    constexpr int64_t line = 64 / sizeof(float);
    const int64_t ldx = (K + line - 1) / line * line;
    float* x = scratch(2, M * ldx);
    gemv_x(A, sa_m, sa_k, M, K, x, ldx);
    split(N, 4, [&](int64_t n0, int64_t n1) {
      switch (M) {
        case 1: gemv_dot<1>(x, ldx, B, sb_n, K, n0, n1, C, N); break;
        case 2: gemv_dot<2>(x, ldx, B, sb_n, K, n0, n1, C, N); break;
        case 3: gemv_dot<3>(x, ldx, B, sb_n, K, n0, n1, C, N); break;
        default: gemv_dot<4>(x, ldx, B, sb_n, K, n0, n1, C, N); break;
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

// The bias in the accumulator's type (empty without a bias).
template <typename Acc>
std::vector<Acc> widened_bias(const GemmArgs& g) {
  std::vector<Acc> bias;
  if (!g.bias) return bias;
  bias.resize(static_cast<size_t>(g.N));
  dispatch_dtype(g.bias_dtype, [&](auto* tag) {
    using BT = std::remove_pointer_t<decltype(tag)>;
    for (int64_t j = 0; j < g.N; j++) bias[j] = Cast<Acc>::from(static_cast<const BT*>(g.bias)[j]);
  });
  return bias;
}

// Adds the bias and rounds the fp32 result into the output type.
template <typename T>
void finish_rows(const GemmArgs& g, const float* C, int64_t rows, T* out) {
  const std::vector<float> bias = widened_bias<float>(g);
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
      for (int64_t b = b0; b < b1 && !interrupted(); b++) gemm_one<T>(g, A + b * g.a_sb, B + b * g.b_sb, C + b * MN, false);
    });
  } else {
    for (int64_t b = 0; b < g.batch && !interrupted(); b++) gemm_one<T>(g, A + b * g.a_sb, B + b * g.b_sb, C + b * MN, true);
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
  const std::vector<Acc> bias = widened_bias<Acc>(g);
  parallel_for(g.batch * g.M, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.N * g.K)), [&](int64_t r0, int64_t r1) {
    std::vector<Acc> acc(static_cast<size_t>(g.N));
    for (int64_t r = r0; r < r1 && !interrupted(); r++) {
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
