// LLM.int8()'s vector-wise quantization (bitsandbytes' int8_vectorwise_quant, the arithmetic of its
// pure-PyTorch backend; kernel/tensor/backend/reference/quantize_int8.ts is the definition this is
// tested against): per row of float16 A, SCA = max|a| over the elements that are not outliers
// (|a| >= threshold, when threshold > 0), CA = round_half_even(a * fp32(127 / SCA)). Threads take
// rows; the outlier columns each range of rows finds are merged once it is done, and zeroed in CA
// afterwards (bitsandbytes zeroes them when there is more than one row).
#include <algorithm>
#include <mutex>

#include "quantize.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

// fp32 values that round to [-127, 127]: the result of rounding, as int8 (the vector paths convert
// in the default round-to-nearest-even mode, as nearbyint does)
void round_to_i8(const float* v, float scale, int64_t n, int8_t* out) {
  int64_t i = 0;
#if defined(LOWBIT_AVX512)
  const __m512 s = _mm512_set1_ps(scale);
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(v + i), s))));
#elif defined(LOWBIT_AVX2)
  const __m256 s = _mm256_set1_ps(scale);
  for (; i + 8 <= n; i += 8) {
    const __m256i w = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(v + i), s));
    const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + i), _mm_packs_epi16(h, h));
  }
#endif
  for (; i < n; i++) out[i] = static_cast<int8_t>(std::nearbyint(v[i] * scale));
}

}  // namespace

int64_t int8_vectorwise_quant(const Int8QuantArgs& a) {
  const int64_t k = a.k;
  const float thr = a.threshold;
  FirstBad bad;
  std::mutex mu;
  std::fill(a.outlier_cols, a.outlier_cols + k, uint8_t{0});
  parallel_for(a.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(k, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<float> v(static_cast<size_t>(k));
    std::vector<uint8_t> cols(thr > 0 ? static_cast<size_t>(k) : 0);
    for (int64_t r = r0; r < r1 && !interrupted(); r++) {
      to_f32(a.a + r * k, 1, k, v.data());
      float m = 0;
      if (thr > 0) {
        for (int64_t j = 0; j < k; j++) {
          const float x = std::fabs(v[j]);
          if (x >= thr) {
            cols[j] = 1;
            v[j] = 0;  // outliers are zeroed before quantization
          } else if (x != x) {
            bad.report(r * k + j);
            return;
          } else {
            m = x > m ? x : m;
          }
        }
      } else {
        m = absmax(v.data(), k);
        if (!(m <= FLT_MAX)) {
          bad.report(r * k + first_nonfinite(v.data(), k));
          return;
        }
      }
      a.sca[r] = m;
      int8_t* ca = a.ca + r * k;
      // a row whose absmax is 0 has codes 0, where 0 * 127/0 would be NaN
      if (m == 0) std::fill(ca, ca + k, int8_t{0});
      else round_to_i8(v.data(), 127.0f / m, k, ca);
    }
    if (thr > 0) {
      std::lock_guard<std::mutex> lock(mu);
      for (int64_t j = 0; j < k; j++) a.outlier_cols[j] |= cols[j];
    }
  });
  if (thr > 0 && a.rows > 1 && bad.get() < 0) {
    std::vector<int64_t> cols;
    for (int64_t j = 0; j < k; j++)
      if (a.outlier_cols[j]) cols.push_back(j);
    if (!cols.empty())
      parallel_for(a.rows, std::max<int64_t>(1, 16384 / static_cast<int64_t>(cols.size())), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++)
          for (int64_t j : cols) a.ca[r * k + j] = 0;
      });
  }
  return bad.get();
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
