// What the quantizers (quantize_*.cc) share: inputs widened to float a row or block at a time, the
// absmax that also finds NaN/Inf, and the first refused index across threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <vector>

#include "simd.h"

namespace lowbit {
namespace LOWBIT_ARCH {

// x[i0, i0 + n) of a float32/bfloat16/float16 array as floats (exact).
inline void widen(const void* x, int dtype, int64_t i0, int64_t n, float* dst) {
  with_float_type(dtype, [&](auto* tag) {
    to_f32(static_cast<const std::remove_pointer_t<decltype(tag)>*>(x) + i0, 1, n, dst);
  });
}

// floats rounded to a float dtype and back, as a 16-bit tensor op rounds its float result
inline void round_to(int dtype, float* v, int64_t n, std::vector<uint16_t>& tmp) {
  if (dtype != kFloat16 && dtype != kBFloat16) return;
  tmp.resize(static_cast<size_t>(n));
  with_float_type(dtype, [&](auto* tag) {
    auto* h = reinterpret_cast<std::remove_pointer_t<decltype(tag)>*>(tmp.data());
    from_f32(v, n, h, 1);
    to_f32(h, 1, n, v);
  });
}

#if defined(LOWBIT_AVX512) || defined(LOWBIT_AVX2)
// What the reductions below need beyond simd.h, per instruction set.
#if defined(LOWBIT_AVX512)
inline VecF vmin(VecF a, VecF b) { return _mm512_min_ps(a, b); }
inline VecF vmax(VecF a, VecF b) { return _mm512_max_ps(a, b); }
inline VecF vabs(VecF a) { return _mm512_abs_ps(a); }
// a bit per lane that is NaN or greater than FLT_MAX (a is an absolute value)
inline int nonfinite_lanes(VecF a) { return _mm512_cmp_ps_mask(a, _mm512_set1_ps(FLT_MAX), _CMP_NLE_UQ); }
#else
inline VecF vmin(VecF a, VecF b) { return _mm256_min_ps(a, b); }
inline VecF vmax(VecF a, VecF b) { return _mm256_max_ps(a, b); }
inline VecF vabs(VecF a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
inline int nonfinite_lanes(VecF a) { return _mm256_movemask_ps(_mm256_cmp_ps(a, _mm256_set1_ps(FLT_MAX), _CMP_NLE_UQ)); }
#endif
#endif

// max |x[i]| over n floats, or +inf when any of them is NaN or +-inf (a max of NaNs is unordered,
// so the vector paths track them on the side).
inline float absmax(const float* x, int64_t n) {
  int64_t i = 0;
  float m = 0;
#if defined(LOWBIT_AVX512) || defined(LOWBIT_AVX2)
  VecF acc = vzero();
  int bad = 0;
  for (; i + VL <= n; i += VL) {
    const VecF v = vabs(vload(x + i));
    bad |= nonfinite_lanes(v);
    acc = vmax(acc, v);
  }
  if (bad) return INFINITY;
  alignas(64) float lanes[VL];
  vstore(lanes, acc);
  for (float l : lanes) m = l > m ? l : m;
#endif
  for (; i < n; i++) {
    const float v = std::fabs(x[i]);
    if (!(v <= FLT_MAX)) return INFINITY;
    m = v > m ? v : m;
  }
  return m;
}

// min(0, min x) and max(0, max x) of n finite floats (the compiler does not vectorize a float
// min/max reduction: it must keep NaN's order, which finite inputs do not have)
inline void minmax0(const float* x, int64_t n, float* lo_out, float* hi_out) {
  int64_t i = 0;
  float lo = 0, hi = 0;
#if defined(LOWBIT_AVX512) || defined(LOWBIT_AVX2)
  VecF vlo = vzero(), vhi = vzero();
  for (; i + VL <= n; i += VL) {
    const VecF v = vload(x + i);
    vlo = vmin(vlo, v);
    vhi = vmax(vhi, v);
  }
  alignas(64) float l[VL], h[VL];
  vstore(l, vlo);
  vstore(h, vhi);
  for (int j = 0; j < VL; j++) lo = std::min(lo, l[j]), hi = std::max(hi, h[j]);
#endif
  for (; i < n; i++) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  *lo_out = lo;
  *hi_out = hi;
}

inline int64_t first_nonfinite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!std::isfinite(x[i])) return i;
  return -1;
}

// The smallest index reported by any thread, or -1.
class FirstBad {
 public:
  void report(int64_t i) {
    int64_t cur = min_.load(std::memory_order_relaxed);
    while (i < cur && !min_.compare_exchange_weak(cur, i, std::memory_order_relaxed)) {}
  }
  int64_t get() const {
    const int64_t v = min_.load(std::memory_order_relaxed);
    return v == INT64_MAX ? -1 : v;
  }

 private:
  std::atomic<int64_t> min_{INT64_MAX};
};

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
