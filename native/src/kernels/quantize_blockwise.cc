// bitsandbytes' blockwise quantization as its CUDA kernels compute it (kQuantizeBlockwise with
// dQuantizeNF4 / dQuantizeFP4 / dQuantize<0>, and kDequantizeBlockwise; the fixtures come from
// them, and kernel/tensor/backend/reference/quantize_blockwise.ts is the definition this is tested
// against): per block, absmax = max|x|, then each value's code from y = x * fp32(1 / absmax).
//   nf4: CUDA's decision tree over the 15 midpoints of the sorted NF4 codes. A tree over sorted
//        thresholds lands on the number of thresholds below y, which is how it is computed here,
//        without branches, so that the compiler vectorizes it. A value on a threshold takes the lower
//        code; NaN (0 * inf in an all-zero block) compares false everywhere and gets code 0.
//   fp4: the sign bit for y < 0 and a 3-bit pattern for |y|: the same count over the 7 midpoints of
//        the e2m1 magnitudes, mapped through their bit patterns' order.
//   dynamic: CUDA's binary search of the 256 sorted values, midpoints in fp32 (one per byte).
// The thresholds are the kernel's float literals, rounded by the compiler as nvcc rounds them.
// Threads take whole blocks; blocks start at even indices (blocksize >= 64), so two threads never
// share a packed byte.
#include <algorithm>

#include "quantize.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

constexpr float kNF4Mid[15] = {
    -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
    -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
    0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
    0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f};
// |y| midpoints in increasing order; the count c of those below |y| is e2m1 pattern
// {0, 1, 6, 7, 4, 5, 2, 3}[c] (0.583333 is the kernel's, just below the true midpoint)
constexpr float kFP4Mid[7] = {0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f};

inline uint8_t nf4_code(float y) {
  int c = 0;
  for (float t : kNF4Mid) c += y > t;
  return static_cast<uint8_t>(c);
}

inline uint8_t fp4_code(float y) {
  const float a = std::fabs(y);
  int c = 0;
  for (float t : kFP4Mid) c += a > t;
  // {0, 1, 6, 7, 4, 5, 2, 3}[c]: counts 2, 3, 6 and 7 flip bit 2
  return static_cast<uint8_t>((y < 0 ? 8 : 0) | (c ^ ((c & 2) << 1)));
}

// CUDA's search, step for step. Its upper and lower bounds end as the code values at upper_pivot
// and lower_pivot (the kernel's initial -1 and 1 are replaced when a pivot stays at 0 or 255), so
// they are looked up once at the end.
inline uint8_t dynamic_code(const float* code, float x) {
  int pivot = 127, upper_pivot = 255, lower_pivot = 0;
  for (int i = 64; i > 0; i >>= 1) {
    if (x > code[pivot]) {
      lower_pivot = pivot;
      pivot += i;
    } else {
      upper_pivot = pivot;
      pivot -= i;
    }
  }
  const float val = code[pivot];
  if (x > val) return static_cast<uint8_t>(x > (code[upper_pivot] + val) * 0.5f ? upper_pivot : pivot);
  return static_cast<uint8_t>(x < (code[lower_pivot] + val) * 0.5f ? lower_pivot : pivot);
}

#if defined(LOWBIT_AVX512) || defined(LOWBIT_AVX2)
// The same search for VL values at once, its branches as lane masks and its lookups as gathers (a
// scalar search's branches mispredict on most steps).
#if defined(LOWBIT_AVX512)
using VecI = __m512i;
using Mask = __mmask16;
inline VecI iset1(int v) { return _mm512_set1_epi32(v); }
inline VecF gather(const float* t, VecI i) { return _mm512_i32gather_ps(i, t, 4); }
inline Mask gt(VecF a, VecF b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline Mask lt(VecF a, VecF b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline Mask both(Mask a, Mask b) { return a & b; }
inline Mask first_not(Mask a, Mask b) { return static_cast<Mask>(~a & b); }
inline VecI pick(Mask m, VecI yes, VecI no) { return _mm512_mask_mov_epi32(no, m, yes); }
inline VecI add(VecI a, VecI b) { return _mm512_add_epi32(a, b); }
inline VecF half_sum(VecF a, VecF b) { return _mm512_mul_ps(_mm512_add_ps(a, b), _mm512_set1_ps(0.5f)); }
inline void store_bytes(uint8_t* p, VecI v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }
#else
using VecI = __m256i;
using Mask = __m256i;  // all ones in the lanes where it holds
inline VecI iset1(int v) { return _mm256_set1_epi32(v); }
inline VecF gather(const float* t, VecI i) { return _mm256_i32gather_ps(t, i, 4); }
inline Mask gt(VecF a, VecF b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
inline Mask lt(VecF a, VecF b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
inline Mask both(Mask a, Mask b) { return _mm256_and_si256(a, b); }
inline Mask first_not(Mask a, Mask b) { return _mm256_andnot_si256(a, b); }
inline VecI pick(Mask m, VecI yes, VecI no) { return _mm256_blendv_epi8(no, yes, m); }
inline VecI add(VecI a, VecI b) { return _mm256_add_epi32(a, b); }
inline VecF half_sum(VecF a, VecF b) { return _mm256_mul_ps(_mm256_add_ps(a, b), _mm256_set1_ps(0.5f)); }
inline void store_bytes(uint8_t* p, VecI v) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
}
#endif

// codes of y[0, n) a vector at a time; returns how many were done
int64_t dynamic_codes_vec(const float* code, const float* y, int64_t n, uint8_t* q) {
  int64_t i = 0;
  for (; i + VL <= n; i += VL) {
    const VecF x = vload(y + i);
    VecI pivot = iset1(127), upper_pivot = iset1(255), lower_pivot = iset1(0);
    for (int s = 64; s > 0; s >>= 1) {
      const Mask right = gt(x, gather(code, pivot));
      lower_pivot = pick(right, pivot, lower_pivot);
      upper_pivot = pick(right, upper_pivot, pivot);
      pivot = add(pivot, pick(right, iset1(s), iset1(-s)));
    }
    const VecF val = gather(code, pivot);
    const Mask right = gt(x, val);
    const Mask up = both(right, gt(x, half_sum(gather(code, upper_pivot), val)));
    const Mask down = first_not(right, lt(x, half_sum(gather(code, lower_pivot), val)));
    store_bytes(q + i, pick(down, lower_pivot, pick(up, upper_pivot, pivot)));
  }
  return i;
}
#else
int64_t dynamic_codes_vec(const float*, const float*, int64_t, uint8_t*) { return 0; }
#endif

void dynamic_codes(const float* code, const float* y, int64_t n, uint8_t* q) {
  for (int64_t i = dynamic_codes_vec(code, y, n, q); i < n; i++) q[i] = dynamic_code(code, y[i]);
}

}  // namespace

int64_t quantize_blockwise(const BlockwiseArgs& a) {
  const int64_t bs = a.blocksize, blocks = (a.n + bs - 1) / bs;
  const auto kind = static_cast<BlockwiseKind>(a.kind);
  FirstBad bad;
  parallel_for(blocks, std::max<int64_t>(1, 16384 / bs), [&](int64_t b0, int64_t b1) {
    std::vector<float> y(static_cast<size_t>(bs));
    std::vector<uint8_t> nib(static_cast<size_t>(bs) + 1);
    for (int64_t b = b0; b < b1 && !interrupted(); b++) {
      const int64_t i0 = b * bs, len = std::min(bs, a.n - i0);
      widen(a.x, a.x_dtype, i0, len, y.data());
      const float m = absmax(y.data(), len);
      if (!(m <= FLT_MAX)) {  // later blocks of this range can only hold later indices
        bad.report(i0 + first_nonfinite(y.data(), len));
        return;
      }
      a.absmax[b] = m;
      const float r = 1.0f / m;
      for (int64_t i = 0; i < len; i++) y[i] *= r;
      switch (kind) {
        case BlockwiseKind::dynamic:
          dynamic_codes(a.code, y.data(), len, a.q + i0);
          continue;
        case BlockwiseKind::nf4:
          for (int64_t i = 0; i < len; i++) nib[i] = nf4_code(y[i]);
          break;
        case BlockwiseKind::fp4:
          for (int64_t i = 0; i < len; i++) nib[i] = fp4_code(y[i]);
          break;
      }
      nib[len] = 0;  // an odd count pads the last byte with a 0 nibble
      uint8_t* q = a.q + i0 / 2;
      for (int64_t k = 0; k < (len + 1) / 2; k++) q[k] = static_cast<uint8_t>(nib[2 * k] << 4 | nib[2 * k + 1]);
    }
  });
  return bad.get();
}

void dequantize_blockwise(const DequantBlockwiseArgs& a) {
  const int64_t bs = a.blocksize, blocks = (a.n + bs - 1) / bs;
  parallel_for(blocks, std::max<int64_t>(1, 16384 / bs), [&](int64_t b0, int64_t b1) {
    std::vector<float> v(static_cast<size_t>(bs));
    for (int64_t b = b0; b < b1 && !interrupted(); b++) {
      const int64_t i0 = b * bs, len = std::min(bs, a.n - i0);
      const float m = a.absmax[b];
      if (a.bits == 8)
        for (int64_t i = 0; i < len; i++) v[i] = a.code[a.q[i0 + i]] * m;
      else
        for (int64_t i = 0; i < len; i++) {
          const int64_t j = i0 + i;
          v[i] = a.code[(a.q[j >> 1] >> (j & 1 ? 0 : 4)) & 15] * m;
        }
      switch (a.out_dtype) {
        case kFloat16: from_f32(v.data(), len, static_cast<Half*>(a.out) + i0, 1); break;
        case kBFloat16: from_f32(v.data(), len, static_cast<BFloat16*>(a.out) + i0, 1); break;
        default: from_f32(v.data(), len, static_cast<float*>(a.out) + i0, 1); break;
      }
    }
  });
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
