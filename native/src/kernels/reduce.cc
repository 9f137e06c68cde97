// Reductions over any set of dimensions: the binding moves the reduced dimensions to `inner`.
// Floating sums accumulate in double and round once; integer sums in int64 (torch's result type).
#include <vector>

#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

template <typename T> using Acc = std::conditional_t<std::is_integral_v<typename OpMath<T>::type>, int64_t, double>;

// Integer sums and products wrap in int64, as torch's do (without signed-overflow UB).
template <typename A> inline A acc_add(A a, A b) { if constexpr (std::is_integral_v<A>) return wrap_add(a, b); else return a + b; }
template <typename A> inline A acc_mul(A a, A b) { if constexpr (std::is_integral_v<A>) return wrap_mul(a, b); else return a * b; }

// Running state of one reduction; `count` elements have been added.
template <typename T>
struct State {
  using M = typename OpMath<T>::type;
  Acc<T> sum = 0, prod = 1;
  M best = 0;
  int64_t best_idx = -1, count = 0;
  bool any = false, all = true;
};

template <typename T>
void store_result(void* out, int out_dtype, double v) {
  dispatch_dtype(out_dtype, [&](auto* tag) {
    using O = std::remove_pointer_t<decltype(tag)>;
    *reinterpret_cast<O*>(out) = Cast<O>::from(v);
  });
}
template <typename T>
void store_result(void* out, int out_dtype, int64_t v) {
  dispatch_dtype(out_dtype, [&](auto* tag) {
    using O = std::remove_pointer_t<decltype(tag)>;
    *reinterpret_cast<O*>(out) = Cast<O>::from(v);
  });
}

// Folds one value (at linear position i of the reduction) into the state.
template <ReduceOp op, typename T>
inline void fold(State<T>& s, typename OpMath<T>::type x, int64_t i) {
  using M = typename OpMath<T>::type;
  if constexpr (op == ReduceOp::sum || op == ReduceOp::mean || op == ReduceOp::var) s.sum = acc_add(s.sum, static_cast<Acc<T>>(x));
  else if constexpr (op == ReduceOp::prod) s.prod = acc_mul(s.prod, static_cast<Acc<T>>(x));
  else if constexpr (op == ReduceOp::any) s.any = s.any || x != 0;
  else if constexpr (op == ReduceOp::all) s.all = s.all && x != 0;
  else {
    constexpr bool is_max = op == ReduceOp::amax || op == ReduceOp::argmax;
    const bool first = s.best_idx < 0;
    bool take;
    if constexpr (std::is_floating_point_v<M>) {
      // NaN wins and stays (torch propagates NaN; argmax returns the first NaN)
      const bool best_nan = !first && s.best != s.best;
      take = first || (!best_nan && (x != x || (is_max ? x > s.best : x < s.best)));
    } else {
      take = first || (is_max ? x > s.best : x < s.best);
    }
    if (take) { s.best = x; s.best_idx = i; }
  }
  s.count++;
}

template <ReduceOp op, typename T>
inline void merge(State<T>& a, const State<T>& b) {
  if constexpr (op == ReduceOp::sum || op == ReduceOp::mean || op == ReduceOp::var) a.sum = acc_add(a.sum, b.sum);
  else if constexpr (op == ReduceOp::prod) a.prod = acc_mul(a.prod, b.prod);
  else if constexpr (op == ReduceOp::any) a.any = a.any || b.any;
  else if constexpr (op == ReduceOp::all) a.all = a.all && b.all;
  else if (b.best_idx >= 0) {
    // b covers later positions: it wins only when strictly better (or a new NaN)
    State<T> t = a;
    fold<op, T>(t, b.best, b.best_idx);
    a.best = t.best;
    a.best_idx = t.best_idx;
  }
  a.count += b.count;
}

// Folds n elements x[0], x[s], ... whose linear positions start at i0.
template <ReduceOp op, typename T>
void fold_run(State<T>& st, const T* x, int64_t s, int64_t n, int64_t i0) {
  using M = typename OpMath<T>::type;
  constexpr bool half = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
  if constexpr ((op == ReduceOp::sum || op == ReduceOp::mean) && std::is_floating_point_v<M>) {
    // independent partial sums so the loop vectorizes; each lane accumulates in double
    constexpr int L = 16;
    double acc[L] = {};
    int64_t i = 0;
    if constexpr (!half) {
      if (s == 1)
        for (; i + L <= n; i += L)
          for (int j = 0; j < L; j++) acc[j] += static_cast<double>(x[i + j]);
    } else {
      float t[256];
      for (; i + 256 <= n; i += 256) {
        to_f32(x + i * s, s, 256, t);
        for (int k = 0; k < 256; k += L)
          for (int j = 0; j < L; j++) acc[j] += static_cast<double>(t[k + j]);
      }
    }
    double tail = 0;
    for (; i < n; i++) tail += static_cast<double>(load(x[i * s]));
    double total = tail;
    for (int j = 0; j < L; j++) total += acc[j];
    st.sum += total;
    st.count += n;
  } else {
    for (int64_t i = 0; i < n; i++) fold<op, T>(st, load(x[i * s]), i0 + i);
  }
}

// Visits the inner (reduced) elements of one output position: calls f(ptr, stride, n, i0) per run.
template <typename F>
void for_inner_runs(const ReduceArgs& a, const char* base, int elsize, int64_t begin, int64_t end, F&& f) {
  const int nd = a.inner_ndim;
  const int64_t inner = a.inner_shape[nd - 1];
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; d--) { idx[d] = rem % a.inner_shape[d]; rem /= a.inner_shape[d]; }
  int64_t pos = begin;
  while (pos < end) {
    int64_t off = 0;
    for (int d = 0; d < nd; d++) off += idx[d] * a.inner_strides[d];
    const int64_t n = std::min(inner - idx[nd - 1], end - pos);
    f(base + off * elsize, a.inner_strides[nd - 1], n, pos);
    pos += n;
    idx[nd - 1] += n;
    for (int d = nd - 1; d > 0 && idx[d] >= a.inner_shape[d]; d--) { idx[d] = 0; idx[d - 1]++; }
  }
}

template <ReduceOp op, typename T>
void finish(const ReduceArgs& a, void* out, const State<T>& s, const char* base, int64_t total) {
  using M = typename OpMath<T>::type;
  if constexpr (op == ReduceOp::sum) store_result<T>(out, a.out_dtype, s.sum);
  else if constexpr (op == ReduceOp::prod) store_result<T>(out, a.out_dtype, s.prod);
  else if constexpr (op == ReduceOp::mean) store_result<T>(out, a.out_dtype, static_cast<double>(s.sum) / static_cast<double>(total));
  else if constexpr (op == ReduceOp::any) store_result<T>(out, a.out_dtype, static_cast<int64_t>(s.any));
  else if constexpr (op == ReduceOp::all) store_result<T>(out, a.out_dtype, static_cast<int64_t>(s.all));
  else if constexpr (op == ReduceOp::argmax || op == ReduceOp::argmin) store_result<T>(out, a.out_dtype, s.best_idx);
  else if constexpr (op == ReduceOp::var) {
    // second pass around the mean: exact enough that var of a constant is 0
    const double mean = static_cast<double>(s.sum) / static_cast<double>(total);
    double m2 = 0;
    for_inner_runs(a, base, sizeof(T), 0, total, [&](const char* p, int64_t st, int64_t n, int64_t) {
      const T* x = reinterpret_cast<const T*>(p);
      for (int64_t i = 0; i < n; i++) {
        const double d = static_cast<double>(load(x[i * st])) - mean;
        m2 += d * d;
      }
    });
    const double div = std::max(0.0, static_cast<double>(total) - a.correction);
    store_result<T>(out, a.out_dtype, m2 / div);
  } else {
    if constexpr (std::is_floating_point_v<M>) store_result<T>(out, a.out_dtype, static_cast<double>(s.best));
    else store_result<T>(out, a.out_dtype, static_cast<int64_t>(s.best));
  }
}

template <ReduceOp op, typename T>
void reduce_typed(const ReduceArgs& a) {
  int64_t total = 1;
  for (int d = 0; d < a.inner_ndim; d++) total *= a.inner_shape[d];
  const Iter& it = a.outer;
  const int64_t outputs = it.numel();
  const int out_size = dtype_size(a.out_dtype);
  if (outputs == 0) return;

  if (outputs < num_threads() && total >= (1 << 16) && op != ReduceOp::var) {
    // few outputs, long reductions: split each reduction across threads and merge in order
    for_each_run(it, 1 << 30, [&](char** p, const int64_t* st, int64_t n) {
      for (int64_t k = 0; k < n; k++) {
        const char* base = p[1] + k * st[1] * sizeof(T);
        const int parts = num_threads();
        std::vector<State<T>> partial(parts);
        const int64_t chunk = (total + parts - 1) / parts;
        parallel_for(parts, 1, [&](int64_t b, int64_t e) {
          for (int64_t q = b; q < e; q++) {
            const int64_t lo = q * chunk, hi = std::min(total, lo + chunk);
            if (lo < hi)
              for_inner_runs(a, base, sizeof(T), lo, hi, [&](const char* ptr, int64_t s, int64_t m, int64_t i0) {
                fold_run<op, T>(partial[q], reinterpret_cast<const T*>(ptr), s, m, i0);
              });
          }
        });
        State<T> s;
        for (auto& ps : partial) merge<op, T>(s, ps);
        finish<op, T>(a, p[0] + k * st[0] * out_size, s, base, total);
      }
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(total, 1));
  for_each_run(it, grain, [&](char** p, const int64_t* st, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
      const char* base = p[1] + k * st[1] * sizeof(T);
      State<T> s;
      if (total > 0)
        for_inner_runs(a, base, sizeof(T), 0, total, [&](const char* ptr, int64_t str, int64_t m, int64_t i0) {
          fold_run<op, T>(s, reinterpret_cast<const T*>(ptr), str, m, i0);
        });
      finish<op, T>(a, p[0] + k * st[0] * out_size, s, base, total);
    }
  });
}

template <ReduceOp op>
void reduce_op(const ReduceArgs& a) {
  dispatch_dtype(a.in_dtype, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    reduce_typed<op, T>(a);
  });
}

using ReduceFn = void (*)(const ReduceArgs&);
#define LOWBIT_ENTRY(name) &reduce_op<ReduceOp::name>,
const ReduceFn kReduceTable[] = {LOWBIT_REDUCE_OPS(LOWBIT_ENTRY)};
#undef LOWBIT_ENTRY

}  // namespace

void reduce(const ReduceArgs& args) { kReduceTable[args.op](args); }

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
