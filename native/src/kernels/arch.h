// Each kernel source is compiled three times (binding.gyp): plain (the scalar reference build),
// with AVX2+FMA+F16C, and with AVX-512. LOWBIT_ARCH names the namespace of each build; the
// intrinsics paths below are chosen by what the compiler was told it may use.
#pragma once
#include <type_traits>

#include "dtype.h"
#include "kernels.h"

#if !defined(LOWBIT_ARCH)
#error "LOWBIT_ARCH must be set by the build (scalar, avx2 or avx512)"
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define LOWBIT_AVX512 1
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define LOWBIT_AVX2 1
#endif
#if defined(LOWBIT_AVX2) || defined(LOWBIT_AVX512)
#include <immintrin.h>
#endif
