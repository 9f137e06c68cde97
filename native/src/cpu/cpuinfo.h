// What the processor (and the OS, for the wide registers) supports, read once with cpuid.
#pragma once

namespace lowbit {

struct CpuFeatures {
  bool avx2_fma_f16c = false;  // Haswell and later, Zen and later
  bool avx512 = false;         // F + BW + DQ + VL (Skylake-X, Ice Lake, Zen 4 and later)
  bool avx512_bf16 = false;
  bool avx512_vnni = false;
};

const CpuFeatures& cpu_features();

}  // namespace lowbit
