// This build's kernel table (one per instruction set; see arch.h).
#include "arch.h"

namespace lowbit {
namespace LOWBIT_ARCH {

void cast(const Iter&, int, int);
void binary(const Iter&, int, int, int, const double*, const double*, const double*);
void unary(const Iter&, int, int, int, const double*);
void where(const Iter&, int);
void reduce(const ReduceArgs&);
void gemm(const GemmArgs&);
void softmax(const RowArgs&);
void layer_norm(const RowArgs&);
void int8_gemm(const Int8GemmArgs&);
void wq_gemm(const WqGemmArgs&);
int64_t quantize_blockwise(const BlockwiseArgs&);
void dequantize_blockwise(const DequantBlockwiseArgs&);
int64_t int8_vectorwise_quant(const Int8QuantArgs&);
int64_t quantize_rtn(const RtnArgs&);
void quanto_quantize(const QuantoArgs&);
int64_t hqq_proximal(const HqqArgs&);

#define LOWBIT_STR2(x) #x
#define LOWBIT_STR(x) LOWBIT_STR2(x)
extern const Kernels kernels = {
    LOWBIT_STR(LOWBIT_ARCH), cast, binary, unary, where, reduce, gemm, softmax, layer_norm, int8_gemm, wq_gemm,
    quantize_blockwise, dequantize_blockwise, int8_vectorwise_quant, quantize_rtn, quanto_quantize, hqq_proximal,
};

}  // namespace LOWBIT_ARCH
}  // namespace lowbit
