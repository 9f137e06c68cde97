// Row-wise ops over the last dimension: softmax, log_softmax and layer_norm. Each row is
// widened to float (double for f64 inputs), computed there, and rounded once, as torch's CPU
// kernels do for 16-bit floats.
#include <vector>

#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

template <typename T> using RowMath = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T>
void widen(const T* x, int64_t n, RowMath<T>* dst) {
  if constexpr (std::is_same_v<T, double>) std::copy(x, x + n, dst);
  else to_f32(x, 1, n, dst);
}
template <typename T>
void narrow(const RowMath<T>* src, int64_t n, T* y) {
  if constexpr (std::is_same_v<T, double>) std::copy(src, src + n, y);
  else from_f32(src, n, y, 1);
}

template <typename T>
void softmax_typed(const RowArgs& a) {
  using F = RowMath<T>;
  const T* X = static_cast<const T*>(a.x);
  T* Y = static_cast<T*>(a.y);
  const int64_t n = a.n;
  parallel_for(a.rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(n, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<F> row(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1 && !interrupted(); r++) {
      widen(X + r * n, n, row.data());
      F mx = -std::numeric_limits<F>::infinity();
      for (int64_t i = 0; i < n; i++) mx = (row[i] > mx || row[i] != row[i]) ? row[i] : mx;
      // a row of -inf has no maximum to subtract: torch gives NaN there, and so does exp(-inf - -inf)
      F sum = 0;
      if (a.log) {
        for (int64_t i = 0; i < n; i++) sum += std::exp(row[i] - mx);
        const F lse = std::log(sum);
        for (int64_t i = 0; i < n; i++) row[i] = row[i] - mx - lse;
      } else {
        for (int64_t i = 0; i < n; i++) {
          row[i] = std::exp(row[i] - mx);
          sum += row[i];
        }
        const F inv = F(1) / sum;
        for (int64_t i = 0; i < n; i++) row[i] *= inv;
      }
      narrow(row.data(), n, Y + r * n);
    }
  });
}

// y = (x - mean) / sqrt(var + eps) * weight + bias, biased variance, statistics in double.
template <typename T>
void layer_norm_typed(const RowArgs& a) {
  using F = RowMath<T>;
  const T* X = static_cast<const T*>(a.x);
  T* Y = static_cast<T*>(a.y);
  const int64_t n = a.n;
  std::vector<F> w, b;
  auto load_param = [&](const void* p, std::vector<F>& dst) {
    if (!p) return;
    dst.resize(static_cast<size_t>(n));
    dispatch_dtype(a.param_dtype, [&](auto* tag) {
      using P = std::remove_pointer_t<decltype(tag)>;
      for (int64_t i = 0; i < n; i++) dst[i] = static_cast<F>(Cast<double>::from(static_cast<const P*>(p)[i]));
    });
  };
  load_param(a.weight, w);
  load_param(a.bias, b);
  parallel_for(a.rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(n, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<F> row(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1 && !interrupted(); r++) {
      widen(X + r * n, n, row.data());
      double mean = 0;
      for (int64_t i = 0; i < n; i++) mean += row[i];
      mean /= static_cast<double>(n);
      double var = 0;
      for (int64_t i = 0; i < n; i++) {
        const double d = row[i] - mean;
        var += d * d;
      }
      var /= static_cast<double>(n);
      const F rstd = static_cast<F>(1.0 / std::sqrt(var + a.eps));
      const F fmean = static_cast<F>(mean);
      for (int64_t i = 0; i < n; i++) {
        F v = (row[i] - fmean) * rstd;
        if (!w.empty()) v = v * w[i];
        if (!b.empty()) v = v + b[i];
        row[i] = v;
      }
      narrow(row.data(), n, Y + r * n);
    }
  });
}

template <template <typename> class Fn>
void dispatch_float(const RowArgs& a) {
  switch (a.dtype) {
    case kFloat32: return Fn<float>::run(a);
    case kFloat64: return Fn<double>::run(a);
    case kBFloat16: return Fn<BFloat16>::run(a);
    default: return Fn<Half>::run(a);
  }
}
template <typename T> struct SoftmaxFn { static void run(const RowArgs& a) { softmax_typed<T>(a); } };
template <typename T> struct LayerNormFn { static void run(const RowArgs& a) { layer_norm_typed<T>(a); } };

}  // namespace

void softmax(const RowArgs& a) { dispatch_float<SoftmaxFn>(a); }
void layer_norm(const RowArgs& a) { dispatch_float<LayerNormFn>(a); }

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
