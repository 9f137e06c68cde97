// The scalar definition of every unary op in its compute type; the TypeScript reference
// (kernel/tensor/backend/reference/unary.ts) defines the same semantics.
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>

#include "binary_ops.h"

namespace lowbit {

template <UnaryOp op> inline constexpr bool kIsUnaryPredicate = is_predicate(op);

// torch's pow(tensor, scalar) special-cases these exponents (its results differ in the last bit
// from pow), except in its float16 kernel (plain = true). Otherwise the exponent is rounded to M,
// as torch's vectorized kernel does (its scalar kernel, used for tensors under 16 elements and
// for tails, raises floats to the double exponent instead). Integers take e_int, the exponent
// converted like a scalar operand.
template <typename M> inline M pow_scalar(M x, double e, M e_int, bool plain) {
  if constexpr (kIsFloat<M>) {
    if (!plain) {
      if (e == 2) return x * x;
      if (e == 3) return x * x * x;
      if (e == 0.5) return std::sqrt(x);
      if (e == -0.5) return M(1) / std::sqrt(x);
      if (e == -1) return M(1) / x;
      if (e == -2) return M(1) / (x * x);
    }
    return std::pow(x, static_cast<M>(e));
  } else {
    return op_pow<M>(x, e_int);
  }
}

// p: the op's parameters as given; q: the same converted to the compute type (scalar_as).
template <UnaryOp op, typename M> inline auto apply_unary(M x, const double* p, const M* q) {
  if constexpr (op == UnaryOp::neg) { if constexpr (kIsFloat<M>) return -x; else return wrap_sub(M(0), x); }
  else if constexpr (op == UnaryOp::abs) {
    if constexpr (kIsFloat<M>) return std::abs(x);
    else return x < 0 ? wrap_sub(M(0), x) : x;
  }
  else if constexpr (op == UnaryOp::logical_not) return x == 0;
  else if constexpr (op == UnaryOp::isnan) return x != x;
  else if constexpr (op == UnaryOp::isinf) { if constexpr (kIsFloat<M>) return std::isinf(x); else return false; }
  else if constexpr (op == UnaryOp::isfinite) { if constexpr (kIsFloat<M>) return std::isfinite(x); else return true; }
  else if constexpr (op == UnaryOp::sign) {
    if constexpr (std::is_unsigned_v<M>) return static_cast<M>(x > 0);
    else return static_cast<M>((M(0) < x) - (x < M(0)));
  }
  else if constexpr (op == UnaryOp::square) { if constexpr (kIsFloat<M>) return x * x; else return wrap_mul(x, x); }
  else if constexpr (op == UnaryOp::clamp) {
    // p = [has_min, min, has_max, max]; NaN stays NaN, min > max gives max (torch's rule)
    if constexpr (kIsFloat<M>) if (x != x) return x;
    M r = x;
    if (p[0] != 0 && r < q[1]) r = q[1];
    if (p[2] != 0 && r > q[3]) r = q[3];
    return r;
  }
  else if constexpr (op == UnaryOp::pow_scalar) return pow_scalar<M>(x, p[0], q[0], p[1] != 0);
  else if constexpr (op == UnaryOp::relu) return x < M(0) ? M(0) : x;  // keeps NaN and -0.0, as clamp_min does
  else if constexpr (!kIsFloat<M>) {
    // the remaining ops are identities on integers (round/floor/ceil/trunc), or bitwise_not
    if constexpr (op == UnaryOp::bitwise_not) {
      return static_cast<M>(~x);
    } else if constexpr (op == UnaryOp::rpow_scalar) {
      return op_pow<M>(q[0], x);
    } else {
      return x;
    }
  }
  else if constexpr (op == UnaryOp::sqrt) return std::sqrt(x);
  else if constexpr (op == UnaryOp::rsqrt) return M(1) / std::sqrt(x);
  else if constexpr (op == UnaryOp::exp) return std::exp(x);
  else if constexpr (op == UnaryOp::expm1) return std::expm1(x);
  else if constexpr (op == UnaryOp::log) return std::log(x);
  else if constexpr (op == UnaryOp::log2) return std::log2(x);
  else if constexpr (op == UnaryOp::log10) return std::log10(x);
  else if constexpr (op == UnaryOp::log1p) return std::log1p(x);
  else if constexpr (op == UnaryOp::sin) return std::sin(x);
  else if constexpr (op == UnaryOp::cos) return std::cos(x);
  else if constexpr (op == UnaryOp::tan) return std::tan(x);
  else if constexpr (op == UnaryOp::tanh) return std::tanh(x);
  else if constexpr (op == UnaryOp::sigmoid) return M(1) / (M(1) + std::exp(-x));
  else if constexpr (op == UnaryOp::gelu) return x * M(0.5) * (M(1) + std::erf(x * M(M_SQRT1_2)));
  else if constexpr (op == UnaryOp::gelu_tanh) {
    const M inner = M(M_2_SQRTPI * M_SQRT1_2) * (x + M(0.044715) * x * x * x);
    return M(0.5) * x * (M(1) + std::tanh(inner));
  }
  else if constexpr (op == UnaryOp::silu) return x / (M(1) + std::exp(-x));
  else if constexpr (op == UnaryOp::erf) return std::erf(x);
  else if constexpr (op == UnaryOp::round) return std::nearbyint(x);
  else if constexpr (op == UnaryOp::floor) return std::floor(x);
  else if constexpr (op == UnaryOp::ceil) return std::ceil(x);
  else if constexpr (op == UnaryOp::trunc) return std::trunc(x);
  else if constexpr (op == UnaryOp::reciprocal) return M(1) / x;
  else if constexpr (op == UnaryOp::rpow_scalar) return std::pow(static_cast<M>(p[0]), x);
  else if constexpr (op == UnaryOp::round_decimals) {
    const int d = static_cast<int>(p[0]);
    const M ten = static_cast<M>(std::pow(10.0, std::abs(d)));
    return d < 0 ? std::nearbyint(x / ten) * ten : std::nearbyint(x * ten) / ten;
  }
  else if constexpr (op == UnaryOp::nan_to_num) {
    // p = [nan, posinf, neginf]
    if (x != x) return q[0];
    if (x == std::numeric_limits<M>::infinity()) return q[1];
    if (x == -std::numeric_limits<M>::infinity()) return q[2];
    return x;
  }
  else return x;  // bitwise_not on floats is rejected at the boundary
}

}  // namespace lowbit
