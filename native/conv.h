// Convolutions of the Backend contract (PyTorch conv2d, its transpose and weight gradient) as
// indirect GEMMs (indirect.h) over a zero-padded copy of the image: the receptive field of an
// output pixel is the fixed offset pattern `field` from the pixel's corner `corner`, so
//   conv2d:      out[pixel, o]   = Σ_f x̄[corner(pixel) + field(f)] · W[o, f]     (rows = pixels)
//   transpose:   dx̄[corner + field(f)] += Σ_o dy[n, o, pixel] · W[o, f]         (rows = pixels)
//   weight grad: dW[o, f]        = Σ_pixel x̄[field(f) + corner(pixel)] · dy[pixel, o] (rows = f)
// with f = (c, ki, kj) and x̄ the padded image. Which kernel runs (W = the vector's lanes):
//   conv2d:      O ≤ W: conv-narrow.cc (per-image panel, lanes along pixels); else the above.
//   transpose:   C < 4: conv-narrow.cc (panel, col2im); C ≤ W: along the flattened stride-phase
//                plane of dy (conv.cc planeTranspose); else a gather, per stride phase a stride-1
//                correlation of dy as an indirect GEMM (conv.cc). Each output written once.
//   weight grad: K ≤ 2W and K·O ≤ 1024: conv-narrow.cc (lane-wise sums); else the above, in
//                eight image ranges fixed by N, summed in order.
// The panels are used only while one image's K × P panel stays small (panelFits). Work is split
// over the pool by pixel tiles, by images or by fixed image ranges, and never changes the order
// of a sum: the same bits for any thread count.
#pragma once
#include <cstdint>

namespace relaxjs {

// The Conv2dSpec of backend.ts: N, C, O, H, W, kh, kw, sh, sw, ph, pw, Ho, Wo.
struct ConvGeom {
  int64_t N, C, O, H, W, KH, KW, SH, SW, PH, PW, HO, WO;
  int64_t K() const { return C * KH * KW; }
  int64_t P() const { return HO * WO; }
};

template <typename T>
void conv2d(const T* x, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork);
template <typename T>
void conv2dTranspose(const T* y, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork);
template <typename T>
void conv2dWeightGrad(const T* x, const T* dy, T* out, const ConvGeom& s, int64_t parallelMinWork);

}  // namespace relaxjs
