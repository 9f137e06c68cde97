// The TypeScript reference backend: plain loops over JS numbers, the definition the native
// kernels are tested against, and the fallback when the addon cannot load.
import type { Kernels } from "../types.js";
import { binary, cast, unary, where } from "./elementwise.js";
import { int8Gemm } from "./int8.js";
import { gemm, layerNorm, softmax } from "./linalg.js";
import { quantizeRtn, quantoQuantize } from "./quantize_affine.js";
import { dequantizeBlockwise, quantizeBlockwise } from "./quantize_blockwise.js";
import { hqqProximal } from "./quantize_hqq.js";
import { int8VectorwiseQuant } from "./quantize_int8.js";
import { reduce } from "./reduce.js";
import { wqGemm } from "./wq.js";

export const reference: Kernels = {
  name: "reference", cast, binary, unary, where, reduce, gemm, softmax, layerNorm, int8Gemm, wqGemm,
  quantizeBlockwise, dequantizeBlockwise, int8VectorwiseQuant, quantizeRtn, quantoQuantize, hqqProximal,
};
