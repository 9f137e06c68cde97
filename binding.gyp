{
  "variables": {
    "kernel_sources": [
      "native/src/kernels/cast.cc",
      "native/src/kernels/binary.cc",
      "native/src/kernels/unary.cc",
      "native/src/kernels/reduce.cc",
      "native/src/kernels/gemm.cc",
      "native/src/kernels/rows.cc",
      "native/src/kernels/int8_gemm.cc",
      "native/src/kernels/wq_gemm.cc",
      "native/src/kernels/quantize_blockwise.cc",
      "native/src/kernels/quantize_int8.cc",
      "native/src/kernels/quantize_affine.cc",
      "native/src/kernels/quantize_hqq.cc",
      "native/src/kernels/table.cc"
    ],
    "common_cflags": ["-O3", "-fPIC", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"]
  },
  "targets": [
    {
      "target_name": "kernels_scalar",
      "type": "static_library",
      "sources": ["<@(kernel_sources)"],
      "defines": ["LOWBIT_ARCH=scalar"],
      "cflags_cc": ["<@(common_cflags)"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"]
    },
    {
      "target_name": "kernels_avx2",
      "type": "static_library",
      "sources": ["<@(kernel_sources)"],
      "defines": ["LOWBIT_ARCH=avx2"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma", "-mf16c"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"]
    },
    {
      "target_name": "kernels_avx512",
      "type": "static_library",
      "sources": ["<@(kernel_sources)"],
      "defines": ["LOWBIT_ARCH=avx512"],
      "cflags_cc": ["<@(common_cflags)", "-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-Wno-maybe-uninitialized"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"]
    },
    {
      "target_name": "lowbit",
      "sources": [
        "native/src/addon.cc",
        "native/src/cpu/cpuinfo.cc",
        "native/src/cpu/threadpool.cc",
        "native/src/cpu/interrupt.cc"
      ],
      "dependencies": ["kernels_scalar", "kernels_avx2", "kernels_avx512"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-fPIC", "-std=c++17", "-fexceptions", "-Wall"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "ldflags": ["-pthread"]
    }
  ]
}
