// LLM.int8()'s integer product: C[m, n] = sum_k A[m, k] * B[n, k], int8 x int8 -> int32, exact
// (wrapping modulo 2^32 like the int32 accumulators of cuBLASLt; any summation order gives the
// same bits). B is row-major [N, K] -- a linear layer's weight -- so every output is a dot of two
// contiguous rows. Three paths, by instruction set:
//   - scalar: a plain loop in uint32 arithmetic (wraps without undefined behaviour);
//   - AVX2 / AVX-512BW: sign-extend to int16 and _mm*_madd_epi16 (pairs of products, at most
//     2 * 128 * 128 = 2^15 in magnitude, never saturate), summed in int32 lanes;
//   - AVX-512 VNNI (when the CPU has it and LOWBIT_NO_VNNI is unset): _mm512_dpbusd_epi32 on (B + 128) as unsigned bytes times
//     A as signed, minus 128 * sum_k A[m, k]; dpbusd (not dpbusds) wraps, so this stays exact.
//     _mm*_maddubs_epi16 is not used: its int16 pair sums saturate (255 * 127 * 2 > 2^15).
// Tiles of one A row x 4 B rows; blocks of B rows small enough to stay in L2 are swept by every
// A row; threads split the output rows of B (or of A when B has fewer rows than threads).
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "../cpu/cpuinfo.h"
#include "arch.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

constexpr int NT = 4;  // B rows per tile

// wrapping int32 sum of a[0..n) * b[0..n) into acc
inline uint32_t dot_tail(const int8_t* a, const int8_t* b, int64_t n, uint32_t acc) {
  for (int64_t k = 0; k < n; k++)
    acc += static_cast<uint32_t>(static_cast<int32_t>(a[k]) * static_cast<int32_t>(b[k]));
  return acc;
}

#if defined(LOWBIT_AVX512)
// _mm512_reduce_add_epi32's tree, spelled out: GCC 12 falsely warns about the intrinsic (as simd.h notes)
inline int32_t hsum(__m512i v) {
  const __m256i h = _mm256_add_epi32(_mm512_extracti32x8_epi32(v, 0), _mm512_extracti32x8_epi32(v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}
inline __m512i widen32(const int8_t* p) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512i widen32_part(const int8_t* p, int64_t n) {
  return _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(static_cast<__mmask32>((uint64_t{1} << n) - 1), p));
}

// out[j] = a . b[j] for NT rows of B (nb of them real)
void tile_bw(const int8_t* a, const int8_t* const* b, int64_t K, int32_t* out) {
  __m512i acc[NT];
  for (int j = 0; j < NT; j++) acc[j] = _mm512_setzero_si512();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    const __m512i av = widen32(a + k);
#pragma GCC unroll 4
    for (int j = 0; j < NT; j++) acc[j] = _mm512_add_epi32(acc[j], _mm512_madd_epi16(av, widen32(b[j] + k)));
  }
  if (k < K) {
    const __m512i av = widen32_part(a + k, K - k);
#pragma GCC unroll 4
    for (int j = 0; j < NT; j++) acc[j] = _mm512_add_epi32(acc[j], _mm512_madd_epi16(av, widen32_part(b[j] + k, K - k)));
  }
  for (int j = 0; j < NT; j++) out[j] = hsum(acc[j]);
}

__attribute__((target("avx512vnni"))) void tile_vnni(const int8_t* a, const int8_t* const* b, int64_t K,
                                                     int32_t* out) {
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80)), ones = _mm512_set1_epi8(1);
  __m512i acc[NT], asum = _mm512_setzero_si512();
  for (int j = 0; j < NT; j++) acc[j] = _mm512_setzero_si512();
  int64_t k = 0;
  for (; k + 64 <= K; k += 64) {
    const __m512i av = _mm512_loadu_si512(a + k);
    asum = _mm512_dpbusd_epi32(asum, ones, av);
#pragma GCC unroll 4
    for (int j = 0; j < NT; j++)
      acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_xor_si512(_mm512_loadu_si512(b[j] + k), bias), av);
  }
  if (k < K) {
    // masked-off bytes: A is 0 there, so (B + 128) * 0 adds nothing
    const __mmask64 m = K - k >= 64 ? ~__mmask64{0} : (__mmask64{1} << (K - k)) - 1;
    const __m512i av = _mm512_maskz_loadu_epi8(m, a + k);
    asum = _mm512_dpbusd_epi32(asum, ones, av);
#pragma GCC unroll 4
    for (int j = 0; j < NT; j++)
      acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, b[j] + k), bias), av);
  }
  // sum_k (B + 128) A = sum_k A B + 128 sum_k A
  const uint32_t corr = 128u * static_cast<uint32_t>(hsum(asum));
  for (int j = 0; j < NT; j++) out[j] = static_cast<int32_t>(static_cast<uint32_t>(hsum(acc[j])) - corr);
}
#elif defined(LOWBIT_AVX2)
inline __m256i widen16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

void tile_avx2(const int8_t* a, const int8_t* const* b, int64_t K, int32_t* out) {
  __m256i acc[NT];
  for (int j = 0; j < NT; j++) acc[j] = _mm256_setzero_si256();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m256i av = widen16(a + k);
#pragma GCC unroll 4
    for (int j = 0; j < NT; j++) acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(av, widen16(b[j] + k)));
  }
  for (int j = 0; j < NT; j++)
    out[j] = static_cast<int32_t>(dot_tail(a + k, b[j] + k, K - k, static_cast<uint32_t>(hsum(acc[j]))));
}
#else
void tile_scalar(const int8_t* a, const int8_t* const* b, int64_t K, int32_t* out) {
  uint32_t acc[NT] = {0, 0, 0, 0};
  for (int64_t k = 0; k < K; k++) {
    const int32_t av = a[k];
    for (int j = 0; j < NT; j++) acc[j] += static_cast<uint32_t>(av * static_cast<int32_t>(b[j][k]));
  }
  for (int j = 0; j < NT; j++) out[j] = static_cast<int32_t>(acc[j]);
}
#endif

using TileFn = void (*)(const int8_t*, const int8_t* const*, int64_t, int32_t*);

TileFn pick_tile() {
#if defined(LOWBIT_AVX512)
  // LOWBIT_NO_VNNI=1 takes the AVX-512BW path on a VNNI CPU (so both can be tested on one machine)
  static const bool vnni = cpu_features().avx512_vnni && !std::getenv("LOWBIT_NO_VNNI");
  return vnni ? tile_vnni : tile_bw;
#elif defined(LOWBIT_AVX2)
  return tile_avx2;
#else
  return tile_scalar;
#endif
}

// C[m0:m1, n0:n1]
void block(const Int8GemmArgs& g, TileFn tile, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t K = g.K;
  // B rows per block: about 256 KiB of B, at least one tile
  const int64_t nb = std::max<int64_t>(NT, (int64_t{256} * 1024 / std::max<int64_t>(K, 1)) / NT * NT);
  for (int64_t nc = n0; nc < n1; nc += nb) {
    const int64_t ne = std::min(n1, nc + nb);
    for (int64_t m = m0; m < m1 && !interrupted(); m++) {
      const int8_t* a = g.a + m * K;
      int32_t* c = g.c + m * g.N;
      for (int64_t n = nc; n < ne; n += NT) {
        const int real = static_cast<int>(std::min<int64_t>(NT, ne - n));
        const int8_t* rows[NT];
        for (int j = 0; j < NT; j++) rows[j] = g.b + (n + std::min(j, real - 1)) * K;  // repeats the last row
        int32_t out[NT];
        tile(a, rows, K, out);
        for (int j = 0; j < real; j++) c[n + j] = out[j];
      }
    }
  }
}

}  // namespace

void int8_gemm(const Int8GemmArgs& g) {
  if (g.M == 0 || g.N == 0) return;
  if (g.K == 0) {
    std::memset(g.c, 0, static_cast<size_t>(g.M * g.N) * sizeof(int32_t));
    return;
  }
  const TileFn tile = pick_tile();
  const int64_t threads = num_threads();
  // grain: about 64K multiply-adds per task
  const int64_t per_row_n = g.M * g.K, per_row_m = g.N * g.K;
  if (g.N >= threads * NT || g.N >= g.M) {
    const int64_t tiles = (g.N + NT - 1) / NT;
    parallel_for(tiles, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, per_row_n * NT)), [&](int64_t t0, int64_t t1) {
      block(g, tile, 0, g.M, t0 * NT, std::min(g.N, t1 * NT));
    });
  } else {
    parallel_for(g.M, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, per_row_m)), [&](int64_t m0, int64_t m1) {
      block(g, tile, m0, m1, 0, g.N);
    });
  }
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
