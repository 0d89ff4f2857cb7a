#include "conv.h"

#include <algorithm>
#include <vector>

#include "indirect.h"
#include "pool.h"

namespace relaxjs {
namespace {

constexpr int64_t kPixelBlock = 256;

// The padded image x̄ [N, C, Hp, Wp]: just large enough for every receptive field (rows past
// H + ph that no field reaches are dropped), the field offsets and the pixel corners.
struct Layout {
  int64_t Hp, Wp;
  std::vector<int64_t> field;   // [K]: c·Hp·Wp + ki·Wp + kj
  std::vector<int64_t> corner;  // [N·P]: n·C·Hp·Wp + oi·sh·Wp + oj·sw
};

Layout layoutOf(const ConvGeom& s) {
  Layout L;
  L.Hp = (s.HO - 1) * s.SH + s.KH;
  L.Wp = (s.WO - 1) * s.SW + s.KW;
  const int64_t plane = L.Hp * L.Wp;
  L.field.resize(size_t(s.K()));
  for (int64_t c = 0, f = 0; c < s.C; c++)
    for (int64_t ki = 0; ki < s.KH; ki++)
      for (int64_t kj = 0; kj < s.KW; kj++) L.field[size_t(f++)] = c * plane + ki * L.Wp + kj;
  L.corner.resize(size_t(s.N * s.P()));
  for (int64_t n = 0, q = 0; n < s.N; n++)
    for (int64_t oi = 0; oi < s.HO; oi++)
      for (int64_t oj = 0; oj < s.WO; oj++) L.corner[size_t(q++)] = n * s.C * plane + oi * s.SH * L.Wp + oj * s.SW;
  return L;
}

bool worthThreads(const ConvGeom& s, int64_t parallelMinWork) { return s.N * s.O * s.K() * s.P() >= parallelMinWork; }

// x̄ from x (zero borders).
template <typename T>
void pad(const T* x, const ConvGeom& s, const Layout& L, T* xp, bool parallel) {
  const int64_t rows = std::min(s.H, L.Hp - s.PH), cols = std::min(s.W, L.Wp - s.PW);
  parallelFor(int(s.N), parallel, [&](int n) {
    for (int64_t c = 0; c < s.C; c++) {
      T* dst = xp + (n * s.C + c) * L.Hp * L.Wp;
      const T* src = x + (n * s.C + c) * s.H * s.W;
      std::fill(dst, dst + L.Hp * L.Wp, T(0));
      for (int64_t r = 0; r < rows; r++) std::copy_n(src + r * s.W, cols, dst + (r + s.PH) * L.Wp + s.PW);
    }
  });
}

// Packs the [k × n] matrix at(p, j) into strips [⌈n/NR⌉][k][NR] (zero lanes past n).
template <typename T, typename At>
void packStrips(int64_t k, int64_t n, At at, T* dst) {
  constexpr int NR = tileCols<T>();
  for (int64_t j0 = 0; j0 < n; j0 += NR)
    for (int64_t p = 0; p < k; p++)
      for (int j = 0; j < NR; j++) *dst++ = j0 + j < n ? at(p, j0 + j) : T(0);
}

// Packs dy's pixels [q0, q0 + kc) (q = n·P + p) into strips [⌈O/NR⌉][kc][NR] as packStrips
// would, with one division per pixel instead of one per element.
template <typename T>
void packResponses(const T* dy, int64_t O, int64_t P, int64_t q0, int64_t kc, T* dst) {
  constexpr int NR = tileCols<T>();
  const int64_t strips = (O + NR - 1) / NR;
  for (int64_t p = 0; p < kc; p++) {
    const int64_t q = q0 + p, base = (q / P) * O * P + q % P;
    for (int64_t so = 0; so < strips; so++) {
      T* row = dst + (so * kc + p) * NR;
      for (int j = 0; j < NR; j++) {
        const int64_t o = so * NR + j;
        row[j] = o < O ? dy[base + o * P] : T(0);
      }
    }
  }
}

template <typename T>
std::vector<T>& local() {
  thread_local std::vector<T> buffer;
  return buffer;
}

int64_t strips(int64_t n, int NR) { return (n + NR - 1) / NR; }

// A padded copy's buffer, kept per calling thread (the image or dy of every convolution call: a
// fresh one each call would cost its page faults again). Its contents are left to the caller;
// the pool's threads must reach it through the returned pointer, never by name.
template <typename T>
T* paddedScratch(int64_t n) {
  thread_local std::vector<T> kept;
  kept.resize(size_t(n));
  return kept.data();
}


}  // namespace

template <typename T>
void conv2d(const T* x, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
  const Layout L = layoutOf(s);
  const int64_t K = s.K(), P = s.P(), NP = s.N * P, So = strips(s.O, NR);
  std::vector<T> wt(size_t(So * K * NR));
  T* const xp = paddedScratch<T>(s.N * s.C * L.Hp * L.Wp);
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
template <typename T>
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
  packed.resize(size_t(strips(s.C, tileCols<T>()) * k * tileCols<T>()));
  packStrips<T>(k, s.C, [&](int64_t f, int64_t c) { return w[tap[size_t(f)] + c * plane]; }, packed.data());
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
  T* const yp = paddedScratch<T>(s.N * s.O * G.Uh * G.Uw);
  padResponses(y, s, G, yp);
  std::vector<std::vector<int64_t>> fields(static_cast<size_t>(phases));
  std::vector<std::vector<T>> packed(static_cast<size_t>(phases));
  std::vector<int64_t> tileStart, tilePhase;  // every phase's pixel tiles, in order
  for (int64_t p = 0; p < phases; p++) {
    phaseFields(w, s, G, p / s.SW, p % s.SW, fields[size_t(p)], packed[size_t(p)]);
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

// The transpose for few channels C (a first layer's input gradient, C = 1..3), where the gather's
// tile would be mostly empty lanes: rows = dy's pixels, columns = the fields f = (c, ki, kj),
// each product added into the padded gradient ḡ (each task owns its images' part of ḡ).
template <typename T>
void scatterTranspose(const T* y, const T* w, T* out, const ConvGeom& s, bool parallel) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const Layout L = layoutOf(s);
  const int64_t K = s.K(), P = s.P(), Sk = strips(K, NR), plane = L.Hp * L.Wp;
  std::vector<T> gp(size_t(s.N * s.C * plane)), wk(size_t(Sk * s.O * NR));
  std::vector<int64_t> channel(size_t(s.O));
  for (int64_t o = 0; o < s.O; o++) channel[size_t(o)] = o * P;
  packStrips<T>(s.O, K, [&](int64_t o, int64_t f) { return w[o * K + f]; }, wk.data());
  // Four image ranges a thread: a helper that the OS deschedules holds up only a small one.
  const int64_t threads = parallel ? Pool::instance().threads() : 1, per = (s.N + 4 * threads - 1) / (4 * threads);
  parallelFor(int((s.N + per - 1) / per), parallel, [&](int t) {
    // This task owns images [n0, n1) of the padded gradient ḡ.
    const int64_t n0 = t * per, n1 = std::min(s.N, n0 + per), end = n1 * P;
    std::fill(gp.data() + n0 * s.C * plane, gp.data() + n1 * s.C * plane, T(0));
    T tile[MR * NR];
    const T* rows[MR];
    // Tiles start at each image's first pixel, so which pixels share a tile (and so the order of
    // the sums into ḡ) is the same for any thread count.
    for (int64_t q0 = n0 * P, step = 0; q0 < end; q0 += step) {
      const int valid = int(std::min<int64_t>(MR, (q0 / P + 1) * P - q0));
      step = valid;
      for (int i = 0; i < MR; i++) {
        const int64_t q = q0 + std::min(i, valid - 1);
        rows[i] = y + (q / P) * s.O * P + q % P;
      }
      for (int64_t sk = 0; sk < Sk; sk++) {
        indirectTile<T>(s.O, rows, channel.data(), wk.data() + sk * s.O * NR, tile, NR, false);
        const int cols = int(std::min<int64_t>(NR, K - sk * NR));
        const int64_t* field = L.field.data() + sk * NR;
        for (int j = 0; j < cols; j++)
          for (int i = 0; i < valid; i++) gp[size_t(L.corner[size_t(q0 + i)] + field[j])] += tile[i * NR + j];
      }
    }
    // Crop ḡ to the image; pixels no field reaches get 0.
    for (int64_t nc = n0 * s.C; nc < n1 * s.C; nc++)
      for (int64_t r = 0; r < s.H; r++) {
        T* dst = out + (nc * s.H + r) * s.W;
        const int64_t pr = r + s.PH;
        for (int64_t q = 0; q < s.W; q++) {
          const int64_t pq = q + s.PW;
          dst[q] = pr < L.Hp && pq < L.Wp ? gp[size_t(nc * plane + pr * L.Wp + pq)] : T(0);
        }
      }
  });
}

}  // namespace

template <typename T>
void conv2dTranspose(const T* y, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  const bool parallel = worthThreads(s, parallelMinWork);
  // The gather's tile is 2·W channels wide: below W channels, most of its lanes would be empty.
  if (s.C < Simd<T>::W) scatterTranspose(y, w, out, s, parallel);
  else gatherTranspose(y, w, out, s, parallel);
}

template <typename T>
void conv2dWeightGrad(const T* x, const T* dy, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
  const Layout L = layoutOf(s);
  const int64_t K = s.K(), P = s.P(), NP = s.N * P, So = strips(s.O, NR), Opad = So * NR;
  const int64_t tiles = (K + MR - 1) / MR;
  // Few kernel positions (a first layer: K = C·kh·kw = 16) give too few row tiles to share: then
  // four fixed pixel ranges, each into its own accumulator, summed in range order afterwards (the
  // same numbers for any thread count), and each range packs only its own part of dy.
  const int64_t blocks = (NP + kPixelBlock - 1) / kPixelBlock, ranges = tiles >= 8 || blocks < 8 ? 1 : 4;
  std::vector<T> acc(size_t(ranges * tiles * MR * Opad));
  T* const xp = paddedScratch<T>(s.N * s.C * L.Hp * L.Wp);
  pad(x, s, L, xp, parallel);
  const int64_t threads = parallel ? Pool::instance().threads() : 1, per = ranges > 1 ? tiles : (tiles + threads - 1) / threads;
  const int64_t tileTasks = (tiles + per - 1) / per, perRange = (blocks + ranges - 1) / ranges;
  parallelFor(int(tileTasks * ranges), parallel, [&](int task) {
    const int64_t t = task % tileTasks, range = task / tileTasks;
    T* accRange = acc.data() + range * tiles * MR * Opad;
    std::vector<T>& block = local<T>();
    block.resize(size_t(So * kPixelBlock * NR));
    const T* rows[MR];
    const int64_t qBegin = range * perRange * kPixelBlock, qEnd = std::min(NP, (range + 1) * perRange * kPixelBlock);
    for (int64_t q0 = qBegin; q0 < qEnd; q0 += kPixelBlock) {
      const int64_t kc = std::min(kPixelBlock, NP - q0);
      packResponses(dy, s.O, P, q0, kc, block.data());
      for (int64_t tile = t * per; tile < std::min(tiles, (t + 1) * per); tile++) {
        for (int i = 0; i < MR; i++) rows[i] = xp + L.field[size_t(std::min(tile * MR + i, K - 1))];
        for (int64_t so = 0; so < So; so++)
          indirectTile<T>(kc, rows, L.corner.data() + q0, block.data() + so * kc * NR, accRange + tile * MR * Opad + so * NR, Opad, q0 > qBegin);
      }
    }
  });
  const int64_t stride = tiles * MR * Opad;
  for (int64_t o = 0; o < s.O; o++)
    for (int64_t f = 0; f < K; f++) {
      T sum = acc[size_t(f * Opad + o)];
      for (int64_t r = 1; r < ranges; r++) sum += acc[size_t(r * stride + f * Opad + o)];
      out[o * K + f] = sum;
    }
}

#define RELAXJS_CONV(T)                                                                \
  template void conv2d<T>(const T*, const T*, T*, const ConvGeom&, int64_t);          \
  template void conv2dTranspose<T>(const T*, const T*, T*, const ConvGeom&, int64_t); \
  template void conv2dWeightGrad<T>(const T*, const T*, T*, const ConvGeom&, int64_t);
RELAXJS_CONV(float)
RELAXJS_CONV(double)

}  // namespace relaxjs
