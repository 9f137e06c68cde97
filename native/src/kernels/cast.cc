// Casts between all element types (torch's rules in dtype.h), over any strides.
#include "convert.h"

namespace lowbit {
namespace LOWBIT_ARCH {

namespace {

template <typename D, typename S>
void cast_run(D* dst, int64_t ds, const S* src, int64_t ss, int64_t n) {
  if constexpr ((std::is_same_v<S, float> && (std::is_same_v<D, Half> || std::is_same_v<D, BFloat16>))) {
    if (ss == 1) return from_f32(src, n, dst, ds);
  }
  if constexpr ((std::is_same_v<D, float> && (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>))) {
    if (ds == 1) return to_f32(src, ss, n, dst);
  }
  if (ds == 1 && ss == 1) {
    for (int64_t i = 0; i < n; i++) dst[i] = Cast<D>::from(src[i]);
  } else {
    for (int64_t i = 0; i < n; i++) dst[i * ds] = Cast<D>::from(src[i * ss]);
  }
}

}  // namespace

void cast(const Iter& it, int dst_dtype, int src_dtype) {
  dispatch_dtype(dst_dtype, [&](auto* dtag) {
    using D = std::remove_pointer_t<decltype(dtag)>;
    dispatch_dtype(src_dtype, [&](auto* stag) {
      using S = std::remove_pointer_t<decltype(stag)>;
      for_each_run(it, 1 << 15, [&](char** p, const int64_t* st, int64_t n) {
        cast_run(reinterpret_cast<D*>(p[0]), st[0], reinterpret_cast<const S*>(p[1]), st[1], n);
      });
    });
  });
}

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
