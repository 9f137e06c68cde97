// The N-API boundary: argument decoding, bounds checks on every operand (a bad stride or offset
// becomes a JS RangeError, never an out-of-bounds access), and dispatch to the kernel table
// chosen once for this CPU.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <iterator>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "cpu/cpuinfo.h"
#include "cpu/threadpool.h"
#include "kernels/dtype.h"
#include "kernels/kernels.h"

namespace lowbit {

namespace {

std::mutex error_mu;
std::string kernel_error;

const Kernels* active = nullptr;

const Kernels* best_kernels() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512) return &avx512::kernels;
  if (f.avx2_fma_f16c) return &avx2::kernels;
  return &scalar::kernels;
}

bool supported(const Kernels* k) {
  const CpuFeatures& f = cpu_features();
  if (k == &avx512::kernels) return f.avx512;
  if (k == &avx2::kernels) return f.avx2_fma_f16c;
  return true;
}

#define LOWBIT_NAME(name) #name,
const char* const kBinaryNames[] = {LOWBIT_BINARY_OPS(LOWBIT_NAME)};
const char* const kUnaryNames[] = {LOWBIT_UNARY_OPS(LOWBIT_NAME)};
const char* const kReduceNames[] = {LOWBIT_REDUCE_OPS(LOWBIT_NAME)};
#undef LOWBIT_NAME

[[noreturn]] void fail(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}
[[noreturn]] void fail_type(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

double to_f64(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) fail(env, std::string(what) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// Sizes, strides and offsets: integers a double holds exactly, so that no conversion saturates
// or truncates before the bounds checks see them.
int64_t to_i64(Napi::Env env, const Napi::Value& v, const char* what) {
  const double d = to_f64(env, v, what);
  if (!(std::fabs(d) <= 9007199254740991.0) || d != std::trunc(d))
    fail(env, std::string(what) + " must be an integer below 2^53 in magnitude, got " + v.ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

int to_dtype(Napi::Env env, const Napi::Value& v) {
  const int64_t d = to_i64(env, v, "dtype");
  if (d < 0 || d >= kNumDTypes) fail(env, "unknown dtype code " + std::to_string(d));
  return static_cast<int>(d);
}

std::vector<int64_t> to_dims(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) fail(env, std::string(what) + " must be an array");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  if (out.size() > static_cast<size_t>(kMaxDims))
    fail(env, std::string(what) + " has " + std::to_string(out.size()) + " dimensions; at most " +
                  std::to_string(kMaxDims) + " are supported");
  for (uint32_t i = 0; i < arr.Length(); i++) out[i] = to_i64(env, arr.Get(i), what);
  return out;
}

struct Buf {
  char* data;
  int64_t length;  // elements
};

Buf to_buf(Napi::Env env, const Napi::Value& v, int dtype, const char* what) {
  if (!v.IsTypedArray()) fail(env, std::string(what) + " must be a typed array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  const int es = dtype_size(dtype);
  if (static_cast<int>(ta.ElementSize()) != es)
    fail(env, std::string(what) + ": typed array element size " + std::to_string(ta.ElementSize()) +
                  " does not match dtype size " + std::to_string(es));
  char* base = static_cast<char*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  return {base, static_cast<int64_t>(ta.ByteLength() / es)};
}

// Sizes are non-negative and their product (the kernels' element count) fits in int64.
void check_shape(Napi::Env env, const char* what, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) {
    if (s < 0) fail(env, std::string(what) + ": negative size " + std::to_string(s));
    if (__builtin_mul_overflow(n, s, &n)) fail(env, std::string(what) + ": too many elements");
  }
}

// Checks that offset + sum(idx[d] * strides[d]) stays inside the buffer for every index, with
// no intermediate overflow (a wrapped sum could land inside the buffer).
void check_bounds(Napi::Env env, const char* what, const Buf& buf, int64_t offset, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides) {
  if (strides.size() != shape.size()) fail(env, std::string(what) + ": strides and shape differ in length");
  check_shape(env, what, shape);
  for (int64_t s : shape)
    if (s == 0) return;  // no elements are touched
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); d++) {
    int64_t span;
    bool overflow = __builtin_mul_overflow(strides[d], shape[d] - 1, &span);
    if (!overflow) overflow = span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi);
    if (overflow) fail(env, std::string(what) + ": strides reach beyond any storage");
  }
  if (lo < 0 || hi >= buf.length)
    fail(env, std::string(what) + ": view reaches elements [" + std::to_string(lo) + ", " + std::to_string(hi) +
                  "] of a storage of " + std::to_string(buf.length));
}

// The dtypes an elementwise op runs in and writes (see op_dtype_error in backend/ops.ts).
template <typename Op>
void check_op(Napi::Env env, const char* name, Op op, int dtype, int out_dtype) {
  if ((integer_only(op) && is_float(dtype)) || (floating_only(op) && !is_float(dtype)))
    fail_type(env, std::string(name) + ": not defined for " + dtype_name(dtype));
  const int want = is_predicate(op) ? kBool : dtype;
  if (out_dtype != want)
    fail_type(env, std::string(name) + ": the output must be " + dtype_name(want) + ", not " + dtype_name(out_dtype));
}

void add_operand(Napi::Env env, Iter& it, const char* what, const Napi::Value& data, int dtype, const Napi::Value& off,
                 const Napi::Value& strides_v, const std::vector<int64_t>& shape) {
  Buf b = to_buf(env, data, dtype, what);
  const int64_t offset = to_i64(env, off, "offset");
  std::vector<int64_t> strides = to_dims(env, strides_v, "strides");
  check_bounds(env, what, b, offset, shape, strides);
  const int o = it.nops++;
  it.elsize[o] = dtype_size(dtype);
  it.data[o] = b.data + offset * it.elsize[o];
  for (size_t d = 0; d < shape.size(); d++) it.strides[o][d] = strides[d];
}

// An output view may not write one location twice (torch refuses it too): with threads that
// would be a race, and a broadcast output can have far more elements than its storage.
void add_output(Napi::Env env, Iter& it, const char* what, const Napi::Value& data, int dtype, const Napi::Value& off,
                const Napi::Value& strides_v, const std::vector<int64_t>& shape) {
  add_operand(env, it, what, data, dtype, off, strides_v, shape);
  for (size_t d = 0; d < shape.size(); d++)
    if (shape[d] > 1 && it.strides[it.nops - 1][d] == 0)
      fail(env, std::string(what) + ": more than one element would be written to the same memory location (stride 0)");
}

void start_iter(Iter& it, const std::vector<int64_t>& shape) {
  it.ndim = static_cast<int>(shape.size());
  for (size_t d = 0; d < shape.size(); d++) it.shape[d] = shape[d];
}

// After every kernel: an interrupted kernel stopped early and its output is garbage, so it raises
// KeyboardInterrupt (Python's name, which Jupyter front ends know); other kernel errors raise as
// they were reported.
void throw_kernel_error(Napi::Env env) {
  if (interrupted()) {
    take_kernel_error();
    Napi::Error e = Napi::Error::New(env, "interrupted by the user");
    e.Set("name", Napi::String::New(env, "KeyboardInterrupt"));
    throw e;
  }
  const char* e = take_kernel_error();
  if (e) throw Napi::Error::New(env, e);
}

// cast(shape, dst, dstDtype, dstOff, dstStrides, src, srcDtype, srcOff, srcStrides)
Napi::Value Cast_(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto shape = to_dims(env, info[0], "shape");
  Iter it;
  start_iter(it, shape);
  const int dd = to_dtype(env, info[2]), sd = to_dtype(env, info[6]);
  add_output(env, it, "cast output", info[1], dd, info[3], info[4], shape);
  add_operand(env, it, "cast input", info[5], sd, info[7], info[8], shape);
  it.coalesce();
  active->cast(it, dd, sd);
  throw_kernel_error(env);
  return env.Undefined();
}

// binary(op, dtype, outDtype, shape, out, outOff, outStrides, a, aOff, aStrides, b, bOff, bStrides
//        [, alpha]) where a or b may be a number (a scalar operand, in the compute type), and add
// may take alpha (a + alpha * b).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t op = to_i64(env, info[0], "op");
  if (op < 0 || op >= static_cast<int64_t>(BinaryOp::kCount)) fail(env, "unknown binary op " + std::to_string(op));
  const int dt = to_dtype(env, info[1]), odt = to_dtype(env, info[2]);
  check_op(env, kBinaryNames[op], static_cast<BinaryOp>(op), dt, odt);
  if (info[7].IsNumber() && info[10].IsNumber())
    fail_type(env, std::string(kBinaryNames[op]) + ": at most one operand may be a scalar");
  auto shape = to_dims(env, info[3], "shape");
  Iter it;
  start_iter(it, shape);
  add_output(env, it, "output", info[4], odt, info[5], info[6], shape);
  double sa = 0, sb = 0;
  const double *psa = nullptr, *psb = nullptr;
  if (info[7].IsNumber()) {
    sa = info[7].As<Napi::Number>().DoubleValue();
    psa = &sa;
    it.data[it.nops] = it.data[0];  // placeholder operand, never read
    it.elsize[it.nops++] = dtype_size(dt);
  } else {
    add_operand(env, it, "first operand", info[7], dt, info[8], info[9], shape);
  }
  if (info[10].IsNumber()) {
    sb = info[10].As<Napi::Number>().DoubleValue();
    psb = &sb;
    it.data[it.nops] = it.data[0];
    it.elsize[it.nops++] = dtype_size(dt);
  } else {
    add_operand(env, it, "second operand", info[10], dt, info[11], info[12], shape);
  }
  double alpha = 1;
  const double* palpha = nullptr;
  if (info.Length() > 13 && info[13].IsNumber()) {
    if (op != static_cast<int64_t>(BinaryOp::add)) fail(env, "alpha is supported for add only");
    alpha = info[13].As<Napi::Number>().DoubleValue();
    palpha = &alpha;
  }
  it.coalesce();
  active->binary(it, static_cast<int>(op), dt, odt, psa, psb, palpha);
  throw_kernel_error(env);
  return env.Undefined();
}

// unary(op, dtype, outDtype, shape, out, outOff, outStrides, x, xOff, xStrides, params[])
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t op = to_i64(env, info[0], "op");
  if (op < 0 || op >= static_cast<int64_t>(UnaryOp::kCount)) fail(env, "unknown unary op " + std::to_string(op));
  const int dt = to_dtype(env, info[1]), odt = to_dtype(env, info[2]);
  check_op(env, kUnaryNames[op], static_cast<UnaryOp>(op), dt, odt);
  auto shape = to_dims(env, info[3], "shape");
  Iter it;
  start_iter(it, shape);
  add_output(env, it, "output", info[4], odt, info[5], info[6], shape);
  add_operand(env, it, "input", info[7], dt, info[8], info[9], shape);
  double params[4] = {0, 0, 0, 0};
  if (info.Length() > 10 && info[10].IsArray()) {
    Napi::Array p = info[10].As<Napi::Array>();
    for (uint32_t i = 0; i < p.Length() && i < 4; i++) params[i] = to_f64(env, p.Get(i), "params");
  }
  it.coalesce();
  active->unary(it, static_cast<int>(op), dt, odt, params);
  throw_kernel_error(env);
  return env.Undefined();
}

// where(dtype, shape, out, off, strides, cond, off, strides, a, off, strides, b, off, strides)
Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int dt = to_dtype(env, info[0]);
  auto shape = to_dims(env, info[1], "shape");
  Iter it;
  start_iter(it, shape);
  add_output(env, it, "output", info[2], dt, info[3], info[4], shape);
  add_operand(env, it, "condition", info[5], kBool, info[6], info[7], shape);
  add_operand(env, it, "first operand", info[8], dt, info[9], info[10], shape);
  add_operand(env, it, "second operand", info[11], dt, info[12], info[13], shape);
  it.coalesce();
  active->where(it, dt);
  throw_kernel_error(env);
  return env.Undefined();
}

// reduce(op, inDtype, outDtype, outerShape, out, outOff, outStrides, x, xOff, xOuterStrides,
//        innerShape, innerStrides, correction)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ReduceArgs a;
  const int64_t op = to_i64(env, info[0], "op");
  if (op < 0 || op >= static_cast<int64_t>(ReduceOp::kCount)) fail(env, "unknown reduce op " + std::to_string(op));
  a.op = static_cast<int>(op);
  a.in_dtype = to_dtype(env, info[1]);
  a.out_dtype = to_dtype(env, info[2]);
  auto outer = to_dims(env, info[3], "shape");
  auto inner = to_dims(env, info[10], "inner shape");
  auto inner_strides = to_dims(env, info[11], "inner strides");
  if (inner_strides.size() != inner.size()) fail(env, "input: inner strides and inner shape differ in length");
  start_iter(a.outer, outer);
  add_output(env, a.outer, "output", info[4], a.out_dtype, info[5], info[6], outer);
  // the input's reach is checked over outer and inner dimensions together
  {
    Buf b = to_buf(env, info[7], a.in_dtype, "input");
    const int64_t off = to_i64(env, info[8], "offset");
    auto os = to_dims(env, info[9], "strides");
    if (os.size() != outer.size()) fail(env, "input: strides and shape differ in length");
    std::vector<int64_t> all_shape(outer), all_strides(os);
    all_shape.insert(all_shape.end(), inner.begin(), inner.end());
    all_strides.insert(all_strides.end(), inner_strides.begin(), inner_strides.end());
    if (all_shape.size() > static_cast<size_t>(kMaxDims)) fail(env, "too many dimensions");
    check_bounds(env, "input", b, off, all_shape, all_strides);
    const int o = a.outer.nops++;
    a.outer.elsize[o] = dtype_size(a.in_dtype);
    a.outer.data[o] = b.data + off * a.outer.elsize[o];
    for (size_t d = 0; d < outer.size(); d++) a.outer.strides[o][d] = os[d];
  }
  a.correction = to_f64(env, info[12], "correction");
  // coalesce the reduced dimensions; an empty reduction keeps one dimension of size 0
  int n = 0;
  for (size_t d = 0; d < inner.size(); d++) {
    if (inner[d] == 1) continue;
    if (n > 0 && a.inner_strides[n - 1] == inner_strides[d] * inner[d]) {
      a.inner_shape[n - 1] *= inner[d];
      a.inner_strides[n - 1] = inner_strides[d];
      continue;
    }
    a.inner_shape[n] = inner[d];
    a.inner_strides[n] = inner_strides[d];
    n++;
  }
  if (n == 0) { a.inner_shape[0] = 1; a.inner_strides[0] = 0; n = 1; }
  for (size_t d = 0; d < inner.size(); d++)
    if (inner[d] == 0) { a.inner_shape[0] = 0; n = 1; }
  a.inner_ndim = n;
  a.outer.coalesce();
  active->reduce(a);
  throw_kernel_error(env);
  return env.Undefined();
}

// gemm(batch, M, N, K, a, aDtype, aOff, [aSb, aSm, aSk], b, bDtype, bOff, [bSb, bSk, bSn],
//      c, cDtype, cOff, bias|null, biasDtype, biasOff)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GemmArgs g;
  g.batch = to_i64(env, info[0], "batch");
  g.M = to_i64(env, info[1], "M");
  g.N = to_i64(env, info[2], "N");
  g.K = to_i64(env, info[3], "K");
  g.a_dtype = to_dtype(env, info[5]);
  g.b_dtype = to_dtype(env, info[9]);
  g.c_dtype = to_dtype(env, info[13]);
  if (g.a_dtype != g.b_dtype || g.a_dtype != g.c_dtype) fail_type(env, "gemm: operands must share one dtype");
  check_shape(env, "gemm", {g.batch, g.M, g.N, g.K});
  Buf a = to_buf(env, info[4], g.a_dtype, "mat1");
  Buf b = to_buf(env, info[8], g.b_dtype, "mat2");
  Buf c = to_buf(env, info[12], g.c_dtype, "output");
  const int64_t aoff = to_i64(env, info[6], "offset"), boff = to_i64(env, info[10], "offset"),
                coff = to_i64(env, info[14], "offset");
  auto as = to_dims(env, info[7], "strides"), bs = to_dims(env, info[11], "strides");
  if (as.size() != 3 || bs.size() != 3) fail(env, "gemm: strides must have 3 entries");
  check_bounds(env, "mat1", a, aoff, {g.batch, g.M, g.K}, as);
  check_bounds(env, "mat2", b, boff, {g.batch, g.K, g.N}, bs);
  check_bounds(env, "output", c, coff, {g.batch, g.M, g.N}, {g.M * g.N, g.N, 1});
  g.a = a.data + aoff * dtype_size(g.a_dtype);
  g.b = b.data + boff * dtype_size(g.b_dtype);
  g.c = c.data + coff * dtype_size(g.c_dtype);
  g.a_sb = as[0]; g.a_sm = as[1]; g.a_sk = as[2];
  g.b_sb = bs[0]; g.b_sk = bs[1]; g.b_sn = bs[2];
  if (info.Length() > 15 && !info[15].IsNull() && !info[15].IsUndefined()) {
    g.bias_dtype = to_dtype(env, info[16]);
    Buf bias = to_buf(env, info[15], g.bias_dtype, "bias");
    const int64_t off = to_i64(env, info[17], "offset");
    check_bounds(env, "bias", bias, off, {g.N}, {1});
    g.bias = bias.data + off * dtype_size(g.bias_dtype);
  }
  if (g.batch * g.M * g.N == 0) return env.Undefined();
  active->gemm(g);
  throw_kernel_error(env);
  return env.Undefined();
}

// int8Gemm(M, N, K, a, aOff, b, bOff, c, cOff): C[M, N] = A[M, K] @ B[N, K]^T with A and B
// contiguous int8 (Int8Array) and C contiguous int32 (Int32Array), exact modulo 2^32.
Napi::Value Int8Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Int8GemmArgs g;
  g.M = to_i64(env, info[0], "M");
  g.N = to_i64(env, info[1], "N");
  g.K = to_i64(env, info[2], "K");
  check_shape(env, "int8_gemm", {g.M, g.N, g.K});
  check_shape(env, "int8_gemm", {g.M, g.K});
  check_shape(env, "int8_gemm", {g.N, g.K});
  auto typed = [&](const Napi::Value& v, napi_typedarray_type want, const char* what, const char* type) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
      fail_type(env, std::string("int8_gemm: ") + what + " must be an " + type);
  };
  typed(info[3], napi_int8_array, "A", "Int8Array");
  typed(info[5], napi_int8_array, "B", "Int8Array");
  typed(info[7], napi_int32_array, "the output", "Int32Array");
  Buf a = to_buf(env, info[3], kInt8, "A"), b = to_buf(env, info[5], kInt8, "B"), c = to_buf(env, info[7], kInt32, "output");
  const int64_t aoff = to_i64(env, info[4], "offset"), boff = to_i64(env, info[6], "offset"),
                coff = to_i64(env, info[8], "offset");
  check_bounds(env, "int8_gemm: A [M, K]", a, aoff, {g.M, g.K}, {g.K, 1});
  check_bounds(env, "int8_gemm: B [N, K]", b, boff, {g.N, g.K}, {g.K, 1});
  check_bounds(env, "int8_gemm: output [M, N]", c, coff, {g.M, g.N}, {g.N, 1});
  g.a = reinterpret_cast<const int8_t*>(a.data) + aoff;
  g.b = reinterpret_cast<const int8_t*>(b.data) + boff;
  g.c = reinterpret_cast<int32_t*>(c.data) + coff;
  if (g.M * g.N == 0) return env.Undefined();
  active->int8_gemm(g);
  throw_kernel_error(env);
  return env.Undefined();
}

// wqGemm(M, N, K, format, group, x, xDtype, xOff, w, scale, zero|null, code|null, wDtype,
//        y, yDtype, yOff, bias|null, biasDtype, biasOff): y [M, N] = x [M, K] @ W^T (+ bias) with W
// [N, K] in one of the weight-only quantized layouts of kernels/wq_gemm.cc (format: WqFormat). w is
// a Uint8Array or Int8Array, scale / zero / code Float32Arrays, all read from their start.
Napi::Value WqGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WqGemmArgs g;
  g.M = to_i64(env, info[0], "M");
  g.N = to_i64(env, info[1], "N");
  g.K = to_i64(env, info[2], "K");
  check_shape(env, "wq_gemm", {g.M, g.N, g.K});
  check_shape(env, "wq_gemm", {g.M, g.K});
  check_shape(env, "wq_gemm", {g.N, g.K});
  const int64_t format = to_i64(env, info[3], "format");
  if (format < 0 || format > static_cast<int64_t>(WqFormat::code4)) fail(env, "wq_gemm: unknown weight format " + std::to_string(format));
  g.format = static_cast<int>(format);
  const bool int8 = g.format == static_cast<int>(WqFormat::int8), code4 = g.format == static_cast<int>(WqFormat::code4);
  g.group = int8 ? 1 : to_i64(env, info[4], "group");
  if (g.group < 1) fail(env, "wq_gemm: group must be at least 1, got " + std::to_string(g.group));
  g.x_dtype = to_dtype(env, info[6]);
  g.w_dtype = to_dtype(env, info[12]);
  g.y_dtype = to_dtype(env, info[14]);
  for (int dt : {g.x_dtype, g.w_dtype, g.y_dtype})
    if (dt != kFloat32 && dt != kBFloat16 && dt != kFloat16)
      fail_type(env, std::string("wq_gemm: activations, weights and output must be float32, bfloat16 or float16, not ") + dtype_name(dt));
  if (int8 && g.w_dtype != kFloat32) fail_type(env, "wq_gemm: int8 weights are scaled after the dot product; pass float32 as their dtype");
  const int64_t per = int8 ? 1 : code4 ? 2 : 8 / (g.format == static_cast<int>(WqFormat::uint2) ? 2 : 4);
  const int64_t w_bytes = code4 ? (g.N * g.K + 1) / 2 : g.N * ((g.K + per - 1) / per);
  const int64_t stats = int8 ? g.N : code4 ? (g.N * g.K + g.group - 1) / g.group : g.N * ((g.K + g.group - 1) / g.group);
  if (!info[8].IsTypedArray() || info[8].As<Napi::TypedArray>().ElementSize() != 1)
    fail_type(env, "wq_gemm: the weights must be a Uint8Array or Int8Array");
  Buf w = to_buf(env, info[8], kUInt8, "weights");
  if (w.length < w_bytes) fail(env, "wq_gemm: the weights hold " + std::to_string(w.length) + " bytes; this layout needs " + std::to_string(w_bytes));
  g.w = reinterpret_cast<const uint8_t*>(w.data);
  auto floats = [&](const Napi::Value& v, const char* what, int64_t need) -> const float* {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      fail_type(env, std::string("wq_gemm: ") + what + " must be a Float32Array");
    Buf b = to_buf(env, v, kFloat32, what);
    if (b.length < need) fail(env, std::string("wq_gemm: ") + what + " holds " + std::to_string(b.length) + " values; " + std::to_string(need) + " are needed");
    return reinterpret_cast<const float*>(b.data);
  };
  g.scale = floats(info[9], "scale", stats);
  if (!int8 && !code4) g.zero = floats(info[10], "zero", stats);
  if (code4) g.code = floats(info[11], "code", 16);
  Buf x = to_buf(env, info[5], g.x_dtype, "input"), y = to_buf(env, info[13], g.y_dtype, "output");
  const int64_t xo = to_i64(env, info[7], "offset"), yo = to_i64(env, info[15], "offset");
  check_bounds(env, "wq_gemm: input [M, K]", x, xo, {g.M, g.K}, {g.K, 1});
  check_bounds(env, "wq_gemm: output [M, N]", y, yo, {g.M, g.N}, {g.N, 1});
  g.x = x.data + xo * dtype_size(g.x_dtype);
  g.y = y.data + yo * dtype_size(g.y_dtype);
  if (info.Length() > 16 && !info[16].IsNull() && !info[16].IsUndefined()) {
    g.bias_dtype = to_dtype(env, info[17]);
    Buf bias = to_buf(env, info[16], g.bias_dtype, "bias");
    const int64_t off = to_i64(env, info[18], "offset");
    check_bounds(env, "bias", bias, off, {g.N}, {1});
    g.bias = bias.data + off * dtype_size(g.bias_dtype);
  }
  if (g.M * g.N == 0) return env.Undefined();
  active->wq_gemm(g);
  throw_kernel_error(env);
  return env.Undefined();
}

// A typed array of one element type, read from its start, holding at least `need` elements.
Buf sized(Napi::Env env, const std::string& fn, const char* what, const Napi::Value& v, napi_typedarray_type type,
          const char* type_name, int dtype, int64_t need) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    fail_type(env, fn + ": " + what + " must be a" + (type_name[0] == 'I' ? "n " : " ") + type_name);
  Buf b = to_buf(env, v, dtype, what);
  if (b.length < need)
    fail(env, fn + ": " + what + " holds " + std::to_string(b.length) + " values; " + std::to_string(need) + " are needed");
  return b;
}

// A Float32Array of at least `need` values, read or written from its start.
float* f32_array(Napi::Env env, const std::string& fn, const char* what, const Napi::Value& v, int64_t need) {
  return reinterpret_cast<float*>(sized(env, fn, what, v, napi_float32_array, "Float32Array", kFloat32, need).data);
}

// What a quantizer that refuses NaN/Inf returns: the first refused index, or -1.
Napi::Value refused_index(Napi::Env env, int64_t bad) {
  throw_kernel_error(env);
  return Napi::Number::New(env, static_cast<double>(bad));
}

// Quantized codes: a Uint8Array or Int8Array of at least `need` bytes, written from its start.
uint8_t* code_bytes(Napi::Env env, const std::string& fn, const Napi::Value& v, int64_t need) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().ElementSize() != 1)
    fail_type(env, fn + ": the codes must be a Uint8Array or Int8Array");
  Buf b = to_buf(env, v, kUInt8, "codes");
  if (b.length < need) fail(env, fn + ": the codes hold " + std::to_string(b.length) + " bytes; " + std::to_string(need) + " are needed");
  return reinterpret_cast<uint8_t*>(b.data);
}

// A quantizer's input x [n]: float32, bfloat16 or float16, contiguous from its offset.
const void* float_operand(Napi::Env env, const std::string& fn, const Napi::Value& data, int dtype, const Napi::Value& off,
                          int64_t n) {
  if (dtype != kFloat32 && dtype != kBFloat16 && dtype != kFloat16)
    fail_type(env, fn + ": the input must be float32, bfloat16 or float16, not " + dtype_name(dtype));
  Buf x = to_buf(env, data, dtype, "input");
  const int64_t o = to_i64(env, off, "offset");
  check_bounds(env, (fn + ": input").c_str(), x, o, {n}, {1});
  return x.data + o * dtype_size(dtype);
}

int64_t positive(Napi::Env env, const std::string& fn, const Napi::Value& v, const char* what) {
  const int64_t x = to_i64(env, v, what);
  if (x < 1) fail(env, fn + ": " + what + " must be at least 1, got " + std::to_string(x));
  return x;
}

// A quantizer's two sizes, info[0] and info[1] ([rows, columns]), checked.
std::pair<int64_t, int64_t> sizes(Napi::Env env, const std::string& fn, const Napi::CallbackInfo& info, const char* rows,
                                  const char* cols) {
  const int64_t r = to_i64(env, info[0], rows), c = to_i64(env, info[1], cols);
  check_shape(env, fn.c_str(), {r, c});
  return {r, c};
}

// quantizeBlockwise(n, blocksize, kind, x, xDtype, xOff, code|null, q, absmax) -> the index of the
// first NaN/Inf, or -1 (kernels/quantize_blockwise.cc; kind: BlockwiseKind).
Napi::Value QuantizeBlockwise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "quantize_blockwise";
  BlockwiseArgs a;
  a.n = to_i64(env, info[0], "n");
  check_shape(env, fn.c_str(), {a.n});
  a.blocksize = positive(env, fn, info[1], "blocksize");
  const int64_t kind = to_i64(env, info[2], "kind");
  if (kind < 0 || kind > static_cast<int64_t>(BlockwiseKind::dynamic)) fail(env, fn + ": unknown kind " + std::to_string(kind));
  a.kind = static_cast<int>(kind);
  const bool bytes = a.kind == static_cast<int>(BlockwiseKind::dynamic);
  // packed nibbles: every block must start on a byte
  if (!bytes && a.blocksize % 2) fail(env, fn + ": 4-bit blocks must have an even size, got " + std::to_string(a.blocksize));
  a.x_dtype = to_dtype(env, info[4]);
  a.x = float_operand(env, fn, info[3], a.x_dtype, info[5], a.n);
  if (bytes) a.code = f32_array(env, fn, "code", info[6], 256);
  a.q = code_bytes(env, fn, info[7], bytes ? a.n : (a.n + 1) / 2);
  a.absmax = f32_array(env, fn, "absmax", info[8], (a.n + a.blocksize - 1) / a.blocksize);
  const int64_t bad = a.n ? active->quantize_blockwise(a) : -1;
  return refused_index(env, bad);
}

// dequantizeBlockwise(n, blocksize, bits, q, code, absmax, out, outDtype): out [n] = code[q_i] *
// absmax[i / blocksize], rounded once to outDtype (float32, bfloat16 or float16).
Napi::Value DequantizeBlockwise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "dequantize_blockwise";
  DequantBlockwiseArgs a;
  a.n = to_i64(env, info[0], "n");
  check_shape(env, fn.c_str(), {a.n});
  a.blocksize = positive(env, fn, info[1], "blocksize");
  a.bits = static_cast<int>(to_i64(env, info[2], "bits"));
  if (a.bits != 4 && a.bits != 8) fail(env, fn + ": bits must be 4 or 8, got " + std::to_string(a.bits));
  if (a.bits == 4 && a.blocksize % 2) fail(env, fn + ": 4-bit blocks must have an even size, got " + std::to_string(a.blocksize));
  a.q = code_bytes(env, fn, info[3], a.bits == 8 ? a.n : (a.n + 1) / 2);
  a.code = f32_array(env, fn, "code", info[4], a.bits == 8 ? 256 : 16);
  a.absmax = f32_array(env, fn, "absmax", info[5], (a.n + a.blocksize - 1) / a.blocksize);
  a.out_dtype = to_dtype(env, info[7]);
  if (a.out_dtype != kFloat32 && a.out_dtype != kBFloat16 && a.out_dtype != kFloat16)
    fail_type(env, fn + ": the output must be float32, bfloat16 or float16, not " + dtype_name(a.out_dtype));
  Buf out = to_buf(env, info[6], a.out_dtype, "output");
  check_bounds(env, (fn + ": output").c_str(), out, 0, {a.n}, {1});
  a.out = out.data;
  if (a.n) active->dequantize_blockwise(a);
  throw_kernel_error(env);
  return env.Undefined();
}

// int8VectorwiseQuant(rows, k, a, aOff, threshold, CA, SCA, outlierCols) -> the index of the first
// NaN/Inf that is not an outlier, or -1: a float16 (Uint16Array) [rows, k] from aOff; CA Int8Array
// [rows, k], SCA Float32Array [rows], outlierCols Uint8Array [k] (kernels/quantize_int8.cc).
Napi::Value Int8VectorwiseQuant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "int8_vectorwise_quant";
  Int8QuantArgs a;
  std::tie(a.rows, a.k) = sizes(env, fn, info, "rows", "k");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array)
    fail_type(env, fn + ": A must be float16 bits in a Uint16Array");
  a.a = reinterpret_cast<const Half*>(float_operand(env, fn, info[2], kFloat16, info[3], a.rows * a.k));
  const double t = to_f64(env, info[4], "threshold");
  if (!(t >= 0)) fail(env, fn + ": threshold must be >= 0, got " + info[4].ToString().Utf8Value());
  a.threshold = static_cast<float>(t);
  a.ca = reinterpret_cast<int8_t*>(sized(env, fn, "CA", info[5], napi_int8_array, "Int8Array", kInt8, a.rows * a.k).data);
  a.sca = f32_array(env, fn, "SCA", info[6], a.rows);
  a.outlier_cols = reinterpret_cast<uint8_t*>(sized(env, fn, "outlier_cols", info[7], napi_uint8_array, "Uint8Array", kUInt8, a.k).data);
  const int64_t bad = a.rows * a.k > 0 ? active->int8_vectorwise_quant(a) : -1;
  return refused_index(env, bad);
}

int quant_bits(Napi::Env env, const std::string& fn, const Napi::Value& v) {
  const int64_t bits = to_i64(env, v, "bits");
  if (bits != 8 && bits != 4 && bits != 2) fail(env, fn + ": bits must be 8, 4 or 2, got " + std::to_string(bits));
  return static_cast<int>(bits);
}

// quantizeRtn(N, K, bits, group, x, xDtype, xOff, q, scale, zero|null) -> the index of the first
// NaN/Inf, or -1 (kernels/quantize_affine.cc; bits 8: q [N, K], scale [N]; 4/2: q rows of
// ceil(K * bits / 8) bytes, scale and zero [N, ceil(K / group)]).
Napi::Value QuantizeRtn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "quantize_rtn";
  RtnArgs a;
  std::tie(a.N, a.K) = sizes(env, fn, info, "N", "K");
  a.bits = quant_bits(env, fn, info[2]);
  a.group = a.bits == 8 ? 1 : positive(env, fn, info[3], "group");
  a.x_dtype = to_dtype(env, info[5]);
  a.x = float_operand(env, fn, info[4], a.x_dtype, info[6], a.N * a.K);
  const int per = 8 / a.bits;
  const int64_t stats = a.bits == 8 ? a.N : a.N * ((a.K + a.group - 1) / a.group);
  a.q = code_bytes(env, fn, info[7], a.N * ((a.K + per - 1) / per));
  a.scale = f32_array(env, fn, "scale", info[8], stats);
  if (a.bits != 8)
    a.zero = f32_array(env, fn, "zero", info[9], stats);
  const int64_t bad = a.N * a.K > 0 ? active->quantize_rtn(a) : -1;
  return refused_index(env, bad);
}

// quantoQuantize(R, C, bits, x, xDtype, xOff, scale, shift|null, shiftDtype, q): optimum-quanto's
// quantize_weight of x [R, C] (kernels/quantize_affine.cc); scale [R] in x's dtype, shift [R] in x's
// dtype or uint8 for 4/2 bits (none for 8); q int8 [R, C] or packed uint8 [ceil(R * bits / 8), C].
Napi::Value QuantoQuantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "quanto_quantize";
  QuantoArgs a;
  std::tie(a.R, a.C) = sizes(env, fn, info, "R", "C");
  a.bits = quant_bits(env, fn, info[2]);
  a.x_dtype = to_dtype(env, info[4]);
  a.x = float_operand(env, fn, info[3], a.x_dtype, info[5], a.R * a.C);
  Buf scale = to_buf(env, info[6], a.x_dtype, "scale");
  if (scale.length < a.R) fail(env, fn + ": scale holds " + std::to_string(scale.length) + " values; " + std::to_string(a.R) + " are needed");
  a.scale = scale.data;
  if (a.bits == 8) {
    if (!info[7].IsNull() && !info[7].IsUndefined()) fail_type(env, fn + ": int8 codes are symmetric; shift must be null");
  } else {
    a.shift_dtype = to_dtype(env, info[8]);
    if (a.shift_dtype != a.x_dtype && a.shift_dtype != kUInt8)
      fail_type(env, fn + ": shift must have the input's dtype or be uint8, not " + dtype_name(a.shift_dtype));
    Buf shift = to_buf(env, info[7], a.shift_dtype, "shift");
    if (shift.length < a.R) fail(env, fn + ": shift holds " + std::to_string(shift.length) + " values; " + std::to_string(a.R) + " are needed");
    a.shift = shift.data;
  }
  const int64_t vpi = 8 / a.bits;
  a.q = code_bytes(env, fn, info[9], (a.R + vpi - 1) / vpi * a.C);
  if (a.R * a.C > 0) active->quanto_quantize(a);
  throw_kernel_error(env);
  return env.Undefined();
}

// hqqProximal(R, C, axis, W, scale, zero, maxV, lpNorm, beta, kappa, iters, codes, errors) -> the
// rounds run (kernels/quantize_hqq.cc): W Float32Array [R, C] (finite), scale and zero Float32Arrays
// of one value per group (R for axis 1, C for axis 0; zero updated), codes Uint8Array [R, C],
// errors Float64Array [iters].
Napi::Value HqqProximal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "hqq_proximal";
  HqqArgs a;
  std::tie(a.R, a.C) = sizes(env, fn, info, "R", "C");
  const int64_t axis = to_i64(env, info[2], "axis");
  if (axis != 0 && axis != 1) fail(env, fn + ": axis must be 0 or 1, got " + std::to_string(axis));
  a.axis = static_cast<int>(axis);
  const int64_t groups = a.axis == 1 ? a.R : a.C;
  a.W = f32_array(env, fn, "W", info[3], a.R * a.C);
  a.scale = f32_array(env, fn, "scale", info[4], groups);
  a.zero = f32_array(env, fn, "zero", info[5], groups);
  a.max_v = static_cast<float>(to_f64(env, info[6], "max_v"));
  a.lp_norm = to_f64(env, info[7], "lp_norm");
  a.beta = to_f64(env, info[8], "beta");
  a.kappa = to_f64(env, info[9], "kappa");
  a.iters = to_i64(env, info[10], "iters");
  if (a.iters < 0) fail(env, fn + ": iters must be >= 0, got " + std::to_string(a.iters));
  if (!(a.max_v >= 0 && a.max_v <= 255)) fail(env, fn + ": max_v must be in [0, 255] (uint8 codes), got " + info[6].ToString().Utf8Value());
  a.codes = reinterpret_cast<uint8_t*>(sized(env, fn, "codes", info[11], napi_uint8_array, "Uint8Array", kUInt8, a.R * a.C).data);
  a.errors = reinterpret_cast<double*>(sized(env, fn, "errors", info[12], napi_float64_array, "Float64Array", kFloat64, a.iters).data);
  const int64_t rounds = a.R * a.C > 0 ? active->hqq_proximal(a) : 0;
  throw_kernel_error(env);
  return Napi::Number::New(env, static_cast<double>(rounds));
}

RowArgs row_args(Napi::Env env, const Napi::CallbackInfo& info) {
  // (x, xOff, y, yOff, dtype, rows, n, ...)
  RowArgs a;
  a.dtype = to_dtype(env, info[4]);
  if (!is_float(a.dtype)) fail(env, "expected a floating point dtype");
  a.rows = to_i64(env, info[5], "rows");
  a.n = to_i64(env, info[6], "n");
  check_shape(env, "rows", {a.rows, a.n});
  Buf x = to_buf(env, info[0], a.dtype, "input"), y = to_buf(env, info[2], a.dtype, "output");
  const int64_t xo = to_i64(env, info[1], "offset"), yo = to_i64(env, info[3], "offset");
  check_bounds(env, "input", x, xo, {a.rows, a.n}, {a.n, 1});
  check_bounds(env, "output", y, yo, {a.rows, a.n}, {a.n, 1});
  a.x = x.data + xo * dtype_size(a.dtype);
  a.y = y.data + yo * dtype_size(a.dtype);
  return a;
}

// softmax(x, xOff, y, yOff, dtype, rows, n, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RowArgs a = row_args(env, info);
  a.log = info[7].ToBoolean().Value();
  if (a.rows * a.n > 0) active->softmax(a);
  throw_kernel_error(env);
  return env.Undefined();
}

// layerNorm(x, xOff, y, yOff, dtype, rows, n, weight|null, wOff, bias|null, bOff, paramDtype, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RowArgs a = row_args(env, info);
  a.param_dtype = to_dtype(env, info[11]);
  a.eps = to_f64(env, info[12], "eps");
  for (int which = 0; which < 2; which++) {
    const Napi::Value v = info[7 + 2 * which];
    if (v.IsNull() || v.IsUndefined()) continue;
    Buf p = to_buf(env, v, a.param_dtype, which ? "bias" : "weight");
    const int64_t off = to_i64(env, info[8 + 2 * which], "offset");
    check_bounds(env, which ? "bias" : "weight", p, off, {a.n}, {1});
    (which ? a.bias : a.weight) = p.data + off * dtype_size(a.param_dtype);
  }
  if (a.rows * a.n > 0) active->layer_norm(a);
  throw_kernel_error(env);
  return env.Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", active->name);
  o.Set("best_isa", best_kernels()->name);
  o.Set("threads", num_threads());
  o.Set("max_threads", max_threads());
  o.Set("avx2", f.avx2_fma_f16c);
  o.Set("avx512", f.avx512);
  o.Set("avx512_bf16", f.avx512_bf16);
  o.Set("avx512_vnni", f.avx512_vnni);
  return o;
}

Napi::Value OpNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto list = [&](const auto& names) {
    Napi::Array a = Napi::Array::New(env, std::size(names));
    uint32_t i = 0;
    for (const char* n : names) a.Set(i++, n);
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("binary", list(kBinaryNames));
  o.Set("unary", list(kUnaryNames));
  o.Set("reduce", list(kReduceNames));
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  set_num_threads(static_cast<int>(to_i64(info.Env(), info[0], "threads")));
  return info.Env().Undefined();
}

// setIsa("scalar" | "avx2" | "avx512" | "best"): the tests run every instruction set this CPU has.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info[0].ToString().Utf8Value();
  const Kernels* k = name == "best" ? best_kernels()
                     : name == "scalar" ? &scalar::kernels
                     : name == "avx2" ? &avx2::kernels
                     : name == "avx512" ? &avx512::kernels
                     : nullptr;
  if (!k) fail(env, "unknown instruction set '" + name + "' (scalar, avx2, avx512 or best)");
  if (!supported(k)) fail(env, "this CPU does not support " + name);
  active = k;
  return Napi::String::New(env, k->name);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  active = best_kernels();
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("interrupt", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    request_interrupt();
    return i.Env().Undefined();
  }));
  exports.Set("clearInterrupt", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    clear_interrupt();
    return i.Env().Undefined();
  }));
  exports.Set("opNames", Napi::Function::New(env, OpNames));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("cast", Napi::Function::New(env, Cast_));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("where", Napi::Function::New(env, Where));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("int8Gemm", Napi::Function::New(env, Int8Gemm));
  exports.Set("wqGemm", Napi::Function::New(env, WqGemm));
  exports.Set("quantizeBlockwise", Napi::Function::New(env, QuantizeBlockwise));
  exports.Set("dequantizeBlockwise", Napi::Function::New(env, DequantizeBlockwise));
  exports.Set("int8VectorwiseQuant", Napi::Function::New(env, Int8VectorwiseQuant));
  exports.Set("quantizeRtn", Napi::Function::New(env, QuantizeRtn));
  exports.Set("quantoQuantize", Napi::Function::New(env, QuantoQuantize));
  exports.Set("hqqProximal", Napi::Function::New(env, HqqProximal));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm));
  return exports;
}

void set_kernel_error(const char* message) {
  std::lock_guard<std::mutex> lock(error_mu);
  if (kernel_error.empty()) kernel_error = message;
}

const char* take_kernel_error() {
  static thread_local std::string last;
  std::lock_guard<std::mutex> lock(error_mu);
  if (kernel_error.empty()) return nullptr;
  last.swap(kernel_error);
  kernel_error.clear();
  return last.c_str();
}

}  // namespace lowbit

static Napi::Object InitLowbit(Napi::Env env, Napi::Object exports) { return lowbit::Init(env, exports); }
NODE_API_MODULE(lowbit, InitLowbit)
