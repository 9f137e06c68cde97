// Weight-only quantized products y[m, n] = sum_k x[m, k] * W[n, k] (+ bias[n]): W, a linear layer's
// [N, K] weight, is dequantized on the fly; x is fp32/bf16/fp16 and everything accumulates in fp32.
// Layouts (kernel/tensor/backend/reference/wq.ts is the definition the tests hold this to):
//   int8:  q int8 [N, K] row-major, scale [N]: W = q * scale[n]. The fast path sums q * x and scales
//          once per row (what quanto's W8A16 does), so its weights are never rounded on their own.
//   uint4: codes 0..15, each row packed into ceil(K/2) bytes, element k in byte k/2, low nibble first
//          (kernel/quant/pack.ts's order); scale and zero [N, ceil(K/group)]: W = (q - zero) * scale.
//          GPTQ's qweight [K/8, N] int32 (8 codes per word, lowest bits first) transposed to [N, K/8]
//          is this layout byte for byte on a little-endian machine; AWQ's [K, N/8] words need their
//          nibble order (0 2 4 6 1 3 5 7) undone and a transpose. Zeros are floats, so GPTQ's
//          "zero + 1" and AWQ's integer zeros both fit.
//   uint2: the same with 4 codes per byte (ceil(K/4) bytes per row), lowest bits first.
//   code4: bitsandbytes' NF4/FP4: the flattened weight (i = n*K + k), 2 codes per byte, high nibble
//          first; absmax (`scale`) per block of `group` consecutive flat elements (a double-quantized
//          absmax is dequantized by the caller, once); W = code[q] * absmax.
// uint4/uint2/code4 weights are rounded to w_dtype once dequantized, as bitsandbytes' dequantize_4bit
// rounds into the layer's dtype.
//
// Fast path (AVX2 / AVX-512; groups a multiple of the unit; code4 rows made of whole blocks): a
// unit is U = P * VL consecutive weights of a row whose codes sit P to a 32-bit lane, lane i
// holding elements P*i .. P*i+P-1. Where the group allows, the unit is one plain vector load
// (P = 32 / bits: 8 nibbles or 16 2-bit codes a lane); otherwise (NF4's 64-weight blocks on
// AVX-512) 2*VL bytes (4-bit) or VL bytes (2-bit) widened so that P = 4. Vector j of the unit is
// every lane shifted right by bits * j and looked up (by its low 4 bits) in a 16-entry table per
// (row, group) that holds the dequantized weights themselves: table[q] = (q - zero) * scale or
// code[q] * absmax, rounded. x is stored permuted to match: xp[u + j*VL + i] = x[u + P*i + (j ^ flip)],
// flip = 1 for bitsandbytes' high-nibble-first bytes. Per vector of weights: one shift, one
// permute, one FMA; a group costs one table. Other shapes, and the scalar build, dequantize rows
// element by element into a buffer.
// The GEMV of code4 in float32 with blocks of half a plain unit (NF4's 64 on AVX-512) takes the
// plain unit too: its table is the code itself, and each unit's lane sums, half of the lanes from
// each block, are scaled by the two blocks' absmax. That skips the widening and a table per block;
// the weights are then not rounded on their own (code * absmax * x rounds as a float32 sum does).
// 16-bit weights keep their tables, since rounding each weight to w_dtype is part of the result.
// GEMV (M == 1) fuses dequantization into the dot products, 1-4 rows of W at a time sharing the
// loads of x; GEMM dequantizes tiles of W rows and runs gemv_dot (gemv.h) over the rows of x.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "gemv.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

inline int bits_of(int format) {
  return format == static_cast<int>(WqFormat::int8) ? 8 : format == static_cast<int>(WqFormat::uint2) ? 2 : 4;
}
inline bool is_code4(const WqGemmArgs& a) { return a.format == static_cast<int>(WqFormat::code4); }
inline int64_t row_bytes(const WqGemmArgs& a) {
  const int per = 8 / bits_of(a.format);
  return (a.K + per - 1) / per;
}
// groups per row (uint4/uint2; code4 when its rows are whole blocks)
inline int64_t row_groups(const WqGemmArgs& a) { return (a.K + a.group - 1) / a.group; }

inline float round_w(float v, int dt) {
  if (dt == kBFloat16) return bf16_to_f32(f32_to_bf16(v));
  if (dt == kFloat16) return f16_to_f32(f32_to_f16(v));
  return v;
}

// Row n's weights [k0, k1), dequantized one by one (natural order).
void dequant_row(const WqGemmArgs& a, int64_t n, int64_t k0, int64_t k1, float* dst) {
  const int64_t K = a.K;
  switch (static_cast<WqFormat>(a.format)) {
    case WqFormat::int8: {
      const int8_t* q = reinterpret_cast<const int8_t*>(a.w) + n * K;
      for (int64_t k = k0; k < k1; k++) dst[k - k0] = static_cast<float>(q[k]) * a.scale[n];
      return;
    }
    case WqFormat::uint4:
    case WqFormat::uint2: {
      const int bits = bits_of(a.format), per = 8 / bits, mask = (1 << bits) - 1;
      const uint8_t* row = a.w + n * row_bytes(a);
      const int64_t g0 = n * row_groups(a);
      for (int64_t k = k0; k < k1; k++) {
        const int q = (row[k / per] >> (bits * (k % per))) & mask;
        const int64_t g = g0 + k / a.group;
        dst[k - k0] = round_w((static_cast<float>(q) - a.zero[g]) * a.scale[g], a.w_dtype);
      }
      return;
    }
    case WqFormat::code4:
      for (int64_t k = k0; k < k1; k++) {
        const int64_t i = n * K + k;
        const int q = (a.w[i >> 1] >> (i & 1 ? 0 : 4)) & 15;
        dst[k - k0] = round_w(a.code[q] * a.scale[i / a.group], a.w_dtype);
      }
      return;
  }
}

#if defined(LOWBIT_AVX2) || defined(LOWBIT_AVX512)
constexpr bool kFastBuild = true;

#if defined(LOWBIT_AVX512)
using VecI = __m512i;
struct Table { __m512 t; };
inline Table make_table(const VecF* v) { return {v[0]}; }  // 16 entries in one vector
inline VecF lookup(const Table& t, VecI idx) { return _mm512_permutexvar_ps(idx, t.t); }  // idx bits 0-3
// a unit's codes, P to a 32-bit lane (see the top of the file)
template <int BITS, int P> inline VecI load_unit(const uint8_t* p) {
  if constexpr (P * BITS == 32) return _mm512_loadu_si512(p);
  else if constexpr (BITS == 4) return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  else return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline VecI shr(VecI v, int s) { return _mm512_srli_epi32(v, s); }
inline VecF int8_vec(const int8_t* p) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
inline VecF vsub(VecF a, VecF b) { return _mm512_sub_ps(a, b); }
inline VecF vmul(VecF a, VecF b) { return _mm512_mul_ps(a, b); }
inline VecF round_f16(VecF v) { return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
inline VecF round_bf16(VecF v) {  // f32_to_bf16's rounding; tables hold no NaN (the caller checks)
  const __m512i u = _mm512_castps_si512(v);
  const __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))));
  return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
}
#else
using VecI = __m256i;
struct Table { __m256 lo, hi; };
inline Table make_table(const VecF* v) { return {v[0], v[1]}; }
// two 8-entry permutes, and bit 3 of the index (moved to the sign bit) picks between them
inline VecF lookup(const Table& t, VecI idx) {
  return _mm256_blendv_ps(_mm256_permutevar8x32_ps(t.lo, idx), _mm256_permutevar8x32_ps(t.hi, idx),
                          _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}
template <int BITS, int P> inline VecI load_unit(const uint8_t* p) {
  if constexpr (P * BITS == 32) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  else if constexpr (BITS == 4) return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  else return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
inline VecI shr(VecI v, int s) { return _mm256_srli_epi32(v, s); }
inline VecF int8_vec(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
inline VecF vsub(VecF a, VecF b) { return _mm256_sub_ps(a, b); }
inline VecF vmul(VecF a, VecF b) { return _mm256_mul_ps(a, b); }
inline VecF round_f16(VecF v) { return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
inline VecF round_bf16(VecF v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))));
  return _mm256_castsi256_ps(_mm256_and_si256(r, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
}
#endif

// v, passed through an empty asm so that GCC keeps it in a register: left to itself it folds a
// unit's load into each of the unit's shifts, P loads where one does.
inline VecI in_register(VecI v) {
  __asm__("" : "+v"(v));
  return v;
}

// How many blocks of rows ahead the GEMV prefetches its weights.
constexpr int64_t kAhead = 2;

// What the tables are made from: the codes themselves (uint4), the 2-bit codes of the low 4 bits
// (uint2: a lookup by 4 bits must ignore the neighbouring code's bits), or the code4 values, whose
// zero is 0 (subtracting it is exact).
alignas(64) constexpr float kIota4[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
alignas(64) constexpr float kIota2[16] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
constexpr float kNoZero = 0.f;
inline const float* table_base(const WqGemmArgs& a) {
  return is_code4(a) ? a.code : a.format == static_cast<int>(WqFormat::uint2) ? kIota2 : kIota4;
}

// A group's 16 dequantized weights (base - zero) * scale, indexed by the low 4 bits of a lane;
// ROUND rounds them to a 16-bit w_dtype. Which formats and dtypes apply is fixed per call, so the
// GEMV takes it as a template argument: a branch here would make GCC keep the tables in memory.
template <bool ROUND>
inline Table group_table(const float* base, float scale, float zero, int w_dtype) {
  VecF v[16 / VL];
  for (int h = 0; h < 16 / VL; h++) {
    v[h] = vmul(vsub(vload(base + h * VL), vset1(zero)), vset1(scale));
    if constexpr (ROUND) v[h] = w_dtype == kFloat16 ? round_f16(v[h]) : round_bf16(v[h]);
  }
  return make_table(v);
}

// Two blocks' absmax, each across half of the lanes: a split unit's lane scales.
inline VecF split_scales(const float* s) {
#if defined(LOWBIT_AVX512)
  return _mm512_mask_broadcastss_ps(_mm512_set1_ps(s[0]), 0xff00, _mm_load_ss(s + 1));
#else
  return _mm256_set_m128(_mm_set1_ps(s[1]), _mm_set1_ps(s[0]));
#endif
}

// How the GEMV dequantizes: tables in float32, tables rounded to w_dtype, or (code4 in float32,
// a unit of two blocks) the code's own table with each unit's lane sums scaled by their blocks'
// absmax, half of the lanes each.
enum class Tables { f32, rounded, split };

// y[n .. n+R) for the fast layouts: the whole units fused, the ragged end of each row one by one.
template <int R, int BITS, int P, Tables T>
void gemv_rows(const WqGemmArgs& a, const float* xp, int64_t n, float* y) {
  constexpr int64_t U = P * VL, kUnitBytes = U * BITS / 8;
  constexpr bool kSplit = T == Tables::split;
  const int64_t K = a.K, full = K / U * U, G = row_groups(a), rb = row_bytes(a);
  const int64_t span = kSplit ? U : a.group;  // weights that share the tables
  const float* base = table_base(a);
  // two chains per row hide the FMA latency; more accumulators would spill the tables
  VecF acc[R][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = vzero();
  Table code{};
  if constexpr (kSplit) code = group_table<false>(base, 1.f, 0.f, kFloat32);
  // a row of quantized weights is too short a stream for the hardware prefetcher to ramp up on,
  // so the rows two blocks ahead are fetched while this block's are summed: into L2, whose miss
  // queue is deep enough to keep DRAM busy (into L1 the misses queue up and a cold matrix
  // streamed at half the bandwidth)
  const bool ahead = n + (kAhead + 1) * R <= a.N;
  // pointers walk the rows' codes and statistics; row r is r strides on (code4's zero: none),
  // the prefetched rows kAhead * R rows on
  const uint8_t* wp = a.w + n * rb;
  const float* sp = a.scale + n * G;
  const int64_t zs = a.zero ? G : 0;
  const float* zp = a.zero ? a.zero + n * G : &kNoZero;
  const int64_t w_ahead = kAhead * R * rb, s_ahead = kAhead * R * G;
  const int64_t units = full / U, per = span / U, step = span / a.group;  // units a table serves, groups a span covers
  const float* xq = xp;
  Table t[R];
  for (int64_t u = 0, left = 0, g = 0; u < units; u++, left--, wp += kUnitBytes, xq += U) {
    if (left == 0) {  // the next span: its tables, its statistics
      if (u > 0) sp += step, zp += a.zero ? step : 0, g += step;
      left = per;
      if constexpr (!kSplit)
        for (int r = 0; r < R; r++) t[r] = group_table<T == Tables::rounded>(base, sp[r * G], zp[r * zs], a.w_dtype);
      // the statistics stream beside the codes: 16 groups' floats to a line
      if (ahead && g % 16 == 0)
        for (int r = 0; r < R; r++) {
          prefetch_l2(sp + s_ahead + r * G);
          if (a.zero) prefetch_l2(zp + s_ahead + r * G);
        }
    }
    // a line at a time: units of 32 bytes would ask for each line twice
    if (ahead && (kUnitBytes >= 64 || (wp - a.w) % 64 == 0))
      for (int r = 0; r < R; r++)
        for (int64_t b = 0; b < std::max<int64_t>(kUnitBytes, 64); b += 64) prefetch_l2(wp + w_ahead + r * rb + b);
    VecI raw[R];
    for (int r = 0; r < R; r++) raw[r] = in_register(load_unit<BITS, P>(wp + r * rb));
    VecF part[R];
#pragma GCC unroll 16
    for (int j = 0; j < P; j++) {
      const VecF xv = vload(xq + j * VL);
      for (int r = 0; r < R; r++) {
        const VecI idx = shr(raw[r], BITS * j);
        if constexpr (kSplit) part[r] = j == 0 ? vmul(lookup(code, idx), xv) : vfma(lookup(code, idx), xv, part[r]);
        else acc[r][j & 1] = vfma(lookup(t[r], idx), xv, acc[r][j & 1]);
      }
    }
    if constexpr (kSplit)
      for (int r = 0; r < R; r++) acc[r][0] = vfma(part[r], split_scales(sp + r * G), acc[r][0]);
  }
  float tail[U];
  for (int r = 0; r < R; r++) {
    float s = vsum(vadd(acc[r][0], acc[r][1]));
    dequant_row(a, n + r, full, K, tail);
    for (int64_t k = full; k < K; k++) s += tail[k - full] * xp[k];
    y[n + r] = s;
  }
}

// int8: scale * sum q x per row, x in natural order.
template <int R>
void gemv_rows_i8(const WqGemmArgs& a, const float* x, int64_t n, float* y) {
  const int64_t K = a.K, body = K / (2 * VL) * (2 * VL);
  const int8_t* w = reinterpret_cast<const int8_t*>(a.w);
  const int64_t next = n + kAhead * R;  // as in gemv_rows
  const bool ahead = next + R <= a.N;
  VecF acc[R][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = vzero();
  for (int64_t k = 0; k < body; k += 2 * VL) {
    if (ahead && k % 64 == 0)
      for (int r = 0; r < R; r++) prefetch_l2(w + (next + r) * K + k);
    for (int u = 0; u < 2; u++) {
      const VecF xv = vload(x + k + u * VL);
      for (int r = 0; r < R; r++) acc[r][u] = vfma(int8_vec(w + (n + r) * K + k + u * VL), xv, acc[r][u]);
    }
  }
  for (int r = 0; r < R; r++) {
    float s = vsum(vadd(acc[r][0], acc[r][1]));
    for (int64_t k = body; k < K; k++) s += static_cast<float>(w[(n + r) * K + k]) * x[k];
    y[n + r] = s * a.scale[n + r];
  }
}

// Row n dequantized into dst in the order gemv_rows reads x (the permuted units, then the rest).
template <int BITS, int P>
void decode_row_fast(const WqGemmArgs& a, int64_t n, float* dst) {
  constexpr int64_t U = P * VL, kUnitBytes = U * BITS / 8;
  const int64_t K = a.K, full = K / U * U, G = row_groups(a), rb = row_bytes(a);
  for (int64_t g = 0; g * a.group < full; g++) {
    const float zero = a.zero ? a.zero[n * G + g] : 0.f;
    const Table t = a.w_dtype == kFloat32 ? group_table<false>(table_base(a), a.scale[n * G + g], zero, a.w_dtype)
                                          : group_table<true>(table_base(a), a.scale[n * G + g], zero, a.w_dtype);
    const int64_t k1 = std::min(full, (g + 1) * a.group);
    for (int64_t k = g * a.group; k < k1; k += U) {
      const VecI raw = load_unit<BITS, P>(a.w + n * rb + k / U * kUnitBytes);
#pragma GCC unroll 16
      for (int j = 0; j < P; j++) vstore(dst + k + j * VL, lookup(t, shr(raw, BITS * j)));
    }
  }
  dequant_row(a, n, full, K, dst + full);
}

template <int R, Tables T>
void gemv_tables(const WqGemmArgs& a, int P, const float* xp, int64_t n, float* y) {
  if (a.format == static_cast<int>(WqFormat::uint2)) return P == 4 ? gemv_rows<R, 2, 4, T>(a, xp, n, y) : gemv_rows<R, 2, 16, T>(a, xp, n, y);
  return P == 4 ? gemv_rows<R, 4, 4, T>(a, xp, n, y) : gemv_rows<R, 4, 8, T>(a, xp, n, y);
}

template <int R>
void gemv_fast(const WqGemmArgs& a, int P, bool split, const float* xp, int64_t n, float* y) {
  if (a.format == static_cast<int>(WqFormat::int8)) return gemv_rows_i8<R>(a, xp, n, y);
  if (split) return gemv_rows<R, 4, 8, Tables::split>(a, xp, n, y);
  if (a.w_dtype == kFloat32) return gemv_tables<R, Tables::f32>(a, P, xp, n, y);
  return gemv_tables<R, Tables::rounded>(a, P, xp, n, y);
}
#else
constexpr bool kFastBuild = false;
#endif

// Codes per 32-bit lane of the 4/2-bit fast path (see the top of the file): a plain load where
// the group is a multiple of that unit, else the widened unit of 4 codes a lane; 0 where neither
// applies (the scalar build, int8, other groups, code4 blocks that straddle rows).
int lane_codes(const WqGemmArgs& a) {
  if (!kFastBuild || a.format == static_cast<int>(WqFormat::int8)) return 0;
  if (is_code4(a) && a.K % a.group != 0) return 0;
  const int plain = 32 / bits_of(a.format);
  return a.group % (plain * VL) == 0 ? plain : a.group % (4 * VL) == 0 ? 4 : 0;
}

// Whether the GEMV takes code4's blocks two to a plain unit (Tables::split; see the top of the file).
bool split_units(const WqGemmArgs& a) {
  return kFastBuild && a.M == 1 && is_code4(a) && a.w_dtype == kFloat32 && a.K % a.group == 0 && 2 * a.group == 8 * VL;
}

// Row n's weights into dst as the x rows were laid out (permuted units of P codes a lane).
void decode_row(const WqGemmArgs& a, int P, int64_t n, float* dst) {
#if defined(LOWBIT_AVX2) || defined(LOWBIT_AVX512)
  if (P) {
    if (a.format == static_cast<int>(WqFormat::uint2)) P == 4 ? decode_row_fast<2, 4>(a, n, dst) : decode_row_fast<2, 16>(a, n, dst);
    else P == 4 ? decode_row_fast<4, 4>(a, n, dst) : decode_row_fast<4, 8>(a, n, dst);
    return;
  }
#endif
  dequant_row(a, n, 0, a.K, dst);
}

struct AlignedFree { void operator()(float* p) const { std::free(p); } };
using Buffer = std::unique_ptr<float[], AlignedFree>;

// A per-thread buffer of at least n floats, kept between calls.
float* scratch(int which, int64_t n) {
  thread_local Buffer bufs[2];
  thread_local int64_t caps[2] = {0, 0};
  if (caps[which] < n) {
    bufs[which] = Buffer(static_cast<float*>(std::aligned_alloc(64, ((static_cast<size_t>(n) * 4 + 63) / 64) * 64)));
    caps[which] = n;
  }
  return bufs[which].get();
}

// x widened to fp32 rows of K; with P codes a lane, each whole unit in the fast path's lane order.
template <typename T>
void prepare_x(const T* x, int64_t M, int64_t K, int P, int flip, float* out) {
  const int64_t U = P * VL;
  std::vector<float> unit(static_cast<size_t>(U));
  for (int64_t m = 0; m < M; m++) {
    float* row = out + m * K;
    to_f32(x + m * K, 1, K, row);
    if (!P) continue;
    for (int64_t u = 0; u + U <= K; u += U) {
      for (int j = 0; j < P; j++)
        for (int i = 0; i < VL; i++) unit[j * VL + i] = row[u + P * i + (j ^ flip)];
      std::copy(unit.begin(), unit.end(), row + u);
    }
  }
}

template <typename T>
void finish(const WqGemmArgs& a, const float* out, T* y) {
  std::vector<float> bias;
  if (a.bias) {
    bias.resize(static_cast<size_t>(a.N));
    dispatch_dtype(a.bias_dtype, [&](auto* tag) {
      using BT = std::remove_pointer_t<decltype(tag)>;
      for (int64_t n = 0; n < a.N; n++) bias[n] = Cast<float>::from(static_cast<const BT*>(a.bias)[n]);
    });
  }
  std::vector<float> row(static_cast<size_t>(a.N));
  for (int64_t m = 0; m < a.M; m++) {
    for (int64_t n = 0; n < a.N; n++) row[n] = out[m * a.N + n] + (a.bias ? bias[n] : 0.f);
    from_f32(row.data(), a.N, y + m * a.N, 1);
  }
}

}  // namespace

void wq_gemm(const WqGemmArgs& a) {
  const int64_t M = a.M, N = a.N, K = a.K;
  const bool split = split_units(a);
  const int P = split ? 8 : lane_codes(a);
  const bool fast = P > 0 || (kFastBuild && a.format == static_cast<int>(WqFormat::int8));
  const int flip = is_code4(a) ? 1 : 0;
  std::vector<float> xs(static_cast<size_t>(M * K)), out(static_cast<size_t>(M * N), 0.f);
  with_float_type(a.x_dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    prepare_x(static_cast<const T*>(a.x), M, K, P, flip, xs.data());
  });
  if (K > 0 && M == 1 && fast) {
#if defined(LOWBIT_AVX2) || defined(LOWBIT_AVX512)
    // blocks of 4 rows, about 64K weights per task
    const int64_t blocks = (N + 3) / 4;
    parallel_for(blocks, std::max<int64_t>(1, 16384 / K), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1 && !interrupted(); b++) {
        const int64_t n = 4 * b;
        switch (std::min<int64_t>(4, N - n)) {
          case 4: gemv_fast<4>(a, P, split, xs.data(), n, out.data()); break;
          case 3: gemv_fast<3>(a, P, split, xs.data(), n, out.data()); break;
          case 2: gemv_fast<2>(a, P, split, xs.data(), n, out.data()); break;
          default: gemv_fast<1>(a, P, split, xs.data(), n, out.data()); break;
        }
      }
    });
#endif
  } else if (K > 0) {
    // tiles of W rows (about 128 KB of fp32) dequantized once each, then swept by every row of x
    const int64_t nt = std::max<int64_t>(4, std::min<int64_t>(32, 32768 / K) / 4 * 4);
    parallel_for((N + nt - 1) / nt, 1, [&](int64_t t0, int64_t t1) {
      float* tile = scratch(0, nt * K);
      for (int64_t t = t0; t < t1 && !interrupted(); t++) {
        const int64_t n0 = t * nt, rows = std::min(nt, N - n0);
        for (int64_t r = 0; r < rows; r++) decode_row(a, P, n0 + r, tile + r * K);
        for (int64_t m = 0; m < M; m += 4) {
          const float* x = xs.data() + m * K;
          float* y = out.data() + m * N + n0;
          switch (std::min<int64_t>(4, M - m)) {
            case 4: gemv_dot<4>(x, K, tile, K, K, 0, rows, y, N); break;
            case 3: gemv_dot<3>(x, K, tile, K, K, 0, rows, y, N); break;
            case 2: gemv_dot<2>(x, K, tile, K, K, 0, rows, y, N); break;
            default: gemv_dot<1>(x, K, tile, K, K, 0, rows, y, N); break;
          }
        }
      }
    });
  }
  with_float_type(a.y_dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    finish(a, out.data(), static_cast<T*>(a.y));
  });
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
