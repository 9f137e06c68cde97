// Element types shared by the TypeScript side (kernel/tensor/dtype.ts keeps the same codes)
// and the conversions that define torch's numerics for the 16-bit floats.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace lowbit {

enum DType : int {
  kBool = 0, kUInt8 = 1, kInt8 = 2, kInt16 = 3, kInt32 = 4, kInt64 = 5,
  kFloat16 = 6, kBFloat16 = 7, kFloat32 = 8, kFloat64 = 9, kNumDTypes = 10,
};

inline int dtype_size(int dt) {
  static const int sizes[kNumDTypes] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8};
  return sizes[dt];
}
inline bool is_float(int dt) { return dt >= kFloat16; }
inline const char* dtype_name(int dt) {
  static const char* const names[kNumDTypes] = {"bool", "uint8", "int8", "int16", "int32", "int64",
                                                "float16", "bfloat16", "float32", "float64"};
  return names[dt];
}

inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

// bf16: round-to-nearest-even on the upper half of the f32 pattern. NaN bits follow torch's paths:
// its vectorized float->bf16 conversion (casts from float32, elementwise results) gives 0xffff,
// while scalar conversions (c10::BFloat16, used for float64 and float16 casts, fills, reductions)
// give 0x7fc0.
constexpr uint16_t kBF16NaNVector = 0xffff, kBF16NaNScalar = 0x7fc0;
inline uint16_t f32_to_bf16(float f) {
  if (std::isnan(f)) return kBF16NaNVector;
  uint32_t u = f32_bits(f);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline float bf16_to_f32(uint16_t h) { return bits_f32(static_cast<uint32_t>(h) << 16); }

// IEEE half with round-to-nearest-even, subnormals kept, overflow to inf, NaN -> sign|0x7e00
// (the FP16 library's rule that c10::Half uses).
inline uint16_t f32_to_f16(float f) {
  uint32_t u = f32_bits(f);
  uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;
  if (a >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds to inf
  if (a >= 0x38800000u) {                       // normal half: exponent >= -14
    uint32_t m = a + 0xfffu + ((a >> 13) & 1u) - 0x38000000u;  // rebias 127 -> 15 and round
    return sign | static_cast<uint16_t>(m >> 13);
  }
  if (a < 0x33000000u) return sign;  // < 2^-25 (the tie at 2^-25 itself rounds to even 0 below)
  // subnormal half: value = m * 2^-24, round a's significand (with hidden bit) at the right place
  uint32_t e = a >> 23;
  uint32_t mant = (a & 0x7fffffu) | 0x800000u;
  uint32_t shift = 126u - e;  // e in [102,112]: shift 14..24
  uint32_t q = mant >> shift;
  uint32_t rem = mant & ((1u << shift) - 1u);
  uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) q++;
  return sign | static_cast<uint16_t>(q);
}
inline float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  // NaNs come out quiet, as from vcvtph2ps and c10::Half: the SIMD and scalar paths must agree
  if (e == 0x1f) return bits_f32(sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e == 0) {
    if (m == 0) return bits_f32(sign);
    float v = static_cast<float>(m) * 5.9604644775390625e-08f;  // m * 2^-24, exact
    return sign ? -v : v;
  }
  return bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

// float -> integer as torch 1.13 does on x86-64: truncate to int32 (NaN, inf and anything outside
// [-2^31, 2^31) give INT32_MIN, as cvttss2si does), then keep the low bits.
inline int32_t float_to_i32_wrap(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return INT32_MIN;
  return static_cast<int32_t>(v);
}
inline int64_t float_to_i64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Integer arithmetic that wraps like torch's (two's complement) without signed-overflow UB:
// computed in an unsigned type at least as wide as unsigned int, so narrow types don't promote
// back to (signed) int before multiplying.
template <typename M> using WrapU = std::conditional_t<(sizeof(M) < sizeof(unsigned)), unsigned, std::make_unsigned_t<M>>;
template <typename M> inline M wrap_add(M a, M b) { return static_cast<M>(static_cast<WrapU<M>>(a) + static_cast<WrapU<M>>(b)); }
template <typename M> inline M wrap_sub(M a, M b) { return static_cast<M>(static_cast<WrapU<M>>(a) - static_cast<WrapU<M>>(b)); }
template <typename M> inline M wrap_mul(M a, M b) { return static_cast<M>(static_cast<WrapU<M>>(a) * static_cast<WrapU<M>>(b)); }

struct Half { uint16_t x; };
struct BFloat16 { uint16_t x; };

// Arithmetic type an element is computed in ("opmath"): 16-bit floats compute in float.
template <typename T> struct OpMath { using type = T; };
template <> struct OpMath<Half> { using type = float; };
template <> struct OpMath<BFloat16> { using type = float; };
template <> struct OpMath<bool> { using type = int64_t; };

template <typename T> inline typename OpMath<T>::type load(const T& v) { return v; }
template <> inline float load(const Half& v) { return f16_to_f32(v.x); }
template <> inline float load(const BFloat16& v) { return bf16_to_f32(v.x); }
template <> inline int64_t load(const bool& v) { return v ? 1 : 0; }

// Casts with torch's semantics between any two element types.
template <typename To> struct Cast {
  template <typename From> static To from(From v) { return static_cast<To>(v); }
  static To from(float v) { return fcast(v); }
  static To from(double v) { return fcast(v); }
  static To from(Half v) { return from(f16_to_f32(v.x)); }
  static To from(BFloat16 v) { return from(bf16_to_f32(v.x)); }
  static To from(bool v) { return static_cast<To>(v ? 1 : 0); }
  static To fcast(double v) {
    if constexpr (sizeof(To) <= 4) return static_cast<To>(float_to_i32_wrap(v));
    else return static_cast<To>(float_to_i64(v));
  }
};
template <> struct Cast<bool> {
  template <typename From> static bool from(From v) { return v != 0; }
  static bool from(Half v) { return (v.x & 0x7fffu) != 0; }
  static bool from(BFloat16 v) { return (v.x & 0x7fffu) != 0; }
  static bool from(bool v) { return v; }
};
template <> struct Cast<float> {
  template <typename From> static float from(From v) { return static_cast<float>(v); }
  static float from(Half v) { return f16_to_f32(v.x); }
  static float from(BFloat16 v) { return bf16_to_f32(v.x); }
  static float from(bool v) { return v ? 1.f : 0.f; }
};
template <> struct Cast<double> {
  template <typename From> static double from(From v) { return static_cast<double>(v); }
  static double from(Half v) { return f16_to_f32(v.x); }
  static double from(BFloat16 v) { return bf16_to_f32(v.x); }
  static double from(bool v) { return v ? 1.0 : 0.0; }
};
// To 16-bit floats torch always goes through float: f64 -> f32 -> f16 rounds twice.
template <> struct Cast<Half> {
  template <typename From> static Half from(From v) { return Half{f32_to_f16(Cast<float>::from(v))}; }
  static Half from(Half v) { return v; }
};
template <> struct Cast<BFloat16> {
  template <typename From> static BFloat16 from(From v) { return BFloat16{f32_to_bf16(Cast<float>::from(v))}; }
  static BFloat16 from(double v) { return BFloat16{std::isnan(v) ? kBF16NaNScalar : f32_to_bf16(static_cast<float>(v))}; }
  static BFloat16 from(Half v) {
    const float f = f16_to_f32(v.x);
    return BFloat16{std::isnan(f) ? kBF16NaNScalar : f32_to_bf16(f)};
  }
  static BFloat16 from(BFloat16 v) { return v; }
};

// Calls f with a null pointer of the C++ type for dtype code dt.
template <typename F> inline auto dispatch_dtype(int dt, F&& f) {
  switch (dt) {
    case kBool: return f(static_cast<bool*>(nullptr));
    case kUInt8: return f(static_cast<uint8_t*>(nullptr));
    case kInt8: return f(static_cast<int8_t*>(nullptr));
    case kInt16: return f(static_cast<int16_t*>(nullptr));
    case kInt32: return f(static_cast<int32_t*>(nullptr));
    case kInt64: return f(static_cast<int64_t*>(nullptr));
    case kFloat16: return f(static_cast<Half*>(nullptr));
    case kBFloat16: return f(static_cast<BFloat16*>(nullptr));
    case kFloat32: return f(static_cast<float*>(nullptr));
    default: return f(static_cast<double*>(nullptr));
  }
}

// dispatch_dtype for the float dtypes that activations and weights come in (float32 otherwise).
template <typename F> inline auto with_float_type(int dt, F&& f) {
  switch (dt) {
    case kBFloat16: return f(static_cast<BFloat16*>(nullptr));
    case kFloat16: return f(static_cast<Half*>(nullptr));
    default: return f(static_cast<float*>(nullptr));
  }
}

}  // namespace lowbit
