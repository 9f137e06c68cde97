// Tile conversions between 16-bit floats and float: 16-bit element kernels load a tile into
// float, compute there (torch's "opmath"), and round back once.
#pragma once
#include "arch.h"

namespace lowbit {
namespace LOWBIT_ARCH {

inline void to_f32(const float* src, int64_t stride, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; i++) dst[i] = src[i * stride];
}

inline void to_f32(const BFloat16* src, int64_t stride, int64_t n, float* dst) {
  int64_t i = 0;
  if (stride == 1) {
#if defined(LOWBIT_AVX512)
    for (; i + 16 <= n; i += 16) {
      __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
      __m512i w = _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16);
      _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(w));
    }
#elif defined(LOWBIT_AVX2)
    for (; i + 8 <= n; i += 8) {
      __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
      __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
      _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(w));
    }
#endif
  }
  for (; i < n; i++) dst[i] = bf16_to_f32(src[i * stride].x);
}

inline void to_f32(const Half* src, int64_t stride, int64_t n, float* dst) {
  int64_t i = 0;
  if (stride == 1) {
#if defined(LOWBIT_AVX512)
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i))));
#elif defined(LOWBIT_AVX2)
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
#endif
  }
  for (; i < n; i++) dst[i] = f16_to_f32(src[i * stride].x);
}

inline void from_f32(const float* src, int64_t n, float* dst, int64_t stride) {
  for (int64_t i = 0; i < n; i++) dst[i * stride] = src[i];
}

inline void from_f32(const float* src, int64_t n, BFloat16* dst, int64_t stride) {
  int64_t i = 0;
  if (stride == 1) {
#if defined(LOWBIT_AVX512)
    const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
    const __m256i qnan = _mm256_set1_epi16(static_cast<short>(kBF16NaNVector));
    for (; i + 16 <= n; i += 16) {
      __m512 x = _mm512_loadu_ps(src + i);
      __m512i u = _mm512_castps_si512(x);
      __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(bias, _mm512_and_si512(_mm512_srli_epi32(u, 16), one)));
      __m256i h = _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
      __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
      h = _mm256_mask_blend_epi16(nan, h, qnan);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), h);
    }
#elif defined(LOWBIT_AVX2)
    const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1);
    const __m256i qnan = _mm256_set1_epi32(kBF16NaNVector);
    for (; i + 8 <= n; i += 8) {
      __m256 x = _mm256_loadu_ps(src + i);
      __m256i u = _mm256_castps_si256(x);
      __m256i r = _mm256_srli_epi32(
          _mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(_mm256_srli_epi32(u, 16), one))), 16);
      __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
      r = _mm256_blendv_epi8(r, qnan, nan);
      // pack 8 x u32 (values < 2^16) into 8 x u16
      __m128i lo = _mm256_castsi256_si128(r), hi = _mm256_extracti128_si256(r, 1);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_packus_epi32(lo, hi));
    }
#endif
  }
  for (; i < n; i++) dst[i * stride].x = f32_to_bf16(src[i]);
}

inline void from_f32(const float* src, int64_t n, Half* dst, int64_t stride) {
  int64_t i = 0;
  if (stride == 1) {
#if defined(LOWBIT_AVX512)
    const __m256i qnan = _mm256_set1_epi16(0x7e00), sign = _mm256_set1_epi16(static_cast<short>(0x8000));
    for (; i + 16 <= n; i += 16) {
      __m512 x = _mm512_loadu_ps(src + i);
      __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
      h = _mm256_mask_blend_epi16(nan, h, _mm256_or_si256(_mm256_and_si256(h, sign), qnan));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), h);
    }
#elif defined(LOWBIT_AVX2)
    for (; i + 8 <= n; i += 8) {
      __m256 x = _mm256_loadu_ps(src + i);
      if (_mm256_movemask_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q))) break;  // NaNs: scalar path
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                       _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
#endif
  }
  for (; i < n; i++) dst[i * stride].x = f32_to_f16(src[i]);
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
