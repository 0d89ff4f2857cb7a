// Convolution jobs on N images, in groups of G images so that each product is wide enough for the
// 4×8 tile; every thread running a job claims groups from one shared atomic counter until none is
// left. The input group is first copied into a zero-padded buffer [G, C, Hp, Wp]
// (Hp = H + 2ph, Wp = W + 2pw; its borders are zeroed once per job, only interiors are rewritten),
// so that receptive-field element (c, ki, kj) of output pixel (g, oi, oj) sits at
// kOff[(c,ki,kj)] + jOff[(g,oi,oj)] with
//   kOff = c·Hp·Wp + ki·Wp + kj,   jOff = g·C·Hp·Wp + oi·sh·Wp + oj·sw,
// and im2col is just packB through these two tables (pack.ts reads a k×k kernel's rows of 4
// adjacent entries with vector loads), col2im the matching scatter-add, done row by row of cols_gᵀ
// so that the kw entries of a kernel row add onto adjacent output columns (one vector add for kw = 4).
//   conv2d:          out_g [O, P]   = W [O, K] · cols_g [K, P]            (K = C·kh·kw, P = Ho·Wo)
//   conv2dTranspose: cols_gᵀ [P, K] = y_gᵀ [P, O] · W [O, K], then col2im
//   conv2dWeightGrad: dW [O, K]   += dy_g [O, P] · cols_gᵀ [P, K]
// Rows of 14 floats are copied by inline vector loops: a memory.copy call per row cost more.
import { claim, field, scratchFrom, take } from './job';
import { gemmPacked } from './gemm';
import { fillArithmetic, packA, packB, packedABytes, packedBBytes } from './pack';

/** Record fields of a convolution job. */
const enum F { Counter = 1, N, C, H, W, O, KH, KW, SH, SW, PH, PW, HO, WO, In, Weight, Out, Scratch, Group, Dy }

let C: i32 = 0, H: i32 = 0, W: i32 = 0, O: i32 = 0, KH: i32 = 0, KW: i32 = 0;
let SH: i32 = 0, SW: i32 = 0, PH: i32 = 0, PW: i32 = 0, HO: i32 = 0, WO: i32 = 0;
let HP: i32 = 0, WP: i32 = 0, K: i32 = 0, P: i32 = 0, G: i32 = 1;

function readGeometry(job: usize): void {
  C = field(job, F.C); H = field(job, F.H); W = field(job, F.W); O = field(job, F.O);
  KH = field(job, F.KH); KW = field(job, F.KW); SH = field(job, F.SH); SW = field(job, F.SW);
  PH = field(job, F.PH); PW = field(job, F.PW); HO = field(job, F.HO); WO = field(job, F.WO);
  HP = H + 2 * PH; WP = W + 2 * PW; K = C * KH * KW; P = HO * WO; G = field(job, F.Group);
}

/** Scratch bytes of the convolution job at `job` (an upper bound over the three kinds). */
export function convScratchBytes(job: usize): usize {
  readGeometry(job);
  const J = G * P;
  const tables = <usize>(K + 2 * J + 2 * O + 2 * K + C * KH) << 2;
  const pad = <usize>G * <usize>C * <usize>HP * <usize>WP << 2;
  const packs = max(packedABytes(O, K) + packedBBytes(K, J), max(packedABytes(J, O) + packedBBytes(O, K), packedABytes(O, J) + packedBBytes(J, K)));
  const product = <usize>max(O, K) * <usize>J << 2;
  return 64 * 16 + tables + pad + packs + product;
}

/** kOff[(c, ki, kj)] = c·Hp·Wp + ki·Wp + kj. */
function fillKernelOffsets(table: usize): void {
  let at = table;
  for (let c = 0; c < C; c++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
    store<i32>(at, (c * HP + ki) * WP + kj);
    at += 4;
  }
}

/** jOff[(g, oi, oj)] = g·C·Hp·Wp + oi·sh·Wp + oj·sw for g < G. */
function fillPixelOffsets(table: usize): void {
  let at = table;
  for (let g = 0; g < G; g++) for (let oi = 0; oi < HO; oi++) for (let oj = 0; oj < WO; oj++) {
    store<i32>(at, g * C * HP * WP + oi * SH * WP + oj * SW);
    at += 4;
  }
}

/** yOff[(g, q)] = g·O·P + q: column (g, q) of the [O, G·P] view of a group of [O, P] images. */
function fillGroupOffsets(table: usize): void {
  let at = table;
  for (let g = 0; g < G; g++) for (let q = 0; q < P; q++) {
    store<i32>(at, g * O * P + q);
    at += 4;
  }
}

/** dst[i] = src[i] for i < len, four lanes at a time (rows of an image: inline, not a memory.copy call). */
@inline function copyRun(dst: usize, src: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, v128.load(src + at));
  }
  for (; i < len; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, load<f32>(src + at));
  }
}

/**
 * Copies `count` images [C, H, W] at `src` into the interiors of the padded [count, C, Hp, Wp] at
 * `dst`, whose borders the caller zeroed once (nothing else writes there).
 */
function padImages(src: usize, count: i32, dst: usize): void {
  let from = src;
  for (let plane = 0; plane < count * C; plane++) {
    let to = dst + (((<usize>plane * <usize>HP + <usize>PH) * <usize>WP + <usize>PW) << 2);
    for (let i = 0; i < H; i++) {
      copyRun(to, from, W);
      from += <usize>W << 2;
      to += <usize>WP << 2;
    }
  }
}

/** Copies the interior of `count` padded images at `src` to [count, C, H, W] at `dst`. */
function unpadImages(src: usize, count: i32, dst: usize): void {
  let to = dst;
  for (let plane = 0; plane < count * C; plane++) {
    let from = src + (((<usize>plane * <usize>HP + <usize>PH) * <usize>WP + <usize>PW) << 2);
    for (let i = 0; i < H; i++) {
      copyRun(to, from, W);
      from += <usize>WP << 2;
      to += <usize>W << 2;
    }
  }
}

/** out[g, o, q] = product[o, (g, q)]: the [O, count·P] product of a group back into `count` images [O, P]. */
function scatterImages(product: usize, count: i32, out: usize): void {
  for (let g = 0; g < count; g++) for (let o = 0; o < O; o++) {
    copyRun(out + ((<usize>g * <usize>O + <usize>o) * <usize>P << 2), product + ((<usize>o * <usize>(count * P) + <usize>(g * P)) << 2), P);
  }
}

/** conv2d: out [N, O, Ho, Wo] = W ⊛ x for the groups this thread claims (a group of one image is written straight into out). */
export function conv2dJob(job: usize): void {
  readGeometry(job);
  const n = field(job, F.N), counter = <usize>field(job, F.Counter);
  const x = <usize>field(job, F.In), out = <usize>field(job, F.Out);
  scratchFrom(<usize>field(job, F.Scratch));
  const tmp = take(128), kOff = take(<usize>K << 2), jOff = take(<usize>(G * P) << 2);
  const rowOff = take(<usize>O << 2), colOff = take(<usize>K << 2);
  const ap = take(packedABytes(O, K)), padded = take(<usize>G * <usize>C * <usize>HP * <usize>WP << 2);
  const bp = take(packedBBytes(K, G * P)), product = take(<usize>O * <usize>(G * P) << 2);
  fillKernelOffsets(kOff);
  fillPixelOffsets(jOff);
  fillArithmetic(rowOff, O, K);
  fillArithmetic(colOff, K, 1);
  packA(<usize>field(job, F.Weight), rowOff, colOff, O, K, ap);
  memory.fill(padded, 0, <usize>G * <usize>C * <usize>HP * <usize>WP << 2);
  for (let g0 = claim(counter) * G; g0 < n; g0 = claim(counter) * G) {
    const count = min(G, n - g0), J = count * P;
    padImages(x + (<usize>g0 * <usize>C * <usize>H * <usize>W << 2), count, padded);
    packB(padded, kOff, jOff, K, J, bp);
    const outGroup = out + (<usize>g0 * <usize>O * <usize>P << 2);
    if (G == 1) gemmPacked(ap, bp, O, J, K, outGroup, J, tmp, false);
    else {
      gemmPacked(ap, bp, O, J, K, product, J, tmp, false);
      scatterImages(product, count, outGroup);
    }
  }
}

/** rowOff[(c, ki)] = (c·Hp + ki)·Wp: where row (c, ki) of a receptive field starts in a padded image. */
function fillRowOffsets(table: usize): void {
  let at = table;
  for (let c = 0; c < C; c++) for (let ki = 0; ki < KH; ki++) {
    store<i32>(at, (c * HP + ki) * WP);
    at += 4;
  }
}

/**
 * col2im: padded[jOff[j] + rowOff[(c, ki)] + kj] += product[j, (c, ki, kj)] for the [J, K] product;
 * the kw entries of a row land on adjacent columns (one vector add when kw = 4).
 */
function col2imRows(product: usize, J: i32, jOff: usize, rowOff: usize, padded: usize): void {
  const runs = C * KH;
  let src = product;
  for (let j = 0; j < J; j++) {
    const base = padded + (<usize>load<i32>(jOff + (<usize>j << 2)) << 2);
    if (KW == 4) {
      for (let r = 0; r < runs; r++) {
        const dst = base + (<usize>load<i32>(rowOff + (<usize>r << 2)) << 2);
        v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
        src += 16;
      }
    } else {
      for (let r = 0; r < runs; r++) {
        addRun(base + (<usize>load<i32>(rowOff + (<usize>r << 2)) << 2), src, KW);
        src += <usize>KW << 2;
      }
    }
  }
}

/** dst[i] += src[i] for i < len, four lanes at a time. */
@inline function addRun(dst: usize, src: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
  for (; i < len; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, load<f32>(dst + at) + load<f32>(src + at));
  }
}

/**
 * conv2dTranspose: out [N, C, H, W] = col2im(y_gᵀ · W) for the groups this thread claims, as the [J, K]
 * product y_gᵀ [J, O] · W [O, K] so that each output pixel's kh·kw·C contributions come out as
 * rows whose kw entries land on adjacent output columns.
 */
export function conv2dTransposeJob(job: usize): void {
  readGeometry(job);
  const n = field(job, F.N), counter = <usize>field(job, F.Counter);
  const y = <usize>field(job, F.In), out = <usize>field(job, F.Out);
  scratchFrom(<usize>field(job, F.Scratch));
  const tmp = take(128), jOff = take(<usize>(G * P) << 2), yOff = take(<usize>(G * P) << 2);
  const rowOffW = take(<usize>O << 2), colOffW = take(<usize>K << 2), colOffY = take(<usize>O << 2);
  const rowOff = take(<usize>(C * KH) << 2);
  const bp = take(packedBBytes(O, K)), ap = take(packedABytes(G * P, O));
  const product = take(<usize>K * <usize>(G * P) << 2), padded = take(<usize>G * <usize>C * <usize>HP * <usize>WP << 2);
  fillPixelOffsets(jOff);
  fillGroupOffsets(yOff);
  fillRowOffsets(rowOff);
  fillArithmetic(rowOffW, O, K);
  fillArithmetic(colOffW, K, 1);
  fillArithmetic(colOffY, O, P);
  packB(<usize>field(job, F.Weight), rowOffW, colOffW, O, K, bp);
  for (let g0 = claim(counter) * G; g0 < n; g0 = claim(counter) * G) {
    const count = min(G, n - g0), J = count * P;
    packA(y + (<usize>g0 * <usize>O * <usize>P << 2), yOff, colOffY, J, O, ap);
    gemmPacked(ap, bp, J, K, O, product, K, tmp, false);
    memory.fill(padded, 0, <usize>count * <usize>C * <usize>HP * <usize>WP << 2);
    col2imRows(product, J, jOff, rowOff, padded);
    unpadImages(padded, count, out + (<usize>g0 * <usize>C * <usize>H * <usize>W << 2));
  }
}

/** conv2dWeightGrad: out [O, K] = Σₙ dy[n] · cols(x[n])ᵀ over the groups this thread claims (out is overwritten). */
export function conv2dWeightGradJob(job: usize): void {
  readGeometry(job);
  const n = field(job, F.N), counter = <usize>field(job, F.Counter);
  const x = <usize>field(job, F.In), dy = <usize>field(job, F.Dy), out = <usize>field(job, F.Out);
  scratchFrom(<usize>field(job, F.Scratch));
  const tmp = take(128), kOff = take(<usize>K << 2), jOff = take(<usize>(G * P) << 2);
  const yOff = take(<usize>(G * P) << 2), rowOffY = take(<usize>O << 2);
  const ap = take(packedABytes(O, G * P)), bp = take(packedBBytes(G * P, K));
  const padded = take(<usize>G * <usize>C * <usize>HP * <usize>WP << 2);
  fillKernelOffsets(kOff);
  fillPixelOffsets(jOff);
  fillGroupOffsets(yOff);
  fillArithmetic(rowOffY, O, P);
  memory.fill(out, 0, <usize>O * <usize>K << 2);
  memory.fill(padded, 0, <usize>G * <usize>C * <usize>HP * <usize>WP << 2);
  for (let g0 = claim(counter) * G; g0 < n; g0 = claim(counter) * G) {
    const count = min(G, n - g0), J = count * P;
    padImages(x + (<usize>g0 * <usize>C * <usize>H * <usize>W << 2), count, padded);
    packA(dy + (<usize>g0 * <usize>O * <usize>P << 2), rowOffY, yOff, O, J, ap);
    packB(padded, jOff, kOff, J, K, bp);
    gemmPacked(ap, bp, O, K, J, out, K, tmp, true);
  }
}
