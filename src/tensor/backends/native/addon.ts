/**
 * Loading the `native` backend's Node addon (C++17 sources in `native/`, built by `npm install`'s
 * `prepare` script into `native/build/Release/relaxjs_native.node`). The addon is optional: when
 * it is missing (no compiler at install time, a browser, another host) {@link loadNativeAddon}
 * returns null and {@link nativeAddonProblem} says why, and the registry refuses the backend with
 * that reason; nothing else changes.
 * @module
 */
import { isNode, nodeBuiltin } from '../../../platform/node-builtins.js';

/** The addon's entry points (see `native/addon.cc`); every kernel fills `out` in place. */
export interface NativeAddon {
  /** out `[batch, m, n]` = op(A) · op(B) per batch (flags 0/1; strides 0 broadcast). */
  matmul(a: Float32Array | Float64Array, b: Float32Array | Float64Array, out: Float32Array | Float64Array, batch: number, m: number,
    n: number, k: number, transA: number, transB: number, aStride: number, bStride: number, parallelMinWork: number): void;
  /** kind 0 conv2d(x, w), 1 conv2dTranspose(y, w), 2 conv2dWeightGrad(x, dy); then the 13 numbers of a Conv2dSpec. */
  conv(kind: number, x: Float32Array | Float64Array, w: Float32Array | Float64Array, out: Float32Array | Float64Array,
    parallelMinWork: number, ...geometry: number[]): void;
  unary(code: number, x: Float32Array | Float64Array, out: Float32Array | Float64Array): void;
  clamp(x: Float32Array | Float64Array, out: Float32Array | Float64Array, lo: number, hi: number): void;
  /** A broadcast collapsed to `[d0, d1, d2]` (see the wasm backend's `BroadcastPlan`). */
  binary(code: number, a: Float32Array | Float64Array, b: Float32Array | Float64Array, out: Float32Array | Float64Array, d0: number,
    d1: number, d2: number, mode: number, as0: number, as1: number, bs0: number, bs1: number): void;
  /** kind 0: x `[outer, size, inner]` → `[outer, inner]`; kind 1: → `[size]`. */
  sum(kind: number, x: Float32Array | Float64Array, out: Float32Array | Float64Array, outer: number, size: number, inner: number): void;
  productSum(a: Float32Array | Float64Array, b: Float32Array | Float64Array, out: Float32Array | Float64Array, outer: number,
    size: number, inner: number): void;
  rowDot(map: number, x: Float32Array | Float64Array, w: Float32Array | Float64Array | null, out: Float32Array | Float64Array,
    batch: number, groups: number, rows: number, length: number, xShared: number, wShared: number): void;
  /** code 0 centre, 1 shift, 2 split, 3 centreGrad (native/interval.h); out1, out2 of a's length. */
  interval(code: number, a: Float32Array | Float64Array, b: Float32Array | Float64Array, c: Float32Array | Float64Array | null,
    d: Float32Array | Float64Array | null, out1: Float32Array | Float64Array, out2: Float32Array | Float64Array, inner: number, channels: number): void;
  /** Adam in place on x, m, v. */
  adam(x: Float32Array | Float64Array, g: Float32Array | Float64Array, m: Float32Array | Float64Array, v: Float32Array | Float64Array,
    b1: number, b2: number, stepSize: number, sqrtCorrection2: number, eps: number): void;
  /**
   * kind 0: rows `o0` and constant `o1` of the element-wise step of back-substitution; kind 1: the
   * gradients of λ, a_l, a_u, b_l, b_u into o0..o4 (null: not wanted). layout: bit 2i when line i's
   * batch is B, bit 2i + 1 when its rows are R (native/relax-step.h).
   */
  relaxStep(kind: number, lambda: Float32Array | Float64Array, lowerSlope: Float32Array | Float64Array, upperSlope: Float32Array | Float64Array,
    lowerBias: Float32Array | Float64Array | null, upperBias: Float32Array | Float64Array | null, gRows: Float32Array | Float64Array | null,
    gConst: Float32Array | Float64Array | null, ...outsAndGeometry: StepOutsAndGeometry): void;
  /** backward 0: out1 `[B, K]` = A·m − |A|·r row by row; 1: out1 = g_A, out2 = g_m, out3 = g_r from g (native/interval.h). */
  intervalRows(backward: number, A: Float32Array | Float64Array, m: Float32Array | Float64Array, r: Float32Array | Float64Array,
    g: Float32Array | Float64Array | null, out1: Float32Array | Float64Array, out2: Float32Array | Float64Array | null,
    out3: Float32Array | Float64Array | null, batch: number, rows: number, length: number): void;
  /** Makes glibc keep freed blocks up to 32 MB for reuse (no page faults on every fresh output); false where not glibc. */
  keepFreedMemory(): boolean;
  /** Sets the thread pool's size (the caller included); returns it. */
  setThreads(threads: number): number;
  /** The vector instruction set the kernels were compiled for (`avx512`, `avx2`, ...). */
  isa(): string;
}

type MaybeArray = Float32Array | Float64Array | null;
/** The five outputs of {@link NativeAddon.relaxStep}, then B, B0, R, n and the layout bits. */
export type StepOutsAndGeometry = [MaybeArray, MaybeArray, MaybeArray, MaybeArray, MaybeArray, number, number, number, number, number];

/** Where `npm install` builds the addon, relative to this file (src/ or dist/: both sit one level under the root). */
const addonUrl = new URL('../../../../native/build/Release/relaxjs_native.node', import.meta.url);

let loaded: NativeAddon | null | undefined;
let problem = '';

/** The addon, or null when it cannot be loaded (then {@link nativeAddonProblem} says why). Loaded once. */
export function loadNativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!isNode()) problem = 'the native addon needs Node (not available in a browser)';
  else if (addonUrl.protocol !== 'file:') problem = `the native addon is not on disk here (${addonUrl.href})`;
  else {
    const file = nodeBuiltin('url').fileURLToPath(addonUrl);
    if (!nodeBuiltin('fs').existsSync(file)) problem = `the native addon is not built (${file} is missing; run npm run build:native, which needs g++, make and python3)`;
    else {
      try {
        loaded = nodeBuiltin('module').createRequire(import.meta.url)(file) as NativeAddon;
      } catch (error) {
        problem = `the native addon failed to load: ${(error as Error).message}`;
      }
    }
  }
  return loaded;
}

/** Why {@link loadNativeAddon} returned null ('' when it loaded). */
export function nativeAddonProblem(): string {
  loadNativeAddon();
  return problem;
}
