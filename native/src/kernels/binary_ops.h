// The scalar definition of every binary op, in the type it computes in (float for 16-bit floats).
// Shared by the elementwise kernels of every instruction set; the TypeScript reference
// (kernel/tensor/backend/reference/binary.ts) defines the same semantics.
#pragma once
#include <cmath>
#include <limits>
#include <type_traits>

#include "dtype.h"
#include "kernels.h"

namespace lowbit {

template <typename M> inline constexpr bool kIsFloat = std::is_floating_point_v<M>;

// A scalar operand or parameter (a JS number) in the compute type of element type T, as the
// reference's convert(): bool -> 0/1, integers by torch's float -> int rule, floats rounded.
template <typename T> inline typename OpMath<T>::type scalar_as(double v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0 ? 1 : 0;
  else return Cast<typename OpMath<T>::type>::from(v);
}

inline void report_zero_division() { set_kernel_error("ZeroDivisionError: integer division or modulo by zero"); }

template <typename M> inline M op_remainder(M a, M b) {
  if constexpr (kIsFloat<M>) {
    M m = std::fmod(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else {
    if (b == 0) { report_zero_division(); return 0; }
    if constexpr (std::is_signed_v<M>) if (b == -1) return 0;  // INT_MIN % -1 traps on x86
    M m = a % b;
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  }
}

template <typename M> inline M op_floor_divide(M a, M b) {
  if constexpr (kIsFloat<M>) {
    if (b == 0) return a / b;
    M mod = std::fmod(a, b);
    M div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return std::copysign(M(0), a / b);
    M fl = std::floor(div);
    if (div - fl > M(0.5)) fl += 1;
    return fl;
  } else {
    if (b == 0) { report_zero_division(); return 0; }
    if constexpr (std::is_signed_v<M>) {
      if (b == -1) return static_cast<M>(0 - static_cast<std::make_unsigned_t<M>>(a));
      M q = a / b, r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) q -= 1;
      return q;
    } else {
      return a / b;
    }
  }
}

template <typename M> inline M op_fmod(M a, M b) {
  if constexpr (kIsFloat<M>) return std::fmod(a, b);
  else {
    if (b == 0) { report_zero_division(); return 0; }
    if constexpr (std::is_signed_v<M>) if (b == -1) return 0;
    return a % b;
  }
}

template <typename M> inline M op_pow(M a, M b) {
  if constexpr (kIsFloat<M>) return std::pow(a, b);
  else {
    if constexpr (std::is_signed_v<M>) {
      if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
    }
    M r = 1, base = a;
    for (auto e = b; e > 0; e >>= 1) {
      if (e & 1) r = wrap_mul(r, base);
      base = wrap_mul(base, base);
    }
    return r;
  }
}

template <typename M> inline M op_shift_left(M a, M b) {
  if (b < 0 || b >= static_cast<M>(sizeof(M) * 8)) return 0;
  return static_cast<M>(static_cast<WrapU<M>>(a) << b);
}
template <typename M> inline M op_shift_right(M a, M b) {
  constexpr int bits = sizeof(M) * 8;
  if (b < 0 || b >= bits) return (std::is_signed_v<M> && a < 0) ? M(-1) : M(0);
  return static_cast<M>(a >> b);
}

// add with alpha: a + alpha * b rounded once (torch's kernels use an FMA); integers wrap.
template <typename M> inline M op_add_alpha(M a, M b, M alpha) {
  if constexpr (kIsFloat<M>) {
    return std::fma(b, alpha, a);
  } else {
    using U = std::make_unsigned_t<M>;
    return static_cast<M>(static_cast<U>(a) + static_cast<U>(alpha) * static_cast<U>(b));
  }
}

template <typename M> inline M op_max(M a, M b) {
  if constexpr (kIsFloat<M>) if (a != a || b != b) return std::numeric_limits<M>::quiet_NaN();
  return a > b ? a : b;
}
template <typename M> inline M op_min(M a, M b) {
  if constexpr (kIsFloat<M>) if (a != a || b != b) return std::numeric_limits<M>::quiet_NaN();
  return a < b ? a : b;
}

// Applies op to (a, b); the result is M for arithmetic ops and bool for predicates.
template <BinaryOp op, typename M> inline auto apply_binary(M a, M b) {
  if constexpr (op == BinaryOp::add) { if constexpr (kIsFloat<M>) return a + b; else return wrap_add(a, b); }
  else if constexpr (op == BinaryOp::sub) { if constexpr (kIsFloat<M>) return a - b; else return wrap_sub(a, b); }
  else if constexpr (op == BinaryOp::mul) { if constexpr (kIsFloat<M>) return a * b; else return wrap_mul(a, b); }
  else if constexpr (op == BinaryOp::div) {
    if constexpr (kIsFloat<M>) return a / b;
    else return M(0);  // integer div is rejected at the boundary (it would trap on / 0)
  }
  else if constexpr (op == BinaryOp::maximum) return op_max(a, b);
  else if constexpr (op == BinaryOp::minimum) return op_min(a, b);
  else if constexpr (op == BinaryOp::pow) return op_pow(a, b);
  else if constexpr (op == BinaryOp::remainder) return op_remainder(a, b);
  else if constexpr (op == BinaryOp::floor_divide) return op_floor_divide(a, b);
  else if constexpr (op == BinaryOp::fmod) return op_fmod(a, b);
  else if constexpr (op == BinaryOp::atan2) {
    if constexpr (kIsFloat<M>) return static_cast<M>(std::atan2(a, b));
    else return M(0);  // rejected for integers at the boundary
  }
  else if constexpr (op == BinaryOp::eq) return a == b;
  else if constexpr (op == BinaryOp::ne) return a != b;
  else if constexpr (op == BinaryOp::lt) return a < b;
  else if constexpr (op == BinaryOp::le) return a <= b;
  else if constexpr (op == BinaryOp::gt) return a > b;
  else if constexpr (op == BinaryOp::ge) return a >= b;
  else if constexpr (op == BinaryOp::logical_and) return (a != 0) && (b != 0);
  else if constexpr (op == BinaryOp::logical_or) return (a != 0) || (b != 0);
  else if constexpr (op == BinaryOp::logical_xor) return (a != 0) != (b != 0);
  else if constexpr (kIsFloat<M>) return M(0);  // bitwise ops: rejected for floats at the boundary
  else if constexpr (op == BinaryOp::bitwise_and) return static_cast<M>(a & b);
  else if constexpr (op == BinaryOp::bitwise_or) return static_cast<M>(a | b);
  else if constexpr (op == BinaryOp::bitwise_xor) return static_cast<M>(a ^ b);
  else if constexpr (op == BinaryOp::bitwise_left_shift) return op_shift_left(a, b);
  else return op_shift_right(a, b);
}

template <BinaryOp op> inline constexpr bool kIsPredicate = is_predicate(op);

}  // namespace lowbit
