/**
 * The `wasm` backend: float32 kernels in WebAssembly SIMD128 (source in `assembly/`, built by
 * `npm install`), with matrix products and convolutions split over worker threads that share
 * one `WebAssembly.Memory`. It implements the hot kernels — matmul (register-tiled 4×8 sgemm on
 * packed panels), conv2d / conv2dTranspose / conv2dWeightGrad (im2col / col2im around that sgemm),
 * the big element-wise maps (binary ones with any broadcast that collapses to 3 dimensions), the
 * sum reduction, `sumToShape` (the adjoint of broadcasting) when it collapses to a sum over one
 * middle or both end blocks, the median along an axis (of x or |x|) and the fused row reduction
 * `rowDot` (Σ map(x)·w along the last axis: the ε‖g‖₁ and Σ ℓ[g]₊ terms) — and hands everything else, and every
 * float64 input, to the `js` backend, so float64 results stay exactly the reference ones.
 * Threads: `RELAXJS_THREADS`, default `os.availableParallelism()`. The product tile uses a fused
 * multiply-add (the relaxed-SIMD build, `build/wasm/relaxjs-kernels-fma.wasm`) where the engine takes
 * it, else the plain SIMD128 build; `RELAXJS_WASM_FMA=0` forces the plain one (see runtime.ts).
 * @module
 */
import { platform } from '../../../platform/index.js';
import type { Backend, BinaryOp, Conv2dSpec, MatmulSpec, MedianResult, ReduceOp, RowDotSpec, RowMap, UnaryOp } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { sizeOf, splitAt, type Shape } from '../../shape.js';
import { jsBackend } from '../js/index.js';
import { rowDot as jsRowDot } from '../js/row-dot.js';
import { convSupported, convWork, wasmConv2d, wasmConv2dTranspose, wasmConv2dWeightGrad } from './conv.js';
import {
  binaryCodes, broadcastPlan, sumToShapePlan, unaryCodes, wasmBinary, wasmClamp, wasmProductSumAxis, wasmRowDot, wasmSumAxis,
  wasmSumToShape, wasmUnary,
} from './elementwise.js';
import { wasmMatmul } from './matmul.js';
import { wasmMedian } from './median.js';
import { WasmOutOfMemory, WasmRuntime } from './runtime.js';
import { MAX_THREADS, parseThreads } from './threads.js';

/** Tuning of a `wasm` backend instance. */
export interface WasmBackendOptions {
  /** Threads in all, the main one included (default `RELAXJS_THREADS`, else `os.availableParallelism()`). */
  threads?: number;
  /** Element-wise calls and reductions on fewer elements run on js (default 4096). */
  minElements?: number;
  /** Products and convolutions with fewer multiply-adds run on js (default 4096). */
  minWork?: number;
  /** Products and convolutions with fewer multiply-adds stay on one thread (default 2^21). */
  parallelMinWork?: number;
  /** A runtime already started (what `initWasm()` passes after waiting for its threads); default: created on first use. */
  runtime?: WasmRuntime;
}

/**
 * `RELAXJS_THREADS` when set (and not empty), else the host's hardware threads (at most {@link MAX_THREADS}).
 * @throws RangeError naming `RELAXJS_THREADS` when it is not a whole number from 1 to {@link MAX_THREADS}.
 */
export function defaultThreads(): number {
  const fromEnv = platform().env('RELAXJS_THREADS');
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseThreads(fromEnv, 'RELAXJS_THREADS');
  return Math.max(1, Math.min(MAX_THREADS, platform().hardwareThreads()));
}

const isF32 = (x: TypedArray): x is Float32Array => x instanceof Float32Array;

/** Broadcasts whose collapsed inner rows are shorter stay on js (a call per row would cost more than the row). */
const MIN_BROADCAST_ROW = 8;

/** A `wasm` backend; its module, memory and workers are created on the first kernel that needs them. */
export function createWasmBackend(options: WasmBackendOptions = {}): Backend {
  const minElements = options.minElements ?? 4096;
  const minWork = options.minWork ?? 4096;
  const parallelMinWork = options.parallelMinWork ?? 1 << 21;
  let runtime: WasmRuntime | null = options.runtime ?? null;
  const rt = (): WasmRuntime => (runtime ??= new WasmRuntime(options.threads ?? defaultThreads()));
  /** Runs `fast` on the runtime, or `slow` (js) when the call needs more memory than wasm32 has. */
  const orJs = <T>(fast: (r: WasmRuntime) => T, slow: () => T): T => {
    try {
      return fast(rt());
    } catch (error) {
      if (error instanceof WasmOutOfMemory) return slow();
      throw error;
    }
  };
  const backend: Backend = {
    ...jsBackend,
    name: 'wasm',
    unary(op: UnaryOp, x: TypedArray): TypedArray {
      const code = unaryCodes[op];
      if (code === undefined || !isF32(x) || x.length < minElements) return jsBackend.unary(op, x);
      return orJs((r) => wasmUnary(r, code, x), () => jsBackend.unary(op, x));
    },
    binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray {
      const n = sizeOf(outShape);
      const slow = (): TypedArray => jsBackend.binary(op, a, aShape, b, bShape, outShape);
      if (!isF32(a) || !isF32(b) || n < minElements || n === 0) return slow();
      const plan = broadcastPlan(aShape, bShape, outShape);
      if (plan === null || (plan.dims[2] < MIN_BROADCAST_ROW && plan.dims[0] * plan.dims[1] > 1)) return slow();
      return orJs((r) => wasmBinary(r, binaryCodes[op], a, b, plan), slow);
    },
    clamp(x: TypedArray, lo: number, hi: number): TypedArray {
      if (!isF32(x) || x.length < minElements) return jsBackend.clamp(x, lo, hi);
      return orJs((r) => wasmClamp(r, x, lo, hi), () => jsBackend.clamp(x, lo, hi));
    },
    reduce(op: ReduceOp, x: TypedArray, shape: Shape, axis: number): TypedArray {
      if (op !== 'sum' || !isF32(x) || x.length < minElements) return jsBackend.reduce(op, x, shape, axis);
      const { outer, size, inner } = splitAt(shape, axis);
      return orJs((r) => wasmSumAxis(r, x, outer, size, inner), () => jsBackend.reduce(op, x, shape, axis));
    },
    sumToShape(x: TypedArray, shape: Shape, target: Shape): TypedArray {
      const slow = (): TypedArray => jsBackend.sumToShape(x, shape, target);
      if (!isF32(x) || x.length < minElements || x.length === 0) return slow();
      const plan = sumToShapePlan(shape, target);
      if (plan === null) return slow();
      return orJs((r) => wasmSumToShape(r, x, plan), slow);
    },
    productSumToShape(a: TypedArray, b: TypedArray, shape: Shape, target: Shape): TypedArray {
      const composite = (): TypedArray => backend.sumToShape(backend.binary('mul', a, shape, b, shape, shape), shape, target);
      if (!isF32(a) || !isF32(b) || a.length < minElements) return composite();
      const plan = sumToShapePlan(shape, target);
      if (plan === null || plan.kind !== 'axis' || plan.inner < 4) return composite();
      return orJs((r) => wasmProductSumAxis(r, a, b, plan.outer, plan.size, plan.inner), composite);
    },
    median(x: TypedArray, shape: Shape, axis: number, absolute = false): MedianResult {
      const slow = (): MedianResult => jsBackend.median(x, shape, axis, absolute);
      const { outer, size, inner } = splitAt(shape, axis);
      if (!isF32(x) || x.length < minElements || size === 0) return slow();
      return orJs((r) => wasmMedian(r, x, outer, size, inner, absolute, parallelMinWork), slow);
    },
    rowDot(x: TypedArray, w: TypedArray | null, spec: RowDotSpec, map: RowMap): TypedArray {
      const slow = (): TypedArray => jsRowDot(x, w, spec, map);
      if (!isF32(x) || (w !== null && !isF32(w)) || x.length < minElements) return slow();
      return orJs((r) => wasmRowDot(r, x, w, spec, map), slow);
    },
    matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
      const work = spec.batch * spec.m * spec.n * spec.k;
      if (!isF32(a) || !isF32(b) || work === 0 || work < minWork) return jsBackend.matmul(a, b, spec);
      return orJs((r) => wasmMatmul(r, a, b, spec, parallelMinWork), () => jsBackend.matmul(a, b, spec));
    },
    conv2d(x: TypedArray, weight: TypedArray, spec: Conv2dSpec): TypedArray {
      if (!isF32(x) || !isF32(weight) || !convSupported(spec) || convWork(spec) < minWork) return jsBackend.conv2d(x, weight, spec);
      return orJs((r) => wasmConv2d(r, x, weight, spec, parallelMinWork), () => jsBackend.conv2d(x, weight, spec));
    },
    conv2dTranspose(y: TypedArray, weight: TypedArray, spec: Conv2dSpec): TypedArray {
      const slow = (): TypedArray => jsBackend.conv2dTranspose(y, weight, spec);
      if (!isF32(y) || !isF32(weight) || !convSupported(spec) || convWork(spec) < minWork) return slow();
      return orJs((r) => wasmConv2dTranspose(r, y, weight, spec, parallelMinWork), slow);
    },
    conv2dWeightGrad(x: TypedArray, dy: TypedArray, spec: Conv2dSpec): TypedArray {
      const slow = (): TypedArray => jsBackend.conv2dWeightGrad(x, dy, spec);
      if (!isF32(x) || !isF32(dy) || !convSupported(spec) || convWork(spec) < minWork) return slow();
      return orJs((r) => wasmConv2dWeightGrad(r, x, dy, spec, parallelMinWork), slow);
    },
  };
  return backend;
}

/** The `wasm` backend with default tuning (what `RELAXJS_BACKEND=wasm` selects). */
export const wasmBackend: Backend = createWasmBackend();
