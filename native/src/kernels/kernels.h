// The kernel table: every op the addon exports, compiled once per instruction set
// (scalar, avx2, avx512 namespaces) and chosen once at load by dispatch.cc.
#pragma once
#include <cstdint>

#include "../cpu/interrupt.h"
#include "dtype.h"
#include "iter.h"

namespace lowbit {

// Op codes; kernel/tensor/backend/ops.ts lists the same names in the same order and checks
// them against binary_op_names()/unary_op_names()/reduce_op_names() when the addon loads.
#define LOWBIT_BINARY_OPS(X)                                                                \
  X(add) X(sub) X(mul) X(div) X(maximum) X(minimum) X(pow) X(remainder) X(floor_divide)     \
  X(fmod) X(atan2) X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(logical_and) X(logical_or)       \
  X(logical_xor) X(bitwise_and) X(bitwise_or) X(bitwise_xor) X(bitwise_left_shift)          \
  X(bitwise_right_shift)
#define LOWBIT_UNARY_OPS(X)                                                                 \
  X(neg) X(abs) X(sqrt) X(rsqrt) X(exp) X(expm1) X(log) X(log2) X(log10) X(log1p) X(sin)   \
  X(cos) X(tan) X(tanh) X(sigmoid) X(relu) X(gelu) X(gelu_tanh) X(silu) X(erf) X(round)     \
  X(floor) X(ceil) X(trunc) X(sign) X(reciprocal) X(square) X(logical_not) X(bitwise_not)   \
  X(isnan) X(isinf) X(isfinite) X(clamp) X(pow_scalar) X(rpow_scalar) X(round_decimals)     \
  X(nan_to_num)
#define LOWBIT_REDUCE_OPS(X) \
  X(sum) X(prod) X(mean) X(amax) X(amin) X(argmax) X(argmin) X(var) X(any) X(all)

#define LOWBIT_ENUM(name) name,
enum class BinaryOp : int { LOWBIT_BINARY_OPS(LOWBIT_ENUM) kCount };
enum class UnaryOp : int { LOWBIT_UNARY_OPS(LOWBIT_ENUM) kCount };
enum class ReduceOp : int { LOWBIT_REDUCE_OPS(LOWBIT_ENUM) kCount };
#undef LOWBIT_ENUM

// Which dtypes each op takes; kernel/tensor/backend/ops.ts (op_dtype_error) says the same.
constexpr bool is_predicate(BinaryOp op) {
  using B = BinaryOp;
  return op == B::eq || op == B::ne || op == B::lt || op == B::le || op == B::gt || op == B::ge ||
         op == B::logical_and || op == B::logical_or || op == B::logical_xor;
}
constexpr bool is_predicate(UnaryOp op) {
  using U = UnaryOp;
  return op == U::logical_not || op == U::isnan || op == U::isinf || op == U::isfinite;
}
constexpr bool integer_only(BinaryOp op) {
  using B = BinaryOp;
  return op == B::bitwise_and || op == B::bitwise_or || op == B::bitwise_xor || op == B::bitwise_left_shift ||
         op == B::bitwise_right_shift;
}
constexpr bool integer_only(UnaryOp op) { return op == UnaryOp::bitwise_not; }
constexpr bool floating_only(BinaryOp op) { return op == BinaryOp::div || op == BinaryOp::atan2; }
constexpr bool floating_only(UnaryOp op) {
  using U = UnaryOp;
  switch (op) {
    case U::sqrt: case U::rsqrt: case U::exp: case U::expm1: case U::log: case U::log2: case U::log10:
    case U::log1p: case U::sin: case U::cos: case U::tan: case U::tanh: case U::sigmoid: case U::gelu:
    case U::gelu_tanh: case U::silu: case U::erf: case U::reciprocal: case U::round_decimals:
      return true;
    default:
      return false;
  }
}

// A reduction: `outer` walks the output positions (ops 0 = output, 1 = input), `inner` walks
// the reduced elements of the input for one output position.
struct ReduceArgs {
  Iter outer;        // nops = 2: [0] output, [1] input
  int inner_ndim = 0;
  int64_t inner_shape[kMaxDims] = {};
  int64_t inner_strides[kMaxDims] = {};
  int op = 0, in_dtype = 0, out_dtype = 0;
  double correction = 1;  // var/std: divide by N - correction
};

// C[b] = A[b] @ B[b] (+ bias broadcast over rows), C contiguous [batch, M, N]. A and B may
// have any strides and any of f32/bf16/f16 (accumulated in fp32) or f64 (in fp64).
struct GemmArgs {
  int64_t batch = 1, M = 0, N = 0, K = 0;
  const void* a = nullptr; int a_dtype = 0; int64_t a_sb = 0, a_sm = 0, a_sk = 0;
  const void* b = nullptr; int b_dtype = 0; int64_t b_sb = 0, b_sk = 0, b_sn = 0;
  void* c = nullptr; int c_dtype = 0;
  const void* bias = nullptr; int bias_dtype = 0;  // length N, or null
};

// LLM.int8()'s product C[m, n] = sum_k A[m, k] * B[n, k]: A [M, K] and B [N, K] contiguous int8,
// C [M, N] contiguous int32, exact modulo 2^32.
struct Int8GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const int8_t* a = nullptr;
  const int8_t* b = nullptr;
  int32_t* c = nullptr;
};

// Weight-only quantized product y[m, n] = sum_k x[m, k] * W[n, k] (+ bias[n]) with W dequantized on
// the fly from one of the layouts wq_gemm.cc describes; x [M, K] and y [M, N] contiguous.
enum class WqFormat : int { int8 = 0, uint4 = 1, uint2 = 2, code4 = 3 };
struct WqGemmArgs {
  int64_t M = 0, N = 0, K = 0;
  int format = 0;
  int64_t group = 0;                 // uint4/uint2: along each row; code4: along the flattened weight
  const void* x = nullptr; int x_dtype = 0;
  const uint8_t* w = nullptr;
  const float* scale = nullptr;      // int8: [N]; uint4/uint2: [N, ceil(K/group)]; code4: absmax [ceil(N*K/group)]
  const float* zero = nullptr;       // uint4/uint2: [N, ceil(K/group)]
  const float* code = nullptr;       // code4: 16 values
  int w_dtype = 0;                   // dequantized weights are rounded to this float type (not for int8)
  void* y = nullptr; int y_dtype = 0;
  const void* bias = nullptr; int bias_dtype = 0;  // length N, or null
};

// Quantizers (quantize_*.cc). Inputs are contiguous float32/bfloat16/float16 (x_dtype) unless said
// otherwise; kernel/tensor/backend/reference/quantize_*.ts are the definitions they are tested
// against. Those that return int64_t return the flat index of the first NaN/±Inf input they
// refuse, or -1; after a refusal their outputs hold nothing useful.

// bitsandbytes' blockwise quantization: per block of `blocksize` values, absmax = max|x| and each
// code from x * fp32(1/absmax): nf4 / fp4 (CUDA's decision trees) packed two to a byte, high nibble
// first; dynamic: the nearest of 256 sorted `code` values by CUDA's binary search, one per byte.
enum class BlockwiseKind : int { nf4 = 0, fp4 = 1, dynamic = 2 };
struct BlockwiseArgs {
  int64_t n = 0, blocksize = 0;
  int kind = 0;
  const void* x = nullptr; int x_dtype = 0;
  const float* code = nullptr;  // dynamic: 256 values
  uint8_t* q = nullptr;         // ceil(n/2) bytes (nf4/fp4) or n
  float* absmax = nullptr;      // ceil(n/blocksize)
};
// Its inverse: out[i] = code[q_i] * absmax[i / blocksize] in fp32, rounded once to out_dtype.
struct DequantBlockwiseArgs {
  int64_t n = 0, blocksize = 0;
  int bits = 0;                 // 4: q_i is nibble i, high first; 8: byte i
  const uint8_t* q = nullptr;
  const float* code = nullptr;  // 16 or 256 values
  const float* absmax = nullptr;
  void* out = nullptr; int out_dtype = 0;
};

// LLM.int8()'s vector-wise quantization of float16 A [rows, k]: |a| >= threshold (> 0) are
// outliers, left out of the row absmax SCA and marked in outlier_cols [k], their CA columns zeroed
// when rows > 1; CA = round(a * fp32(127 / SCA)), 0 where SCA is 0.
struct Int8QuantArgs {
  int64_t rows = 0, k = 0;
  const Half* a = nullptr;
  float threshold = 0;
  int8_t* ca = nullptr;
  float* sca = nullptr;
  uint8_t* outlier_cols = nullptr;
};

// Round to nearest into wq_gemm's layouts: bits 8: q int8 [N, K], scale [N] = absmax / 127;
// 4 / 2: min/max (with 0) per group of a row, scale and zero [N, ceil(K/group)], rows packed into
// ceil(K*bits/8) bytes, lowest bits first.
struct RtnArgs {
  int64_t N = 0, K = 0, group = 0;
  int bits = 0;
  const void* x = nullptr; int x_dtype = 0;
  uint8_t* q = nullptr;
  float* scale = nullptr;
  float* zero = nullptr;
};

// optimum-quanto's quantize_weight on the grouped weight x [R, C], one scale (and shift) per row,
// each step rounded to x_dtype as its tensor ops are: bits 8: int8 [R, C]; 4 / 2: uint8 codes
// packed along dim 0 (row r in bits [bits*i, bits*(i+1)) of packed row r - i*ceil(R*bits/8)).
struct QuantoArgs {
  int64_t R = 0, C = 0;
  int bits = 0;
  const void* x = nullptr; int x_dtype = 0;
  const void* scale = nullptr;       // [R], x_dtype
  const void* shift = nullptr;       // [R], x_dtype (a float shift) or uint8 (a zero point); bits 4/2
  int shift_dtype = 0;
  uint8_t* q = nullptr;
};

// hqq's proximal solver on the float32 [R, C] view W, one group per row (axis 1) or column (axis
// 0): zero moves in place for at most `iters` rounds (errors[i]: round i's mean |W - W_r|), then
// codes [R, C] = clamp(round(W * s + z), 0, max_v) with the final zeros. Returns the rounds run.
struct HqqArgs {
  int64_t R = 0, C = 0;
  int axis = 0;
  const float* W = nullptr;
  const float* scale = nullptr;  // inverse scales, one per group
  float* zero = nullptr;         // one per group, in and out
  float max_v = 0;
  double lp_norm = 0, beta = 0, kappa = 0;
  int64_t iters = 0;
  uint8_t* codes = nullptr;
  double* errors = nullptr;      // iters
};

// Rows of n contiguous elements: softmax / log_softmax / layer_norm over the last dimension.
struct RowArgs {
  int64_t rows = 0, n = 0;
  const void* x = nullptr; void* y = nullptr; int dtype = 0;
  const void* weight = nullptr; const void* bias = nullptr; int param_dtype = 0;
  double eps = 0;
  bool log = false;
};

struct Kernels {
  const char* name;
  void (*cast)(const Iter& it, int dst_dtype, int src_dtype);         // ops: dst, src
  void (*binary)(const Iter& it, int op, int dtype, int out_dtype,    // ops: out, a, b
                 const double* scalar_a, const double* scalar_b,
                 const double* alpha);                                // add only: a + alpha * b
  void (*unary)(const Iter& it, int op, int dtype, int out_dtype,     // ops: out, x
                const double* params);
  void (*where)(const Iter& it, int dtype);                           // ops: out, cond, a, b
  void (*reduce)(const ReduceArgs& args);
  void (*gemm)(const GemmArgs& args);
  void (*softmax)(const RowArgs& args);
  void (*layer_norm)(const RowArgs& args);
  void (*int8_gemm)(const Int8GemmArgs& args);
  void (*wq_gemm)(const WqGemmArgs& args);
  int64_t (*quantize_blockwise)(const BlockwiseArgs& args);
  void (*dequantize_blockwise)(const DequantBlockwiseArgs& args);
  int64_t (*int8_vectorwise_quant)(const Int8QuantArgs& args);
  int64_t (*quantize_rtn)(const RtnArgs& args);
  void (*quanto_quantize)(const QuantoArgs& args);
  int64_t (*hqq_proximal)(const HqqArgs& args);
};

namespace scalar { extern const Kernels kernels; }
namespace avx2 { extern const Kernels kernels; }
namespace avx512 { extern const Kernels kernels; }

// Set by a kernel that meets an error it cannot recover from inside a parallel region (integer
// division by zero); the binding throws it as a JS error after the kernel returns.
void set_kernel_error(const char* message);
const char* take_kernel_error();

}  // namespace lowbit
