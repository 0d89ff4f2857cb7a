// The convolutions at small channel counts (a first layer: C = 1, K = C·kh·kw = 16, O = 16), where
// conv.cc's tiles, two vectors of channels wide, would leave lanes empty. Each image is padded,
// by column phase (the columns oj·sw + kj of a field at a row of pixels are then adjacent), and
// unrolled into a small panel col_n [K][P] (im2col, a few KB); the lanes run along the pixels p:
//   conv2d (O ≤ W):                out[n, o, p] = Σ_f W[o, f] · col_n[f, p]   (indirect.h narrowTile)
//   weight grad (K ≤ 2W, K·O ≤ 1024): dW[o, f] = Σ_(n,p) dy[n, o, p] · col_n[f, p], as per-lane
//                                  partial sums of a 4 × 4 (o, f) register block, reduced at the end
//   transpose (C < 4):             col_n[f, p] = Σ_o W[o, f] · dy[n, o, p], then added into the
//                                  padded gradient (col2im) and cropped
// with W the vector's lanes. Images go to tasks in ranges fixed by N alone; the weight gradient
// sums each range in image order, then the ranges and lanes in order: the same bits for any
// thread count.
#pragma once
#include "conv.h"

namespace relaxjs {

template <typename T>
void narrowConv2d(const T* x, const T* w, T* out, const ConvGeom& s, bool parallel);
template <typename T>
void narrowWeightGrad(const T* x, const T* dy, T* out, const ConvGeom& s, bool parallel);
template <typename T>
void narrowTranspose(const T* dy, const T* w, T* out, const ConvGeom& s, bool parallel);

}  // namespace relaxjs
