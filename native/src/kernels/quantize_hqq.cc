// hqq's proximal solver (optimize_weights_proximal_legacy; kernel/tensor/backend/reference/
// quantize_hqq.ts is the definition this is tested against, and says what each round computes).
// Each round takes the groups in parallel: a group's zero point depends only on its own elements,
// and its sums run over them in order (float64, as the reference's), so the threads cannot change
// a bit; the round's mean error adds the groups' sums in group order on the calling thread, and
// decides whether another round runs. Column groups (axis 0) are swept a row at a time, so that
// memory is read in order. Every float operation is rounded on its own, as the reference's are:
// no multiply-add may be fused (the pragma below), and |x|^(p-1) is pow in float64 rounded to
// float32 (libm's pow where the reference has V8's; both are within an ulp of float64, so they
// round to the same float32 unless the exact power lies within that ulp of a float32 tie).
#include <algorithm>
#include <cmath>
#include <vector>

#include "quantize.h"

#pragma GCC optimize("fp-contract=off")

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

// round(w * s + z) clamped to [0, max_v], never -0 (it enters the zero's sum)
inline float code_of(float w, float s, float z, float max_v) {
  const float r = std::nearbyint(w * s + z) + 0.0f;
  return r < 0 ? 0.0f : r > max_v ? max_v : r;
}

struct Round {
  float inv_beta, exponent, max_v;
};

// One element's share of its group's sums: |W - W_r| and the zero's term W_q - (W - W_e) * s.
inline void accumulate(const Round& rd, float w, float s, float z, double* err, double* zsum) {
  const float q = code_of(w, s, z, rd.max_v);
  const float d = w - (q - z) / s;
  const float a = std::fabs(d);
  // shrink_lp: sign(d) * relu(|d| - |d|^(p-1) / beta); |d| = 0 gives relu(-inf) = 0
  const float shrunk = a - rd.inv_beta * static_cast<float>(std::pow(static_cast<double>(a), static_cast<double>(rd.exponent)));
  const float w_e = shrunk > 0 ? (d > 0 ? shrunk : -shrunk) : 0.0f;
  *err += a;
  *zsum += q - (w - w_e) * s;
}

// Groups [g0, g1) of one round: their new zeros, and their error sums into err[g].
void round_groups(const HqqArgs& a, const Round& rd, int64_t g0, int64_t g1, double* err) {
  const int64_t R = a.R, C = a.C, len = a.axis == 1 ? C : R;
  std::vector<double> e(static_cast<size_t>(g1 - g0), 0.0), z(static_cast<size_t>(g1 - g0), 0.0);
  if (a.axis == 1) {
    for (int64_t g = g0; g < g1 && !interrupted(); g++)
      for (int64_t c = 0; c < C; c++) accumulate(rd, a.W[g * C + c], a.scale[g], a.zero[g], &e[g - g0], &z[g - g0]);
  } else {
    for (int64_t r = 0; r < R && !interrupted(); r++)
      for (int64_t g = g0; g < g1; g++) accumulate(rd, a.W[r * C + g], a.scale[g], a.zero[g], &e[g - g0], &z[g - g0]);
  }
  for (int64_t g = g0; g < g1; g++) {
    a.zero[g] = static_cast<float>(static_cast<double>(static_cast<float>(z[g - g0])) / static_cast<double>(len));
    err[g] = e[g - g0];
  }
}

}  // namespace

int64_t hqq_proximal(const HqqArgs& a) {
  const int64_t R = a.R, C = a.C, groups = a.axis == 1 ? R : C, len = a.axis == 1 ? C : R;
  std::vector<double> err(static_cast<size_t>(groups));
  double beta = a.beta, best = 1e4;
  int64_t rounds = 0;
  for (int64_t it = 0; it < a.iters && !interrupted(); it++) {
    rounds++;
    const Round rd{static_cast<float>(1.0 / beta), static_cast<float>(a.lp_norm - 1), a.max_v};
    parallel_for(groups, std::max<int64_t>(1, 4096 / std::max<int64_t>(len, 1)), [&](int64_t g0, int64_t g1) {
      round_groups(a, rd, g0, g1, err.data());
    });
    double sum = 0;
    for (double e : err) sum += e;
    beta *= a.kappa;
    const float current = static_cast<float>(static_cast<double>(static_cast<float>(sum)) / static_cast<double>(R * C));
    a.errors[it] = current;
    if (current < best) best = current;
    else break;
  }
  parallel_for(R, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++)
      for (int64_t c = 0; c < C; c++) {
        const int64_t g = a.axis == 1 ? r : c;
        a.codes[r * C + c] = static_cast<uint8_t>(code_of(a.W[r * C + c], a.scale[g], a.zero[g], a.max_v));
      }
  });
  return rounds;
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
