// N-API entry points of the `native` backend (src/tensor/backends/native). Each kernel takes its
// operands and a preallocated output as typed arrays of one dtype (Float32Array or
// Float64Array) plus integer geometry, checks every length against the geometry (a mismatch
// throws a RangeError naming the operand; nothing is written), and fills the output in place.
#include <malloc.h>
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "interval.h"
#include "pool.h"
#include "relax-step.h"

namespace relaxjs {
namespace {

struct Fail {
  std::string message;
};

struct Array {
  void* data = nullptr;
  int64_t length = 0;
  napi_typedarray_type type = napi_float32_array;
  bool isNull = false;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info) : env_(env) {
    size_t argc = 24;
    napi_value argv[24];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    values_.assign(argv, argv + argc);
  }
  Array array(size_t i, const char* name, bool nullable = false) const {
    Array out;
    napi_valuetype kind;
    if (i >= values_.size() || napi_typeof(env_, values_[i], &kind) != napi_ok) throw Fail{std::string(name) + " is missing"};
    if (nullable && kind == napi_null) {
      out.isNull = true;
      return out;
    }
    bool isTyped = false;
    napi_is_typedarray(env_, values_[i], &isTyped);
    if (!isTyped) throw Fail{std::string(name) + " must be a Float32Array or Float64Array"};
    size_t length;
    napi_value buffer;
    size_t offset;
    napi_get_typedarray_info(env_, values_[i], &out.type, &length, &out.data, &buffer, &offset);
    if (out.type != napi_float32_array && out.type != napi_float64_array)
      throw Fail{std::string(name) + " must be a Float32Array or Float64Array"};
    out.length = int64_t(length);
    return out;
  }
  int64_t integer(size_t i, const char* name) const {
    int64_t v;
    if (i >= values_.size() || napi_get_value_int64(env_, values_[i], &v) != napi_ok || v < 0)
      throw Fail{std::string(name) + " must be a non-negative integer"};
    return v;
  }
  double number(size_t i, const char* name) const {
    double v;
    if (i >= values_.size() || napi_get_value_double(env_, values_[i], &v) != napi_ok) throw Fail{std::string(name) + " must be a number"};
    return v;
  }

 private:
  napi_env env_;
  std::vector<napi_value> values_;
};

void need(const Array& a, int64_t length, const char* name, bool exact = false) {
  if (exact ? a.length != length : a.length < length)
    throw Fail{std::string(name) + " has " + std::to_string(a.length) + " elements, expected " + (exact ? "" : "at least ") +
               std::to_string(length)};
}

void sameType(const Array& a, const Array& b, const char* name) {
  if (!b.isNull && a.type != b.type) throw Fail{std::string(name) + " must have the dtype of the first operand"};
}

// Runs body<float> or body<double> by the dtype of `a`; turns Fail into a JS RangeError.
template <typename Body>
napi_value guarded(napi_env env, Body&& body) {
  try {
    body();
  } catch (const Fail& f) {
    napi_throw_range_error(env, nullptr, f.message.c_str());
  }
  return nullptr;
}

#define DISPATCH(arr, CALL)                    \
  if ((arr).type == napi_float32_array) {      \
    using T = float;                           \
    CALL;                                      \
  } else {                                     \
    using T = double;                          \
    CALL;                                      \
  }
#define OUT(arr) static_cast<T*>((arr).data)
#define IN(arr) static_cast<const T*>((arr).data)

// matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride, parallelMinWork)
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const Array a = args.array(0, "a"), b = args.array(1, "b"), out = args.array(2, "out");
    const int64_t batch = args.integer(3, "batch"), m = args.integer(4, "m"), n = args.integer(5, "n"), k = args.integer(6, "k");
    const bool ta = args.integer(7, "transA") != 0, tb = args.integer(8, "transB") != 0;
    const int64_t as = args.integer(9, "aBatchStride"), bs = args.integer(10, "bBatchStride"), pmw = args.integer(11, "parallelMinWork");
    sameType(a, b, "b");
    sameType(a, out, "out");
    if (batch == 0) return;
    need(a, (batch - 1) * as + m * k, "a");
    need(b, (batch - 1) * bs + k * n, "b");
    need(out, batch * m * n, "out", true);
    DISPATCH(a, batchedGemm<T>(IN(a), IN(b), OUT(out), batch, m, n, k, ta, tb, as, bs, pmw));
  });
}

ConvGeom geometry(const Args& args, size_t from) {
  static const char* names[] = {"batch", "inChannels", "outChannels", "inHeight", "inWidth", "kernelHeight", "kernelWidth",
                                "strideH", "strideW", "padH", "padW", "outHeight", "outWidth"};
  int64_t v[13];
  for (int i = 0; i < 13; i++) v[i] = args.integer(from + i, names[i]);
  for (int i : {1, 2, 3, 4, 5, 6, 7, 8, 11, 12})
    if (v[i] == 0) throw Fail{std::string(names[i]) + " must be positive"};
  return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
}

// conv(kind, x, w, out, parallelMinWork, ...13 geometry integers); kind 0 conv2d, 1 transpose, 2 weight gradient.
napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t kind = args.integer(0, "kind");
    const Array x = args.array(1, "x"), w = args.array(2, "w"), out = args.array(3, "out");
    const int64_t pmw = args.integer(4, "parallelMinWork");
    const ConvGeom s = geometry(args, 5);
    sameType(x, w, "w");
    sameType(x, out, "out");
    const int64_t image = s.N * s.C * s.H * s.W, weight = s.O * s.K(), response = s.N * s.O * s.P();
    if (kind == 0) {
      need(x, image, "x", true), need(w, weight, "weight", true), need(out, response, "out", true);
      DISPATCH(x, conv2d<T>(IN(x), IN(w), OUT(out), s, pmw));
    } else if (kind == 1) {
      need(x, response, "y", true), need(w, weight, "weight", true), need(out, image, "out", true);
      DISPATCH(x, conv2dTranspose<T>(IN(x), IN(w), OUT(out), s, pmw));
    } else {
      need(x, image, "x", true), need(w, response, "dy", true), need(out, weight, "out", true);
      DISPATCH(x, conv2dWeightGrad<T>(IN(x), IN(w), OUT(out), s, pmw));
    }
  });
}

// unary(code, x, out)
napi_value UnaryOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t code = args.integer(0, "code");
    const Array x = args.array(1, "x"), out = args.array(2, "out");
    if (code > int64_t(Unary::Log)) throw Fail{"unknown unary code"};
    sameType(x, out, "out");
    need(out, x.length, "out", true);
    DISPATCH(x, unary<T>(Unary(code), IN(x), OUT(out), x.length));
  });
}

// clamp(x, out, lo, hi)
napi_value Clamp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const Array x = args.array(0, "x"), out = args.array(1, "out");
    const double lo = args.number(2, "lo"), hi = args.number(3, "hi");
    sameType(x, out, "out");
    need(out, x.length, "out", true);
    DISPATCH(x, clamp<T>(IN(x), OUT(out), x.length, T(lo), T(hi)));
  });
}

// binary(code, a, b, out, d0, d1, d2, mode, as0, as1, bs0, bs1)
napi_value BinaryOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t code = args.integer(0, "code");
    const Array a = args.array(1, "a"), b = args.array(2, "b"), out = args.array(3, "out");
    const int64_t d[3] = {args.integer(4, "d0"), args.integer(5, "d1"), args.integer(6, "d2")};
    const int64_t mode = args.integer(7, "mode");
    const int64_t as[2] = {args.integer(8, "as0"), args.integer(9, "as1")}, bs[2] = {args.integer(10, "bs0"), args.integer(11, "bs1")};
    if (code > int64_t(Binary::Eq) || mode > int64_t(Mode::ScalarA)) throw Fail{"unknown binary code or mode"};
    sameType(a, b, "b");
    sameType(a, out, "out");
    need(out, d[0] * d[1] * d[2], "out", true);
    if (d[0] * d[1] * d[2] == 0) return;
    const int64_t aRow = mode == int64_t(Mode::ScalarA) ? 1 : d[2], bRow = mode == int64_t(Mode::ScalarB) ? 1 : d[2];
    need(a, (d[0] - 1) * as[0] + (d[1] - 1) * as[1] + aRow, "a");
    need(b, (d[0] - 1) * bs[0] + (d[1] - 1) * bs[1] + bRow, "b");
    DISPATCH(a, binary<T>(Binary(code), IN(a), IN(b), OUT(out), d, Mode(mode), as, bs));
  });
}

// sum(kind, x, out, outer, size, inner): kind 0 over the middle, 1 over both ends.
napi_value Sum(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t kind = args.integer(0, "kind");
    const Array x = args.array(1, "x"), out = args.array(2, "out");
    const int64_t outer = args.integer(3, "outer"), size = args.integer(4, "size"), inner = args.integer(5, "inner");
    sameType(x, out, "out");
    need(x, outer * size * inner, "x", true);
    need(out, kind == 0 ? outer * inner : size, "out", true);
    if (kind == 0) DISPATCH(x, sumAxis<T>(IN(x), OUT(out), outer, size, inner))
    else DISPATCH(x, sumOuterInner<T>(IN(x), OUT(out), outer, size, inner))
  });
}

// productSum(a, b, out, outer, size, inner)
napi_value ProductSum(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const Array a = args.array(0, "a"), b = args.array(1, "b"), out = args.array(2, "out");
    const int64_t outer = args.integer(3, "outer"), size = args.integer(4, "size"), inner = args.integer(5, "inner");
    sameType(a, b, "b");
    sameType(a, out, "out");
    need(a, outer * size * inner, "a", true), need(b, outer * size * inner, "b", true), need(out, outer * inner, "out", true);
    DISPATCH(a, productSumAxis<T>(IN(a), IN(b), OUT(out), outer, size, inner));
  });
}

// rowDot(map, x, w | null, out, B, P, Q, F, xShared, wShared)
napi_value RowDotOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t map = args.integer(0, "map");
    const Array x = args.array(1, "x"), w = args.array(2, "w", true), out = args.array(3, "out");
    const int64_t B = args.integer(4, "batch"), Pg = args.integer(5, "groups"), Q = args.integer(6, "rows"), F = args.integer(7, "length");
    const bool xs = args.integer(8, "xShared") != 0, ws = args.integer(9, "wShared") != 0;
    if (map > int64_t(RowMap::Square)) throw Fail{"unknown row map"};
    sameType(x, w, "w");
    sameType(x, out, "out");
    need(x, (xs ? 1 : B) * Pg * Q * F, "x", true);
    if (!w.isNull) need(w, (ws ? 1 : B) * Pg * F, "w", true);
    need(out, B * Pg * Q, "out", true);
    DISPATCH(x, rowDot<T>(RowMap(map), IN(x), w.isNull ? nullptr : IN(w), OUT(out), B, Pg, Q, F, xs, ws));
  });
}

// interval(code, a, b, c | null, d | null, out1, out2, inner, channels): see interval.h.
napi_value IntervalOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t code = args.integer(0, "code");
    const Array a = args.array(1, "a"), b = args.array(2, "b"), c = args.array(3, "c", true), d = args.array(4, "d", true);
    const Array o1 = args.array(5, "out1"), o2 = args.array(6, "out2");
    const int64_t inner = args.integer(7, "inner"), channels = args.integer(8, "channels");
    if (code > int64_t(IntervalKernel::SignFold)) throw Fail{"unknown interval kernel"};
    const auto kind = IntervalKernel(code);
    const int64_t n = a.length;
    for (const Array* x : {&b, &c, &d, &o1, &o2}) sameType(a, *x, "every operand");
    need(b, n, "b", true), need(o1, n, "out1", true), need(o2, n, "out2", true);
    if (kind == IntervalKernel::SignFold) {
      if (c.isNull) throw Fail{"c (the weight) is required"};
      need(c, n, "c", true);
    }
    if (kind == IntervalKernel::CentreGrad) {
      if (c.isNull || d.isNull) throw Fail{"c and d (l and u) are required"};
      need(c, n, "c", true), need(d, n, "d", true);
    }
    if (kind == IntervalKernel::Shift && !c.isNull) {
      if (inner < 1 || channels < 1 || n % (inner * channels) != 0) throw Fail{"inner and channels must divide the length"};
      need(c, channels, "bias", true);
    }
    DISPATCH(a, interval<T>(kind, IN(a), IN(b), c.isNull ? nullptr : IN(c), d.isNull ? nullptr : IN(d), OUT(o1), OUT(o2), n,
                            std::max<int64_t>(inner, 1), std::max<int64_t>(channels, 1)));
  });
}

// adam(x, g, m, v, b1, b2, stepSize, sqrtCorrection2, eps): x, m, v updated in place.
napi_value AdamOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const Array x = args.array(0, "x"), g = args.array(1, "g"), m = args.array(2, "m"), v = args.array(3, "v");
    const double b1 = args.number(4, "b1"), b2 = args.number(5, "b2"), step = args.number(6, "stepSize");
    const double corr = args.number(7, "sqrtCorrection2"), eps = args.number(8, "eps");
    for (const Array* y : {&g, &m, &v}) sameType(x, *y, "every operand"), need(*y, x.length, "g, m and v", true);
    if (x.data == g.data || x.data == m.data || x.data == v.data || g.data == m.data || g.data == v.data || m.data == v.data)
      throw Fail{"x, g, m and v must be distinct arrays"};
    DISPATCH(x, adam<T>(OUT(x), IN(g), OUT(m), OUT(v), x.length, b1, b2, step, corr, eps));
  });
}

// relaxStep(kind, lam, al, au, bl | null, bu | null, gRows | null, gConst | null, o0, o1, o2 | null, o3 | null, o4 | null,
//           B, B0, R, n, layout): see relax-step.h. kind 0: o0 = rows, o1 = constant; kind 1: o0..o4 = the gradients of
// λ, a_l, a_u, b_l, b_u (each nullable). layout: bit 2i set when line i's batch is B, bit 2i + 1 when its rows are R.
template <typename T>
void runRelaxStep(int64_t kind, const Array& lam, const Array* lines, const Array& gRows, const Array& gConst, const Array* outs, const StepGeom& g) {
  const auto in = [](const Array& a) { return a.isNull ? nullptr : static_cast<const T*>(a.data); };
  const auto out = [](const Array& a) { return a.isNull ? nullptr : static_cast<T*>(a.data); };
  const T* L[4] = {in(lines[0]), in(lines[1]), in(lines[2]), in(lines[3])};
  if (kind == 0) return relaxStepForward<T>(in(lam), L, out(outs[0]), out(outs[1]), g);
  T* const G[4] = {out(outs[1]), out(outs[2]), out(outs[3]), out(outs[4])};
  relaxStepBackward<T>(in(lam), L, in(gRows), in(gConst), out(outs[0]), G, g);
}

napi_value RelaxStepOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const int64_t kind = args.integer(0, "kind");
    const Array lam = args.array(1, "lambda");
    const Array lines[4] = {args.array(2, "lowerSlope"), args.array(3, "upperSlope"), args.array(4, "lowerBias", true), args.array(5, "upperBias", true)};
    const Array gRows = args.array(6, "gRows", true), gConst = args.array(7, "gConst", true);
    Array outs[5];
    for (int i = 0; i < 5; i++) outs[i] = args.array(8 + i, "out", kind == 1 || i >= 2);
    StepGeom g{args.integer(13, "B"), args.integer(14, "B0"), args.integer(15, "R"), args.integer(16, "n"), {}, {}};
    const int64_t layout = args.integer(17, "layout");
    if (kind > 1) throw Fail{"unknown relaxStep kind"};
    if (g.B0 != 1 && g.B0 != g.B) throw Fail{"B0 must be 1 or B"};
    for (int i = 0; i < 4; i++) g.batch[i] = (layout >> (2 * i)) & 1 ? g.B : 1, g.rows[i] = (layout >> (2 * i + 1)) & 1 ? g.R : 1;
    need(lam, g.B0 * g.R * g.n, "lambda", true);
    for (int i = 0; i < 4; i++) {
      sameType(lam, lines[i], "every line");
      if (!lines[i].isNull) need(lines[i], g.batch[i] * g.rows[i] * g.n, "a line", true);
    }
    sameType(lam, gRows, "gRows"), sameType(lam, gConst, "gConst");
    for (const Array& a : outs) sameType(lam, a, "every output");
    if (!gRows.isNull) need(gRows, g.B * g.R * g.n, "gRows", true);
    if (!gConst.isNull) need(gConst, g.B * g.R, "gConst", true);
    for (int i = 0; i < (kind == 0 ? 2 : 5); i++) {
      const int64_t length = kind == 0 ? (i == 0 ? g.B * g.R * g.n : g.B * g.R) : i == 0 ? g.B0 * g.R * g.n : g.batch[i - 1] * g.rows[i - 1] * g.n;
      if (!outs[i].isNull) need(outs[i], length, "out", true);
    }
    DISPATCH(lam, runRelaxStep<T>(kind, lam, lines, gRows, gConst, outs, g));
  });
}

// intervalRows(backward, A, m, r, g | null, o1, o2 | null, o3 | null, B, K, F): see interval.h.
napi_value IntervalRowsOp(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info);
    const bool backward = args.integer(0, "backward") != 0;
    const Array A = args.array(1, "A"), m = args.array(2, "m"), r = args.array(3, "r"), g = args.array(4, "g", true);
    const Array o1 = args.array(5, "out1"), o2 = args.array(6, "out2", true), o3 = args.array(7, "out3", true);
    const int64_t B = args.integer(8, "batch"), K = args.integer(9, "rows"), F = args.integer(10, "length");
    for (const Array* x : {&m, &r, &g, &o1, &o2, &o3}) sameType(A, *x, "every operand");
    need(A, B * K * F, "A", true), need(m, B * F, "m", true), need(r, B * F, "r", true);
    if (backward) {
      if (g.isNull || o2.isNull || o3.isNull) throw Fail{"g, out2 and out3 are required by the backward"};
      need(g, B * K, "g", true), need(o1, B * K * F, "out1", true), need(o2, B * F, "out2", true), need(o3, B * F, "out3", true);
    } else {
      need(o1, B * K, "out1", true);
    }
    DISPATCH(A, intervalRows<T>(backward, IN(A), IN(m), IN(r), g.isNull ? nullptr : IN(g), OUT(o1), o2.isNull ? nullptr : OUT(o2),
                                o3.isNull ? nullptr : OUT(o3), B, K, F));
  });
}

// setThreads(n): the pool's total thread count (the caller included); returns it.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  int64_t n = 1;
  guarded(env, [&] {
    Args args(env, info);
    n = args.integer(0, "threads");
    if (n < 1 || n > 64) throw Fail{"threads must be from 1 to 64"};
    Pool::instance().resize(int(n));
  });
  napi_value result;
  napi_create_int64(env, Pool::instance().threads(), &result);
  return result;
}

// keepFreedMemory(): glibc keeps freed blocks of up to 32 MB for reuse instead of returning them
// to the OS (mmap threshold 32 MB, trim threshold 1 GB). Every kernel output is a fresh array;
// with the defaults each large one was new pages, and their page faults cost more than the
// convolution itself (a 12.5 MB conv2d output: 53 ms against 3.5 ms of compute, on this VM).
// Process-wide, so the backend calls it only when it is created (opt-in). Returns whether glibc took it.
napi_value KeepFreedMemory(napi_env env, napi_callback_info) {
#if defined(__GLIBC__)
  const bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
#else
  const bool ok = false;
#endif
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

// The instruction set the micro-kernel was compiled for.
napi_value Isa(napi_env env, napi_callback_info) {
#if defined(__AVX512F__)
  const char* isa = "avx512";
#elif defined(__AVX2__)
  const char* isa = "avx2";
#elif defined(__AVX__)
  const char* isa = "avx";
#else
  const char* isa = "generic";
#endif
  napi_value result;
  napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, UnaryOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"clamp", nullptr, Clamp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, BinaryOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"productSum", nullptr, ProductSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rowDot", nullptr, RowDotOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"interval", nullptr, IntervalOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, AdamOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"intervalRows", nullptr, IntervalRowsOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"relaxStep", nullptr, RelaxStepOp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"keepFreedMemory", nullptr, KeepFreedMemory, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, Isa, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace relaxjs

NAPI_MODULE(NODE_GYP_MODULE_NAME, relaxjs::Init)
