// Elementwise unary ops (with scalar parameters for clamp, pow and friends).
#include "convert.h"
#include "unary_ops.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

constexpr int64_t kTile = 256;

template <UnaryOp op, typename T>
void unary_typed(const Iter& it, const double* params) {
  using M = typename OpMath<T>::type;
  using Out = std::conditional_t<kIsUnaryPredicate<op>, bool, T>;
  constexpr bool half = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
  M q[4];
  for (int i = 0; i < 4; i++) q[i] = scalar_as<T>(params[i]);
  for_each_run(it, 1 << 13, [&](char** p, const int64_t* st, int64_t n) {
    auto* o = reinterpret_cast<Out*>(p[0]);
    auto* x = reinterpret_cast<const T*>(p[1]);
    const int64_t os = st[0], xs = st[1];
    if constexpr (half) {
      float tx[kTile];
      using R = std::conditional_t<kIsUnaryPredicate<op>, bool, float>;
      R tr[kTile];
      for (int64_t i0 = 0; i0 < n; i0 += kTile) {
        const int64_t m = std::min(kTile, n - i0);
        to_f32(x + i0 * xs, xs, m, tx);
        for (int64_t i = 0; i < m; i++) tr[i] = apply_unary<op, float>(tx[i], params, q);
        if constexpr (std::is_same_v<R, float>) from_f32(tr, m, o + i0 * os, os);
        else for (int64_t i = 0; i < m; i++) o[(i0 + i) * os] = tr[i];
      }
    } else if (os == 1 && xs == 1) {
      for (int64_t i = 0; i < n; i++) o[i] = Cast<Out>::from(apply_unary<op, M>(load(x[i]), params, q));
    } else {
      for (int64_t i = 0; i < n; i++) o[i * os] = Cast<Out>::from(apply_unary<op, M>(load(x[i * xs]), params, q));
    }
  });
}

template <UnaryOp op>
void unary_op(const Iter& it, int dtype, const double* params) {
  dispatch_dtype(dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    unary_typed<op, T>(it, params);
  });
}

using UnaryFn = void (*)(const Iter&, int, const double*);
#define LOWBIT_ENTRY(name) &unary_op<UnaryOp::name>,
const UnaryFn kUnaryTable[] = {LOWBIT_UNARY_OPS(LOWBIT_ENTRY)};
#undef LOWBIT_ENTRY

}  // namespace

void unary(const Iter& it, int op, int dtype, int /*out_dtype*/, const double* params) {
  kUnaryTable[op](it, dtype, params);
}

// torch.where(cond, a, b): ops are out, cond (bool), a, b, all of element type dtype.
void where(const Iter& it, int dtype) {
  dispatch_dtype(dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    for_each_run(it, 1 << 15, [&](char** p, const int64_t* st, int64_t n) {
      auto* o = reinterpret_cast<T*>(p[0]);
      auto* c = reinterpret_cast<const bool*>(p[1]);
      auto* a = reinterpret_cast<const T*>(p[2]);
      auto* b = reinterpret_cast<const T*>(p[3]);
      for (int64_t i = 0; i < n; i++) o[i * st[0]] = c[i * st[1]] ? a[i * st[2]] : b[i * st[3]];
    });
  });
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
