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

}  // namespace

template <typename T>
void conv2d(const T* x, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
  const Layout L = layoutOf(s);
  const int64_t K = s.K(), P = s.P(), NP = s.N * P, So = strips(s.O, NR);
  std::vector<T> xp(size_t(s.N * s.C * L.Hp * L.Wp)), wt(size_t(So * K * NR));
  pad(x, s, L, xp.data(), parallel);
  packStrips<T>(K, s.O, [&](int64_t f, int64_t o) { return w[o * K + f]; }, wt.data());
  const int64_t tiles = (NP + MR - 1) / MR, threads = parallel ? Pool::instance().threads() : 1;
  const int64_t per = (tiles + threads * 4 - 1) / (threads * 4);
  parallelFor(int((tiles + per - 1) / per), parallel, [&](int t) {
    T tile[MR * NR];
    T* dst[MR];
    const T* rows[MR];
    for (int64_t q0 = t * per * MR; q0 < std::min(NP, (t + 1) * per * MR); q0 += MR) {
      const int valid = int(std::min<int64_t>(MR, NP - q0));
      for (int i = 0; i < MR; i++) rows[i] = xp.data() + L.corner[size_t(q0 + std::min(i, valid - 1))];
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

template <typename T>
void conv2dTranspose(const T* y, const T* w, T* out, const ConvGeom& s, int64_t parallelMinWork) {
  constexpr int MR = kTileRows, NR = tileCols<T>();
  const bool parallel = worthThreads(s, parallelMinWork);
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
    for (int64_t q0 = n0 * P; q0 < end; q0 += MR) {
      const int valid = int(std::min<int64_t>(MR, end - q0));
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
  std::vector<T> xp(size_t(s.N * s.C * L.Hp * L.Wp)), acc(size_t(ranges * tiles * MR * Opad));
  pad(x, s, L, xp.data(), parallel);
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
        for (int i = 0; i < MR; i++) rows[i] = xp.data() + L.field[size_t(std::min(tile * MR + i, K - 1))];
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
