// A float vector per instruction set -- 16 lanes (AVX-512), 8 (AVX2), or a portable 8-lane
// struct (scalar build) -- with loads that widen bfloat16 / float16 to float. The GEMM
// microkernel and the GEMV kernels are written once against it.
#pragma once
#include <algorithm>

#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

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
template <typename T> inline void prefetch_l2(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1); }
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
template <typename T> inline void prefetch_l2(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1); }
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
template <typename T> inline void prefetch_l2(const T*) {}
constexpr bool kSplitBF16 = false;
#endif

// Half u of the 2 * VL weights at p as floats: elements [u * VL, (u + 1) * VL) (but see the bf16
// overloads above).
template <typename T> inline VecF vload_half(const T* p, int u) { return vload(p + u * VL); }


}  // namespace LOWBIT_ARCH
}  // namespace lowbit
