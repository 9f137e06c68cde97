// Strided n-d iteration over up to four operands of one shape, like a tiny ATen TensorIterator:
// the binding checks bounds and coalesces dimensions, kernels see 1-d runs.
#pragma once
#include <algorithm>
#include <cstdint>

#include "../cpu/interrupt.h"
#include "../cpu/threadpool.h"

namespace lowbit {

constexpr int kMaxDims = 16;
constexpr int kMaxOperands = 4;

struct Iter {
  int ndim = 0;
  int nops = 0;
  int64_t shape[kMaxDims] = {};
  char* data[kMaxOperands] = {};      // base pointer of each operand (offset applied)
  int64_t strides[kMaxOperands][kMaxDims] = {};  // in elements
  int elsize[kMaxOperands] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    return n;
  }
  // Merges dimensions that every operand walks contiguously, and drops size-1 dimensions,
  // so the innermost run is as long as possible.
  void coalesce() {
    int out = 0;
    for (int d = 0; d < ndim; d++) {
      if (shape[d] == 1) continue;
      if (out > 0) {
        bool merge = true;
        for (int o = 0; o < nops; o++)
          if (strides[o][out - 1] != strides[o][d] * shape[d]) { merge = false; break; }
        if (merge) {
          shape[out - 1] *= shape[d];
          for (int o = 0; o < nops; o++) strides[o][out - 1] = strides[o][d];
          continue;
        }
      }
      shape[out] = shape[d];
      for (int o = 0; o < nops; o++) strides[o][out] = strides[o][d];
      out++;
    }
    ndim = out;
    if (ndim == 0) {  // a single element
      ndim = 1;
      shape[0] = 1;
      for (int o = 0; o < nops; o++) strides[o][0] = 0;
    }
  }
};

// Calls body(ptrs, inner_strides, n) for 1-d runs of the innermost dimension, covering all
// elements, split across threads when there are at least `grain` elements per thread.
template <typename Body>
void for_each_run(const Iter& it, int64_t grain, Body&& body) {
  const int64_t total = it.numel();
  if (total == 0) return;
  const int nd = it.ndim, nops = it.nops;
  const int64_t inner = it.shape[nd - 1];
  int64_t inner_strides[kMaxOperands];
  for (int o = 0; o < nops; o++) inner_strides[o] = it.strides[o][nd - 1];
  parallel_for(total, grain, [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxDims];
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; d--) {
      idx[d] = rem % it.shape[d];
      rem /= it.shape[d];
    }
    int64_t pos = begin;
    while (pos < end && !interrupted()) {
      char* ptrs[kMaxOperands];
      for (int o = 0; o < nops; o++) {
        int64_t off = 0;
        for (int d = 0; d < nd; d++) off += idx[d] * it.strides[o][d];
        ptrs[o] = it.data[o] + off * it.elsize[o];
      }
      const int64_t n = std::min(inner - idx[nd - 1], end - pos);
      body(ptrs, inner_strides, n);
      pos += n;
      idx[nd - 1] += n;
      for (int d = nd - 1; d > 0 && idx[d] >= it.shape[d]; d--) {
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  });
}

}  // namespace lowbit
