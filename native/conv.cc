#include "conv.h"

#include <algorithm>
#include <vector>

#include "conv-layout.h"
#include "conv-narrow.h"
#include "indirect.h"
#include "pool.h"

namespace relaxjs {
namespace {

constexpr int64_t kPixelBlock = 256;

// The narrow paths unroll one image into a K × P panel: only where it stays small (a few MB).
bool panelFits(const ConvGeom& s) { return s.K() * s.P() <= (int64_t(1) << 20); }

bool worthThreads(const ConvGeom& s, int64_t parallelMinWork) { return s.N * s.O * s.K() * s.P() >= parallelMinWork; }

// x̄ of every image.
template <typename T>
void pad(const T* x, const ConvGeom& s, const Layout& L, T* xp, bool parallel) {
  parallelFor(int(s.N), parallel, [&](int n) { padImage(x + n * s.C * s.H * s.W, s, L, xp + n * s.C * L.plane); });
}

// Packs the [k × n] matrix at(p, j) into strips [⌈n/NR⌉][k][NR] (zero lanes past n).
template <typename T, typename At, int NR = tileCols<T>()>
void packStrips(int64_t k, int64_t n, At at, T* dst) {
  for (int64_t j0 = 0; j0 < n; j0 += NR)
    for (int64_t p = 0; p < k; p++)
      for (int j = 0; j < NR; j++) *dst++ = j0 + j < n ? at(p, j0 + j) : T(0);
}

// Packs the responses of images [n0, n0 + images) (pixels q = i·P + p) into strips
// [⌈O/NR⌉][images·P][NR] as packStrips would (zero lanes past O), reading dy row by row.
template <typename T>
void packResponses(const T* dy, int64_t O, int64_t P, int64_t n0, int64_t images, T* dst) {
  constexpr int NR = tileCols<T>();
  const int64_t kc = images * P, So = strips(O, NR);
  if (O % NR) std::fill(dst + (So - 1) * kc * NR, dst + So * kc * NR, T(0));
  for (int64_t i = 0; i < images; i++)
    for (int64_t o = 0; o < O; o++) {
      const T* src = dy + ((n0 + i) * O + o) * P;
      T* col = dst + ((o / NR) * kc + i * P) * NR + o % NR;
      for (int64_t p = 0; p < P; p++) col[p * NR] = src[p];
    }
}

}  // namespace

template <typename T>
void conv2d(const T* x, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
  if (s.O <= Simd<T>::W && panelFits(s)) return narrowConv2d(x, w, out, s, parallel);
  const Layout L = layoutOf(s, s.N);
  const int64_t K = s.K(), P = s.P(), NP = s.N * P, So = strips(s.O, NR);
  std::vector<T> wt(size_t(So * K * NR));
  T* const xp = threadBuffer<T, 0>(s.N * s.C * L.Hp * L.Wp);
  pad(x, s, L, xp, parallel);
  packStrips<T>(K, s.O, [&](int64_t f, int64_t o) { return w[o * K + f]; }, wt.data());
  const int64_t tiles = (NP + MR - 1) / MR, threads = parallel ? Pool::instance().threads() : 1;
  const int64_t per = (tiles + threads * 4 - 1) / (threads * 4);
  parallelFor(int((tiles + per - 1) / per), parallel, [&](int t) {
    T tile[MR * NR];
    T* dst[MR];
    const T* rows[MR];
    for (int64_t q0 = t * per * MR; q0 < std::min(NP, (t + 1) * per * MR); q0 += MR) {
      const int valid = int(std::min<int64_t>(MR, NP - q0));
      for (int i = 0; i < MR; i++) rows[i] = xp + L.corner[size_t(q0 + std::min(i, valid - 1))];
      for (int64_t so = 0; so < So; so++) {
        indirectTile<T>(K, rows, L.field.data(), wt.data() + so * K * NR, tile, NR, false);
        const int cols = int(std::min<int64_t>(NR, s.O - so * NR));
        for (int i = 0; i < valid; i++) dst[i] = out + ((q0 + i) / P * s.O + so * NR) * P + (q0 + i) % P;
        // Channel by channel: the tile's pixels are (mostly) adjacent in out.
        for (int j = 0; j < cols; j++)
          for (int i = 0; i < valid; i++) dst[i][j * P] = tile[i * NR + j];
      }
    }
  });
}

namespace {

// The transpose as a gather, one stride phase (rh, rw) at a time: a padded gradient row
// hp = h + ph with hp ≡ rh (mod sh) is hp = a·sh + rh, reached only by the taps ki = b·sh + rh
// from the output row oi = a − b. So each phase is a stride-1 correlation of dy with the phase's
// taps, an indirect GEMM whose rows are the phase's pixels (n, h, w), its columns the channels c
// and its depth the phase's fields (o, b, b'):
//   dx[n, c, h, w] = Σ_(o,b,b') ȳ[n, o, a − b, a' − b'] · W[o, c, b·sh + rh, b'·sw + rw]
// over ȳ, dy with zero borders. Every output is written once, by one tile: no scattered sums,
// and the same bits for any thread count.
struct PhaseGrid {
  int64_t Th, Tw, Uh, Uw;            // most taps of a phase per axis; ȳ's padded plane Uh × Uw
  std::vector<int64_t> pixelCorner;  // per pixel (phase by phase): its corner in ȳ
  std::vector<int64_t> pixelOut;     // per pixel: n·C·H·W + h·W + w
  std::vector<int64_t> phaseStart;   // [sh·sw + 1]: the phases' pixel ranges
};

int64_t phaseFirst(int64_t r, int64_t pad, int64_t stride) { return ((r - pad) % stride + stride) % stride; }

bool sameGeom(const ConvGeom& a, const ConvGeom& b) {
  const int64_t x[] = {a.N, a.C, a.O, a.H, a.W, a.KH, a.KW, a.SH, a.SW, a.PH, a.PW, a.HO, a.WO};
  const int64_t y[] = {b.N, b.C, b.O, b.H, b.W, b.KH, b.KW, b.SH, b.SW, b.PH, b.PW, b.HO, b.WO};
  return std::equal(x, x + 13, y);
}

void buildPhaseGrid(const ConvGeom& s, PhaseGrid& G) {
  G.Th = (s.KH + s.SH - 1) / s.SH;
  G.Tw = (s.KW + s.SW - 1) / s.SW;
  G.Uh = std::max(s.HO, (s.PH + s.H - 1) / s.SH + 1) + G.Th - 1;
  G.Uw = std::max(s.WO, (s.PW + s.W - 1) / s.SW + 1) + G.Tw - 1;
  G.pixelCorner.resize(size_t(s.N * s.H * s.W));
  G.pixelOut.resize(size_t(s.N * s.H * s.W));
  G.phaseStart.assign(1, 0);
  size_t q = 0;
  for (int64_t rh = 0; rh < s.SH; rh++)
    for (int64_t rw = 0; rw < s.SW; rw++) {
      const int64_t h0 = phaseFirst(rh, s.PH, s.SH), w0 = phaseFirst(rw, s.PW, s.SW);
      for (int64_t n = 0; n < s.N; n++)
        for (int64_t h = h0; h < s.H; h += s.SH)
          for (int64_t w = w0; w < s.W; w += s.SW, q++) {
            const int64_t a = (h + s.PH) / s.SH, a2 = (w + s.PW) / s.SW;
            G.pixelCorner[q] = n * s.O * G.Uh * G.Uw + (a + G.Th - 1) * G.Uw + a2 + G.Tw - 1;
            G.pixelOut[q] = n * s.C * s.H * s.W + h * s.W + w;
          }
      G.phaseStart.push_back(int64_t(q));
    }
}

// The grid of `s`, kept per calling thread: a training loop asks for the same geometry every step.
const PhaseGrid& phaseGridOf(const ConvGeom& s) {
  thread_local ConvGeom last{};
  thread_local PhaseGrid grid;
  if (grid.phaseStart.empty() || !sameGeom(last, s)) {
    buildPhaseGrid(s, grid);
    last = s;
  }
  return grid;
}

// ȳ from dy: row u = oi + Th − 1, column v = oj + Tw − 1, zeros elsewhere.
template <typename T>
void padResponses(const T* y, const ConvGeom& s, const PhaseGrid& G, T* yp) {
  std::fill(yp, yp + s.N * s.O * G.Uh * G.Uw, T(0));
  for (int64_t no = 0; no < s.N * s.O; no++)
    for (int64_t oi = 0; oi < s.HO; oi++)
      std::copy_n(y + (no * s.HO + oi) * s.WO, s.WO, yp + (no * G.Uh + oi + G.Th - 1) * G.Uw + G.Tw - 1);
}

// One phase's fields (o, b, b') as offsets in ȳ from a pixel's corner, and its weights packed in
// strips of NR channels.
template <typename T, int NR>
int64_t phaseFields(const T* w, const ConvGeom& s, const PhaseGrid& G, int64_t rh, int64_t rw, std::vector<int64_t>& field,
                    std::vector<T>& packed) {
  field.clear();
  std::vector<int64_t> tap;  // W's offset of the field within W[o, c]
  for (int64_t o = 0; o < s.O; o++)
    for (int64_t ki = rh, b = 0; ki < s.KH; ki += s.SH, b++)
      for (int64_t kj = rw, b2 = 0; kj < s.KW; kj += s.SW, b2++) {
        field.push_back(o * G.Uh * G.Uw - b * G.Uw - b2);
        tap.push_back(o * s.K() + ki * s.KW + kj);
      }
  const int64_t k = int64_t(field.size()), plane = s.KH * s.KW;
  const auto weight = [&](int64_t f, int64_t c) { return w[tap[size_t(f)] + c * plane]; };
  packed.resize(size_t(strips(s.C, NR) * k * NR));
  packStrips<T, decltype(weight), NR>(k, s.C, weight, packed.data());
  return k;
}

// One tile of phase pixels [q0, q0 + valid): all C channels.
template <typename T>
void transposeTile(const T* yp, const PhaseGrid& G, const std::vector<int64_t>& field, const std::vector<T>& packed, int64_t q0,
                   int valid, const ConvGeom& s, T* out) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const int64_t k = int64_t(field.size()), HW = s.H * s.W;
  T tile[MR * NR];
  const T* rows[MR];
  for (int i = 0; i < MR; i++) rows[i] = yp + G.pixelCorner[size_t(q0 + std::min(i, valid - 1))];
  for (int64_t sc = 0; sc < strips(s.C, NR); sc++) {
    const int cols = int(std::min<int64_t>(NR, s.C - sc * NR));
    if (k == 0) std::fill(tile, tile + MR * NR, T(0));  // a phase no tap reaches (kernel smaller than the stride)
    else indirectTile<T>(k, rows, field.data(), packed.data() + sc * k * NR, tile, NR, false);
    for (int j = 0; j < cols; j++)
      for (int i = 0; i < valid; i++) out[G.pixelOut[size_t(q0 + i)] + (sc * NR + j) * HW] = tile[i * NR + j];
  }
}

template <typename T>
void gatherTranspose(const T* y, const T* w, T* out, const ConvGeom& s, bool parallel) {
  constexpr int MR = kTileRows;
  const PhaseGrid& G = phaseGridOf(s);
  const int64_t phases = s.SH * s.SW;
  T* const yp = threadBuffer<T, 0>(s.N * s.O * G.Uh * G.Uw);
  padResponses(y, s, G, yp);
  std::vector<std::vector<int64_t>> fields(static_cast<size_t>(phases));
  std::vector<std::vector<T>> packed(static_cast<size_t>(phases));
  std::vector<int64_t> tileStart, tilePhase;  // every phase's pixel tiles, in order
  for (int64_t p = 0; p < phases; p++) {
    phaseFields<T, tileCols<T>()>(w, s, G, p / s.SW, p % s.SW, fields[size_t(p)], packed[size_t(p)]);
    for (int64_t q0 = G.phaseStart[size_t(p)]; q0 < G.phaseStart[size_t(p + 1)]; q0 += MR) {
      tileStart.push_back(q0);
      tilePhase.push_back(p);
    }
  }
  const int64_t tiles = int64_t(tileStart.size()), threads = parallel ? Pool::instance().threads() : 1;
  const int64_t per = std::max<int64_t>(1, (tiles + threads * 4 - 1) / (threads * 4));
  parallelFor(int((tiles + per - 1) / per), parallel, [&](int t) {
    for (int64_t i = t * per; i < std::min(tiles, (t + 1) * per); i++) {
      const size_t p = size_t(tilePhase[size_t(i)]);
      const int valid = int(std::min<int64_t>(MR, G.phaseStart[p + 1] - tileStart[size_t(i)]));
      transposeTile(yp, G, fields[p], packed[p], tileStart[size_t(i)], valid, s, out);
    }
  });
}

// The transpose for 4 ≤ C ≤ one vector of channels, where the gather's tile (two vectors of
// channels wide) would be half empty. Per image and stride phase, the phase's pixels (a, a') are
// a rectangle of ȳ's plane, so along the flattened plane u = a·Uw + a' every field's values are
// one unaligned load:
//   dx_phase[c, u] = Σ_(o,b,b') W[o, c, b·sh + rh, b'·sw + rw] · ȳ[n, o, u + field(o, b, b')]
// with the lanes along u (the Uw − cols columns between the rectangle's rows computed, dropped).
// A register tile is kPlaneRows channels × kPlaneVectors vectors of u; each output is written once.
constexpr int kPlaneRows = 4, kPlaneVectors = 4;

// tile[i][u] = Σ_p wp[p][i] · base[field[p] + u] for u < kPlaneVectors·W.
template <typename T>
void planeTile(int64_t k, const T* __restrict wp, const T* base, const int64_t* __restrict field, T* tile) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  V c[kPlaneRows][kPlaneVectors];
  for (int i = 0; i < kPlaneRows; i++)
    for (int v = 0; v < kPlaneVectors; v++) c[i][v] = V{};
  for (int64_t p = 0; p < k; p++, wp += kPlaneRows) {
    const T* src = base + field[p];
    V b[kPlaneVectors];
    for (int v = 0; v < kPlaneVectors; v++) b[v] = loadu<V>(src + v * W);
    for (int i = 0; i < kPlaneRows; i++) {
      const V a = splat<V>(wp[i]);
      for (int v = 0; v < kPlaneVectors; v++) c[i][v] += a * b[v];
    }
  }
  for (int i = 0; i < kPlaneRows; i++)
    for (int v = 0; v < kPlaneVectors; v++) storeu(tile + (i * kPlaneVectors + v) * W, c[i][v]);
}

// One stride phase of planeTranspose: its pixel rectangle (rows × cols from pixel (h0, w0)), its
// corner in ȳ's plane, its fields and its weights in strips of kPlaneRows channels.
template <typename T>
struct PlanePhase {
  int64_t h0, w0, rows, cols, corner, k;
  std::vector<int64_t> field;
  std::vector<T> packed;
};

template <typename T>
PlanePhase<T> planePhase(const T* w, const ConvGeom& s, const PhaseGrid& G, int64_t rh, int64_t rw) {
  PlanePhase<T> F;
  F.h0 = phaseFirst(rh, s.PH, s.SH);
  F.w0 = phaseFirst(rw, s.PW, s.SW);
  F.rows = F.h0 < s.H ? (s.H - F.h0 + s.SH - 1) / s.SH : 0;
  F.cols = F.w0 < s.W ? (s.W - F.w0 + s.SW - 1) / s.SW : 0;
  F.corner = ((F.h0 + s.PH) / s.SH + G.Th - 1) * G.Uw + (F.w0 + s.PW) / s.SW + G.Tw - 1;
  F.k = phaseFields<T, kPlaneRows>(w, s, G, rh, rw, F.field, F.packed);
  return F;
}

// One image's phase: all its pixels, all C channels.
template <typename T>
void planeImagePhase(const T* base, const PlanePhase<T>& F, const ConvGeom& s, int64_t Uw, T* dst) {
  constexpr int L = kPlaneVectors * Simd<T>::W;
  T tile[kPlaneRows * L];
  const int64_t span = (F.rows - 1) * Uw + F.cols, HW = s.H * s.W;
  for (int64_t u0 = 0; u0 < span; u0 += L)
    for (int64_t sc = 0; sc < strips(s.C, kPlaneRows); sc++) {
      if (F.k == 0) std::fill(tile, tile + kPlaneRows * L, T(0));  // no tap reaches this phase
      else planeTile(F.k, F.packed.data() + sc * F.k * kPlaneRows, base + u0, F.field.data(), tile);
      const int channels = int(std::min<int64_t>(kPlaneRows, s.C - sc * kPlaneRows));
      int64_t r = u0 / Uw, cc = u0 % Uw;
      for (int lane = 0; lane < L && u0 + lane < span; lane++) {
        if (cc < F.cols)
          for (int i = 0; i < channels; i++) dst[(sc * kPlaneRows + i) * HW + r * s.SH * s.W + cc * s.SW] = tile[i * L + lane];
        if (++cc == Uw) cc = 0, r++;
      }
    }
}

template <typename T>
void planeTranspose(const T* y, const T* w, T* out, const ConvGeom& s, bool parallel) {
  constexpr int L = kPlaneVectors * Simd<T>::W;
  const PhaseGrid& G = phaseGridOf(s);
  const int64_t plane = G.Uh * G.Uw;
  // ȳ with L zeros of slack: a tile's last loads may run past the last image's plane.
  T* const yp = threadBuffer<T, 0>(s.N * s.O * plane + L);
  padResponses(y, s, G, yp);
  std::fill(yp + s.N * s.O * plane, yp + s.N * s.O * plane + L, T(0));
  std::vector<PlanePhase<T>> phases;
  for (int64_t p = 0; p < s.SH * s.SW; p++) phases.push_back(planePhase(w, s, G, p / s.SW, p % s.SW));
  forImages(s.N, parallel, [&](int64_t n) {
    for (const PlanePhase<T>& F : phases)
      if (F.rows > 0 && F.cols > 0)
        planeImagePhase(yp + n * s.O * plane + F.corner, F, s, G.Uw, out + n * s.C * s.H * s.W + F.h0 * s.W + F.w0);
  });
}

}  // namespace

template <typename T>
void conv2dTranspose(const T* y, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  const bool parallel = worthThreads(s, parallelMinWork);
  // The gather's tile is 2·W channels wide: up to W channels, half or more of its lanes would be
  // empty; below kPlaneRows channels, so would most rows of the plane's tile.
  if (s.C < kPlaneRows && panelFits(s)) narrowTranspose(y, w, out, s, parallel);
  else if (s.C <= Simd<T>::W) planeTranspose(y, w, out, s, parallel);
  else gatherTranspose(y, w, out, s, parallel);
}

template <typename T>
void conv2dWeightGrad(const T* x, const T* dy, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
  if (s.K() <= 2 * Simd<T>::W && s.K() * s.O <= 1024 && panelFits(s)) return narrowWeightGrad(x, dy, out, s, parallel);
  // Fixed ranges of images (by N alone), each summed into its own accumulator in blocks of about
  // kPixelBlock pixels (whole images, padded into a per-thread buffer: cache-local), then the
  // ranges in order: the same bits for any thread count.
  const int64_t K = s.K(), P = s.P(), So = strips(s.O, NR), Opad = So * NR, tiles = strips(K, MR);
  const int64_t chunk = std::max<int64_t>(1, kPixelBlock / P), per = (s.N + 7) / 8, ranges = (s.N + per - 1) / per;
  const Layout L = layoutOf(s, chunk);
  T* const acc = threadBuffer<T, 5>(ranges * tiles * MR * Opad);
  parallelFor(int(ranges), parallel, [&](int r) {
    const int64_t n0 = r * per, n1 = std::min(s.N, n0 + per);
    T* const accRange = acc + r * tiles * MR * Opad;
    T* const xp = threadBuffer<T, 0>(chunk * s.C * L.plane);
    T* const block = threadBuffer<T, 1>(So * chunk * P * NR);
    const T* rows[MR];
    for (int64_t c0 = n0; c0 < n1; c0 += chunk) {
      const int64_t images = std::min(chunk, n1 - c0), kc = images * P;
      for (int64_t i = 0; i < images; i++) padImage(x + (c0 + i) * s.C * s.H * s.W, s, L, xp + i * s.C * L.plane);
      packResponses(dy, s.O, P, c0, images, block);
      for (int64_t tile = 0; tile < tiles; tile++) {
        for (int i = 0; i < MR; i++) rows[i] = xp + L.field[size_t(std::min(tile * MR + i, K - 1))];
        for (int64_t so = 0; so < So; so++)
          indirectTile<T>(kc, rows, L.corner.data(), block + so * kc * NR, accRange + tile * MR * Opad + so * NR, Opad, c0 > n0);
      }
    }
  });
  const int64_t stride = tiles * MR * Opad;
  for (int64_t r = 1; r < ranges; r++)
    for (int64_t i = 0; i < K * Opad; i++) acc[i] += acc[r * stride + i];
  for (int64_t o = 0; o < s.O; o++)
    for (int64_t f = 0; f < K; f++) out[o * K + f] = acc[f * Opad + o];
}

#define RELAXJS_CONV(T)                                                                \
  template void conv2d<T>(const T*, const T*, T*, const ConvGeom&, int64_t);          \
  template void conv2dTranspose<T>(const T*, const T*, T*, const ConvGeom&, int64_t); \
  template void conv2dWeightGrad<T>(const T*, const T*, T*, const ConvGeom&, int64_t);
RELAXJS_CONV(float)
RELAXJS_CONV(double)

}  // namespace relaxjs
