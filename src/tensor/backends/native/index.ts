/**
 * The `native` backend: the hot kernels in C++17 (a Node addon, `native/`), for float32 and
 * float64, reading and writing the typed arrays in place (no copies into a wasm heap). It runs
 * matmul (a blocked, packed GEMM with an AVX-512 / AVX2 FMA register tile, batches or column strips
 * spread over a small persistent thread pool), conv2d / conv2dTranspose / conv2dWeightGrad
 * (im2col / col2im around that GEMM, over groups of images), the element-wise maps (binary ones
 * with any broadcast that collapses to 3 dimensions), clamp, the sum reduction, `sumToShape`,
 * `productSumToShape`, `rowDot` and the optional fused kernels `interval` (IBP's interval steps,
 * src/autograd/ops/interval.ts), `reluGrad`, `adam` and `relaxStep` (CROWN's element-wise step,
 * src/relax/bounds/relax-step.ts) (each the same bits as what it replaces);
 * every other kernel (and every call below the size thresholds) goes to the `wasm` backend when
 * its module is built, else to `js`.
 * Element-wise results equal js bit for bit (exp and log: computed in double, rounded once);
 * products and sums use fused multiply-adds and their own summation order, so they agree with js
 * to rounding (float32 ~1e-6 relative), not bit for bit. Threads: `RELAXJS_THREADS`, as `wasm`.
 * @module
 */
import type { IntervalRowsSpec } from '../../backend.js';
import { platform } from '../../../platform/index.js';
import type { AdamScalars, Backend, BiasLayout, BinaryOp, Conv2dSpec, IntervalKernel, MatmulSpec, ReduceOp, RelaxStepSpec, RowDotSpec, RowMap, StepLines, UnaryOp } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { sizeOf, splitAt, type Shape } from '../../shape.js';
import { jsBackend } from '../js/index.js';
import { binaryCodes, broadcastPlan, sumToShapePlan } from '../wasm/elementwise.js';
import { defaultThreads, wasmBackend } from '../wasm/index.js';
import { loadNativeAddon, nativeAddonProblem, type NativeAddon } from './addon.js';

/** Tuning of a `native` backend instance. */
export interface NativeBackendOptions {
  /** Threads in all, the caller included (default `RELAXJS_THREADS`, else the hardware threads). */
  threads?: number;
  /** Element-wise calls and sums on fewer elements go to the fallback (default 512). */
  minElements?: number;
  /** Products and convolutions with fewer multiply-adds go to the fallback (default 2048). */
  minWork?: number;
  /** Products and convolutions with fewer multiply-adds stay on one thread (default 2^18). */
  parallelMinWork?: number;
  /** Kernels the addon does not run (default: `wasm` when its module is built, else `js`). */
  fallback?: Backend;
}

/** Addon codes of the unary ops (native/elementwise.h). */
const unaryCodes: Record<UnaryOp, number> = {
  neg: 0, abs: 1, relu: 2, square: 3, sqrt: 4, sign: 5, step: 6, reciprocal: 7, exp: 8, log: 9,
};
/** Addon codes of the row maps. */
const rowMapCodes: Record<RowMap, number> = { identity: 0, relu: 1, abs: 2, square: 3 };
/** Addon codes of the interval kernels (native/interval.h). */
const intervalCodes: Record<IntervalKernel, number> = { centre: 0, shift: 1, split: 2, centreGrad: 3, signFold: 5 };

/** Whether the addon is built and loads here; {@link nativeUnavailableReason} says why not. */
export function nativeBackendAvailable(): boolean {
  return loadNativeAddon() !== null;
}

/** Why the `native` backend is unavailable ('' when it is available). */
export function nativeUnavailableReason(): string {
  return nativeAddonProblem();
}

/** The 13 numbers of a Conv2dSpec in the addon's order. */
const geometry = (s: Conv2dSpec): number[] => [s.batch, s.inChannels, s.outChannels, s.inHeight, s.inWidth, s.kernelHeight,
  s.kernelWidth, s.stride[0], s.stride[1], s.padding[0], s.padding[1], s.outHeight, s.outWidth];

/** B, B0, R, n and the layout bits of a relaxStep (bit 2i: line i's batch is B; bit 2i + 1: its rows are R). */
const stepGeometry = (s: RelaxStepSpec): [number, number, number, number, number] =>
  [s.B, s.B0, s.R, s.n, s.layouts.reduce((bits, [b, r], i) => bits | (b !== 1 ? 1 << (2 * i) : 0) | (r !== 1 ? 2 << (2 * i) : 0), 0)];

const convWork = (s: Conv2dSpec): number => s.batch * s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth * s.outHeight * s.outWidth;

/**
 * A `native` backend.
 * @throws Error with the reason when the addon is not built or does not load.
 */
export function createNativeBackend(options: NativeBackendOptions = {}): Backend {
  const loaded = loadNativeAddon();
  if (!loaded) throw new Error(`backend 'native' is unavailable: ${nativeAddonProblem()}`);
  const addon = withThreads(loaded, options.threads ?? defaultThreads());
  // Fresh outputs reuse freed memory instead of new pages (see native/addon.cc; process-wide).
  loaded.keepFreedMemory();
  const fallback = options.fallback ?? (platform().wasmKernelsAvailable() ? wasmBackend : jsBackend);
  const minElements = options.minElements ?? 512, minWork = options.minWork ?? 2048;
  const parallelMinWork = options.parallelMinWork ?? 1 << 18;
  /** Whether every array is of x's dtype and x is large enough for a call into the addon. */
  const big = (x: TypedArray, ...others: (TypedArray | null)[]): boolean =>
    x.length >= minElements && others.every((o) => o === null || o.constructor === x.constructor);
  return {
    ...fallback,
    name: 'native',
    unary: (op: UnaryOp, x: TypedArray) => (big(x) ? into(x.length, x, (out) => addon.unary(unaryCodes[op], x, out)) : fallback.unary(op, x)),
    clamp: (x: TypedArray, lo: number, hi: number) => (big(x) ? into(x.length, x, (out) => addon.clamp(x, out, lo, hi)) : fallback.clamp(x, lo, hi)),
    binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray {
      const n = sizeOf(outShape);
      const plan = n >= minElements && a.constructor === b.constructor ? broadcastPlan(aShape, bShape, outShape) : null;
      if (plan === null) return fallback.binary(op, a, aShape, b, bShape, outShape);
      const { dims: [d0, d1, d2], aStrides: [as0, as1], bStrides: [bs0, bs1], mode } = plan;
      return into(n, a, (out) => addon.binary(binaryCodes[op], a, b, out, d0, d1, d2, mode, as0, as1, bs0, bs1));
    },
    reduce(op: ReduceOp, x: TypedArray, shape: Shape, axis: number): TypedArray {
      if (op !== 'sum' || !big(x)) return fallback.reduce(op, x, shape, axis);
      const { outer, size, inner } = splitAt(shape, axis);
      return into(outer * inner, x, (out) => addon.sum(0, x, out, outer, size, inner));
    },
    sumToShape(x: TypedArray, shape: Shape, target: Shape): TypedArray {
      const plan = big(x) ? sumToShapePlan(shape, target) : null;
      if (plan === null) return fallback.sumToShape(x, shape, target);
      const { kind, outer, size, inner } = plan;
      return into(kind === 'axis' ? outer * inner : size, x, (out) => addon.sum(kind === 'axis' ? 0 : 1, x, out, outer, size, inner));
    },
    productSumToShape(a: TypedArray, b: TypedArray, shape: Shape, target: Shape): TypedArray {
      const plan = big(a, b) ? sumToShapePlan(shape, target) : null;
      if (plan === null || plan.kind !== 'axis') return jsBackend.productSumToShape!(a, b, shape, target);
      return into(plan.outer * plan.inner, a, (out) => addon.productSum(a, b, out, plan.outer, plan.size, plan.inner));
    },
    rowDot(x: TypedArray, w: TypedArray | null, spec: RowDotSpec, map: RowMap): TypedArray {
      const { batch, groups, rows, length, xShared, wShared } = spec;
      if (!big(x, w)) return fallback.rowDot ? fallback.rowDot(x, w, spec, map) : jsBackend.rowDot!(x, w, spec, map);
      return into(batch * groups * rows, x, (out) => addon.rowDot(rowMapCodes[map], x, w, out, batch, groups, rows, length, xShared ? 1 : 0, wShared ? 1 : 0));
    },
    matmul(a: TypedArray, b: TypedArray, s: MatmulSpec): TypedArray {
      if (s.batch * s.m * s.n * s.k < minWork || a.constructor !== b.constructor) return fallback.matmul(a, b, s);
      return into(s.batch * s.m * s.n, a, (out) => addon.matmul(a, b, out, s.batch, s.m, s.n, s.k, s.transA ? 1 : 0, s.transB ? 1 : 0,
        s.aBatchStride, s.bBatchStride, parallelMinWork));
    },
    interval(kernel: IntervalKernel, a: TypedArray, b: TypedArray, c: TypedArray | null, d: TypedArray | null, bias?: BiasLayout, inPlace = false): [TypedArray, TypedArray] {
      const code = intervalCodes[kernel], inner = bias?.inner ?? 1, channels = bias?.channels ?? 1;
      if (inPlace) {
        addon.interval(code, a, b, c, d, a, kernel === 'signFold' ? a : b, inner, channels);
        return kernel === 'signFold' ? [a, a] : [a, b];
      }
      const second = kernel === 'signFold' ? null : into(a.length, a, () => undefined);
      const first = into(a.length, a, (out) => addon.interval(code, a, b, c, d, out, second ?? out, inner, channels));
      return [first, second ?? first];
    },
    reluGrad(g: TypedArray, x: TypedArray): TypedArray {
      if (g.constructor !== x.constructor || g.length !== x.length) throw new Error('reluGrad: g and x must have one dtype and length');
      return into(g.length, g, (out) => addon.interval(4, g, x, null, null, out, out, 1, 1));
    },
    adam(x: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, s: AdamScalars): void {
      addon.adam(x, g, m, v, s.b1, s.b2, s.stepSize, s.sqrtCorrection2, s.eps);
    },
    intervalRows(A: TypedArray, m: TypedArray, r: TypedArray, s: IntervalRowsSpec): TypedArray {
      return into(s.batch * s.rows, A, (out) => addon.intervalRows(0, A, m, r, null, out, null, null, s.batch, s.rows, s.length));
    },
    intervalRowsGrad(A: TypedArray, m: TypedArray, r: TypedArray, g: TypedArray, s: IntervalRowsSpec): [TypedArray, TypedArray, TypedArray] {
      const gm = into(s.batch * s.length, A, () => undefined), gr = into(s.batch * s.length, A, () => undefined);
      return [into(A.length, A, (gA) => addon.intervalRows(1, A, m, r, g, gA, gm, gr, s.batch, s.rows, s.length)), gm, gr];
    },
    relaxStep(lambda: TypedArray, lines: StepLines, spec: RelaxStepSpec): [TypedArray, TypedArray] {
      const rows = into(spec.B * spec.R * spec.n, lambda, () => undefined);
      const constant = into(spec.B * spec.R, lambda, (c) => addon.relaxStep(0, lambda, ...lines, null, null, rows, c, null, null, null, ...stepGeometry(spec)));
      return [rows, constant];
    },
    relaxStepGrad(lambda: TypedArray, lines: StepLines, gRows: TypedArray | null, gConst: TypedArray | null, wanted: readonly boolean[], spec: RelaxStepSpec): (TypedArray | null)[] {
      const lengths = [spec.B0 * spec.R * spec.n, ...spec.layouts.map(([b, r]) => b * r * spec.n)];
      const outs = lengths.map((length, i) => (wanted[i] ? into(length, lambda, () => undefined) : null));
      addon.relaxStep(1, lambda, ...lines, gRows, gConst, outs[0] ?? null, outs[1] ?? null, outs[2] ?? null, outs[3] ?? null, outs[4] ?? null, ...stepGeometry(spec));
      return outs;
    },
    conv2d: (x: TypedArray, w: TypedArray, s: Conv2dSpec) => conv(addon, 0, x, w, s, s.batch * s.outChannels * s.outHeight * s.outWidth),
    conv2dTranspose: (y: TypedArray, w: TypedArray, s: Conv2dSpec) => conv(addon, 1, y, w, s, s.batch * s.inChannels * s.inHeight * s.inWidth),
    conv2dWeightGrad: (x: TypedArray, dy: TypedArray, s: Conv2dSpec) => conv(addon, 2, x, dy, s, s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth),
  } satisfies Backend;

  /** One of the three convolutions, or the fallback's when small or of mixed dtypes. */
  function conv(native: NativeAddon, kind: 0 | 1 | 2, x: TypedArray, w: TypedArray, s: Conv2dSpec, outLength: number): TypedArray {
    // (Few output channels, mnist_model's first layer O = 16, went to wasm until the weight
    // gradient packed dy with one division per pixel and split narrow kernels by pixel ranges.)
    if (convWork(s) < minWork || x.constructor !== w.constructor) {
      if (kind === 0) return fallback.conv2d(x, w, s);
      return kind === 1 ? fallback.conv2dTranspose(x, w, s) : fallback.conv2dWeightGrad(x, w, s);
    }
    return into(outLength, x, (out) => native.conv(kind, x, w, out, parallelMinWork, ...geometry(s)));
  }
}

/** The pool's size now (the addon has one pool; instances with other thread counts resize it on their next call). */
let poolThreads = 0;

/** `addon` with each kernel preceded by resizing the pool to `threads` when another instance changed it. */
function withThreads(addon: NativeAddon, threads: number): NativeAddon {
  const ready = (): void => {
    if (poolThreads !== threads) poolThreads = addon.setThreads(threads);
  };
  ready();
  return {
    ...addon,
    matmul: (...args) => (ready(), addon.matmul(...args)),
    conv: (...args) => (ready(), addon.conv(...args)),
    unary: (...args) => (ready(), addon.unary(...args)),
    clamp: (...args) => (ready(), addon.clamp(...args)),
    binary: (...args) => (ready(), addon.binary(...args)),
    sum: (...args) => (ready(), addon.sum(...args)),
    productSum: (...args) => (ready(), addon.productSum(...args)),
    rowDot: (...args) => (ready(), addon.rowDot(...args)),
    interval: (...args) => (ready(), addon.interval(...args)),
    adam: (...args) => (ready(), addon.adam(...args)),
    intervalRows: (...args) => addon.intervalRows(...args), // one thread: no pool resize needed
    relaxStep: (...args) => (ready(), addon.relaxStep(...args)),
  };
}

/** Node's `Buffer.allocUnsafeSlow`: memory that is not zeroed first. */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer?.allocUnsafeSlow;

/**
 * A new array of x's dtype and `length`, filled by `fill`. Its memory is not zeroed first (the
 * memset was ~7 % of a training step): the addon writes every element of each output, or throws
 * before the array is returned. (Memory outside V8's accounting, an external ArrayBuffer with a
 * finalizer, was tried against the full collections that the step's ~64 MB of short-lived arrays
 * trigger: 5x slower.)
 */
function into(length: number, like: TypedArray, fill: (out: TypedArray) => void): TypedArray {
  const dtype = dtypeOf(like);
  let out: TypedArray;
  if (allocUnsafe && length > 0) {
    const bytes = allocUnsafe(length * (dtype === 'float32' ? 4 : 8));
    out = dtype === 'float32' ? new Float32Array(bytes.buffer, bytes.byteOffset, length) : new Float64Array(bytes.buffer, bytes.byteOffset, length);
  } else out = allocate(dtype, length);
  fill(out);
  return out;
}

let instance: Backend | null = null;

/** The `native` backend with default tuning (what `RELAXJS_BACKEND=native` selects), created on first use. */
export function nativeBackend(): Backend {
  return (instance ??= createNativeBackend());
}
