// Affine quantizers (kernel/tensor/backend/reference/quantize_affine.ts is the definition they are
// tested against):
//   quantize_rtn: round to nearest into wq_gemm.cc's layouts (int8 rows with an absmax scale, or
//     4/2-bit codes with a scale and an integer zero per group, rows packed lowest bits first);
//   quanto_quantize: optimum-quanto's quantize_weight, its tensor ops fused, each rounded to the
//     weight's dtype as those ops round, codes packed along dim 0 as quanto's PackedTensor.
// Both take rows in parallel. The arithmetic is elementwise IEEE float (division, not a
// reciprocal), written as plain loops the vector builds vectorize; the clamps are written so that
// NaN gives code 0, as the TypeScript's (and torch's NaN -> uint8 cast) do.
#include <algorithm>

#include "quantize.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

// A rounded code as a JS typed array stores it (ToInt8 / ToUint8: NaN and +-inf are 0, integers
// wrap modulo 256): the int8 quotients of subnormal rows can leave [-128, 127].
inline uint8_t js_byte(float v) {
  if (!std::isfinite(v)) return 0;
  const double m = std::fmod(static_cast<double>(v), 256.0);
  return static_cast<uint8_t>(static_cast<int>(m < 0 ? m + 256.0 : m));
}

// max(lo, min(hi, v)) with NaN -> 0
inline float clamp_code(float v, float lo, float hi) {
  return v != v ? 0.0f : v < lo ? lo : v > hi ? hi : v;
}

void rtn_row8(const float* v, int64_t K, uint8_t* q, float* scale) {
  const float m = absmax(v, K);
  const float s = m == 0 ? 1.0f : m / 127.0f;
  *scale = s;
  // a normal scale keeps |v / s| <= 127 (1 + 2^-23), which rounds into int8
  if (s >= FLT_MIN)
    for (int64_t k = 0; k < K; k++) q[k] = static_cast<uint8_t>(static_cast<int8_t>(std::nearbyint(v[k] / s)));
  else
    for (int64_t k = 0; k < K; k++) q[k] = js_byte(std::nearbyint(v[k] / s));
}

// codes = clamp(round(v / s) + z, 0, top), NaN -> 0
void affine_codes(const float* v, int64_t n, float s, float z, float top, uint8_t* __restrict codes) {
  for (int64_t k = 0; k < n; k++) codes[k] = static_cast<uint8_t>(clamp_code(std::nearbyint(v[k] / s) + z, 0, top));
}

// One row of 4/2-bit codes: per group lo = min(min v, 0), hi = max(max v, 0),
// s = (hi - lo) / top (1 when hi == lo), z = min(top, round(-lo / s)), code = clamp(round(v / s) + z).
// (The sign of a zero lo, which the TypeScript's Math.min gives as -0 where this gives +0, changes
// neither s nor z.)
void rtn_row_bits(const float* v, int64_t K, int64_t group, int bits, uint8_t* codes, float* scale, float* zero) {
  const float top = static_cast<float>((1 << bits) - 1);
  for (int64_t g = 0, k0 = 0; k0 < K; g++, k0 += group) {
    const int64_t len = std::min(K - k0, group);
    float lo, hi;
    minmax0(v + k0, len, &lo, &hi);
    const float s = hi == lo ? 1.0f : (hi - lo) / top;
    // + 0.0f: no -0 zero point (the TypeScript's round gives +0)
    const float zr = std::nearbyint(-lo / s) + 0.0f;
    const float z = zr != zr ? zr : std::min(top, zr);  // Math.min keeps a NaN (s == 0: subnormal groups)
    scale[g] = s;
    zero[g] = z;
    affine_codes(v + k0, len, s, z, top, codes + k0);
  }
}

// codes of a row, 8 / BITS to a byte, lowest bits first; codes is padded with zeros to whole bytes
template <int BITS>
void pack_row(const uint8_t* codes, int64_t bytes, uint8_t* __restrict q) {
  constexpr int per = 8 / BITS;
  for (int64_t j = 0; j < bytes; j++) {
    unsigned b = 0;
    for (int t = 0; t < per; t++) b |= static_cast<unsigned>(codes[j * per + t]) << (BITS * t);
    q[j] = static_cast<uint8_t>(b);
  }
}

// quanto's codes of a row (NaN -> 0): int8 ones stored, 4/2-bit ones or'ed in at bit `shift`
void store_codes(const float* v, int64_t n, float lo, float hi, int8_t* __restrict q) {
  for (int64_t c = 0; c < n; c++) q[c] = static_cast<int8_t>(clamp_code(v[c], lo, hi));
}
void or_codes(const float* v, int64_t n, float hi, int shift, uint8_t* __restrict q) {
  for (int64_t c = 0; c < n; c++) q[c] |= static_cast<uint8_t>(static_cast<int>(clamp_code(v[c], 0, hi)) << shift);
}

}  // namespace

int64_t quantize_rtn(const RtnArgs& a) {
  const int64_t K = a.K, G = a.bits == 8 ? 1 : (K + a.group - 1) / a.group;
  const int per = 8 / a.bits;
  const int64_t row_bytes = a.bits == 8 ? K : (K + per - 1) / per;
  FirstBad bad;
  parallel_for(a.N, std::max<int64_t>(1, 16384 / std::max<int64_t>(K, 1)), [&](int64_t n0, int64_t n1) {
    std::vector<float> v(static_cast<size_t>(K));
    std::vector<uint8_t> codes(a.bits == 8 ? 0 : static_cast<size_t>(row_bytes * per), 0);
    for (int64_t n = n0; n < n1 && !interrupted(); n++) {
      widen(a.x, a.x_dtype, n * K, K, v.data());
      if (!(absmax(v.data(), K) <= FLT_MAX)) {
        bad.report(n * K + first_nonfinite(v.data(), K));
        return;
      }
      uint8_t* q = a.q + n * row_bytes;
      if (a.bits == 8) {
        rtn_row8(v.data(), K, q, a.scale + n);
        continue;
      }
      rtn_row_bits(v.data(), K, a.group, a.bits, codes.data(), a.scale + n * G, a.zero + n * G);
      if (a.bits == 4) pack_row<4>(codes.data(), row_bytes, q);
      else pack_row<2>(codes.data(), row_bytes, q);
    }
  });
  return bad.get();
}

void quanto_quantize(const QuantoArgs& a) {
  const int64_t R = a.R, C = a.C;
  const bool zeropoint = a.bits != 8 && a.shift_dtype == kUInt8;
  const float lo = a.bits == 8 ? -128.0f : 0.0f, hi = a.bits == 8 ? 127.0f : static_cast<float>((1 << a.bits) - 1);
  // row r of the codes goes to bits [bits * i, bits * (i + 1)) of packed row r - i * row_dim
  const int64_t row_dim = a.bits == 8 ? R : (R + 8 / a.bits - 1) / (8 / a.bits);
  std::vector<float> scale(static_cast<size_t>(R)), shift(zeropoint || a.bits == 8 ? 0 : static_cast<size_t>(R));
  widen(a.scale, a.x_dtype, 0, R, scale.data());
  if (!shift.empty()) widen(a.shift, a.x_dtype, 0, R, shift.data());
  const uint8_t* zp = zeropoint ? static_cast<const uint8_t*>(a.shift) : nullptr;
  if (a.bits != 8) std::fill(a.q, a.q + row_dim * C, uint8_t{0});
  parallel_for(row_dim, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t p0, int64_t p1) {
    std::vector<float> v(static_cast<size_t>(C));
    std::vector<uint16_t> tmp;
    for (int64_t p = p0; p < p1 && !interrupted(); p++) {
      for (int64_t r = p, i = 0; r < R; r += row_dim, i++) {
        widen(a.x, a.x_dtype, r * C, C, v.data());
        const float s = scale[r];
        if (zeropoint) {  // clamp(round(x / scale) + shift)
          for (int64_t c = 0; c < C; c++) v[c] /= s;
          round_to(a.x_dtype, v.data(), C, tmp);
          const float z = zp[r];
          for (int64_t c = 0; c < C; c++) v[c] = std::nearbyint(v[c]) + z;
          round_to(a.x_dtype, v.data(), C, tmp);
        } else {  // clamp(round((x + shift) / scale)), or clamp(round(x / scale)) for int8
          if (!shift.empty()) {
            const float sh = shift[r];
            for (int64_t c = 0; c < C; c++) v[c] += sh;
            round_to(a.x_dtype, v.data(), C, tmp);
          }
          for (int64_t c = 0; c < C; c++) v[c] /= s;
          round_to(a.x_dtype, v.data(), C, tmp);
          for (int64_t c = 0; c < C; c++) v[c] = std::nearbyint(v[c]);
        }
        if (a.bits == 8) store_codes(v.data(), C, lo, hi, reinterpret_cast<int8_t*>(a.q) + p * C);
        else or_codes(v.data(), C, hi, a.bits * static_cast<int>(i), a.q + p * C);
      }
    }
  });
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
