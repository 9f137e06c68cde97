// Elementwise binary ops with broadcasting (stride-0 operands) and scalar operands.
#include "binary_ops.h"
#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

constexpr int64_t kTile = 256;

// The element function of an op, and add with alpha (a + alpha * b), as callables on the
// compute type M.
template <BinaryOp op> struct Plain {
  static constexpr bool kPredicate = kIsPredicate<op>;
  template <typename M> auto operator()(M a, M b) const { return apply_binary<op, M>(a, b); }
};
struct AddAlpha {
  static constexpr bool kPredicate = false;
  double alpha;
  template <typename M> M operator()(M a, M b) const { return op_add_alpha<M>(a, b, static_cast<M>(alpha)); }
};

// One 1-d run for element type T (not a 16-bit float): operands are strided arrays, or a scalar
// already converted to the compute type M when sa/sb is set.
template <typename F, typename T, typename Out>
void run_direct(const F& f, Out* o, int64_t os, const T* a, int64_t as, const T* b, int64_t bs, int64_t n,
                const double* sa, const double* sb) {
  using M = typename OpMath<T>::type;
  auto store = [](Out& dst, auto v) { dst = Cast<Out>::from(v); };
  if (sb) {
    const M bv = scalar_as<T>(*sb);
    if (os == 1 && as == 1) {
      for (int64_t i = 0; i < n; i++) store(o[i], f(load(a[i]), bv));
    } else {
      for (int64_t i = 0; i < n; i++) store(o[i * os], f(load(a[i * as]), bv));
    }
  } else if (sa) {
    const M av = scalar_as<T>(*sa);
    if (os == 1 && bs == 1) {
      for (int64_t i = 0; i < n; i++) store(o[i], f(av, load(b[i])));
    } else {
      for (int64_t i = 0; i < n; i++) store(o[i * os], f(av, load(b[i * bs])));
    }
  } else if (os == 1 && as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; i++) store(o[i], f(load(a[i]), load(b[i])));
  } else if (os == 1 && as == 1 && bs == 0) {
    const M bv = load(b[0]);
    for (int64_t i = 0; i < n; i++) store(o[i], f(load(a[i]), bv));
  } else if (os == 1 && as == 0 && bs == 1) {
    const M av = load(a[0]);
    for (int64_t i = 0; i < n; i++) store(o[i], f(av, load(b[i])));
  } else {
    for (int64_t i = 0; i < n; i++) store(o[i * os], f(load(a[i * as]), load(b[i * bs])));
  }
}

// 16-bit floats: convert tiles to float, run the float loop, round the results once.
template <typename F, typename T, typename Out>
void run_tiled(const F& f, Out* o, int64_t os, const T* a, int64_t as, const T* b, int64_t bs, int64_t n,
               const double* sa, const double* sb) {
  float ta[kTile], tb[kTile];
  using R = std::conditional_t<F::kPredicate, bool, float>;
  R tr[kTile];
  for (int64_t i0 = 0; i0 < n; i0 += kTile) {
    const int64_t m = std::min(kTile, n - i0);
    if (!sa) to_f32(a + i0 * as, as, m, ta);
    if (!sb) to_f32(b + i0 * bs, bs, m, tb);
    if (sb) {
      const float bv = scalar_as<T>(*sb);
      for (int64_t i = 0; i < m; i++) tr[i] = f(ta[i], bv);
    } else if (sa) {
      const float av = scalar_as<T>(*sa);
      for (int64_t i = 0; i < m; i++) tr[i] = f(av, tb[i]);
    } else {
      for (int64_t i = 0; i < m; i++) tr[i] = f(ta[i], tb[i]);
    }
    if constexpr (std::is_same_v<R, float>) {
      from_f32(tr, m, o + i0 * os, os);
    } else {
      for (int64_t i = 0; i < m; i++) o[(i0 + i) * os] = tr[i];
    }
  }
}

template <typename F, typename T>
void binary_typed(const F& f, const Iter& it, const double* sa, const double* sb) {
  using Out = std::conditional_t<F::kPredicate, bool, T>;
  constexpr bool half = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
  for_each_run(it, 1 << 14, [&](char** p, const int64_t* st, int64_t n) {
    auto* o = reinterpret_cast<Out*>(p[0]);
    auto* a = reinterpret_cast<const T*>(p[1]);
    auto* b = reinterpret_cast<const T*>(p[2]);
    if constexpr (half) run_tiled<F, T, Out>(f, o, st[0], a, st[1], b, st[2], n, sa, sb);
    else run_direct<F, T, Out>(f, o, st[0], a, st[1], b, st[2], n, sa, sb);
  });
}

template <typename F>
void dispatch(const F& f, const Iter& it, int dtype, const double* sa, const double* sb) {
  dispatch_dtype(dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    binary_typed<F, T>(f, it, sa, sb);
  });
}

template <BinaryOp op>
void binary_op(const Iter& it, int dtype, const double* sa, const double* sb) {
  dispatch(Plain<op>{}, it, dtype, sa, sb);
}

using BinaryFn = void (*)(const Iter&, int, const double*, const double*);
#define LOWBIT_ENTRY(name) &binary_op<BinaryOp::name>,
const BinaryFn kBinaryTable[] = {LOWBIT_BINARY_OPS(LOWBIT_ENTRY)};
#undef LOWBIT_ENTRY

}  // namespace

void binary(const Iter& it, int op, int dtype, int /*out_dtype: bool for predicates, else dtype*/,
            const double* sa, const double* sb, const double* alpha) {
  if (alpha) return dispatch(AddAlpha{*alpha}, it, dtype, sa, sb);  // the binding allows it for add only
  kBinaryTable[op](it, dtype, sa, sb);
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
