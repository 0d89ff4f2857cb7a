// Vector types of the native kernels (GCC / Clang vector extensions): the widest the target has.
#pragma once

namespace relaxjs {

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;
#else
constexpr int kVectorBytes = 16;
#endif

template <typename T>
struct Simd;
template <>
struct Simd<float> {
  typedef float V __attribute__((vector_size(kVectorBytes)));
  static constexpr int W = kVectorBytes / 4;
};
template <>
struct Simd<double> {
  typedef double V __attribute__((vector_size(kVectorBytes)));
  static constexpr int W = kVectorBytes / 8;
};

// Every lane = x: a broadcast (x − (+0) is x exactly, so the compiler drops the subtraction;
// `V{} + x` would keep an addition, which turns −0 into +0).
template <typename V, typename T>
inline V splat(T x) {
  return x - V{};
}

template <typename V, typename T>
inline V loadu(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof(V));
  return v;
}
template <typename V, typename T>
inline void storeu(T* p, V v) {
  __builtin_memcpy(p, &v, sizeof(V));
}

}  // namespace relaxjs
