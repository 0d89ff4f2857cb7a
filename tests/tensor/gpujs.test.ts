/**
 * The `gpujs` backend against the `js` reference, kernel by kernel, on fast-check-chosen shapes:
 * gpu.js `webasm` mode with the default limits and with tiny limits (so that tiling, k-splitting
 * and host-side merging run on small tensors), and `cpu` mode for a subset. Sizes whose loops
 * exceed gpu.js's default `loopMaxIterations` (1000) check that loop bounds are constants.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BinaryOp, Conv2dSpec, MatmulSpec, UnaryOp } from '../../src/tensor/backend.js';
import { createGpujsBackend, gpujsModeFromEnv } from '../../src/tensor/backends/gpujs/index.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import { broadcastShapes, sizeOf } from '../../src/tensor/shape.js';
import {
  assertClose, availableBackends, compareWithJs, EXACT, F32_TOL, randomArray, randomIndices, type LabeledBackend, type Tolerance,
} from '../helpers/backends.js';
import { broadcastPairArb, shapeAndAxisArb, shapeArb } from '../helpers/shapes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const webasm = createGpujsBackend({ mode: 'webasm' });
const tiny = createGpujsBackend({ mode: 'webasm', limits: { maxElements: 64, maxLoop: 7 } });
const cpu = createGpujsBackend({ mode: 'cpu' });
const WASM: LabeledBackend[] = [{ label: 'gpujs/webasm', backend: webasm }, { label: 'gpujs/webasm (64-element tiles)', backend: tiny }];
const ALL: LabeledBackend[] = [...WASM, { label: 'gpujs/cpu', backend: cpu }];
/** Default limits only (one conv plane or median row must fit one tile). */
const FULL_TILES: LabeledBackend[] = [ALL[0]!, ALL[2]!];
const RUNS = (numRuns: number, seed: number) => ({ numRuns, seed });
/** Sums of k float32 products: rounding grows with k. */
const sumTol = (k: number): Tolerance => ({ rtol: 1e-5, atol: 2e-6 * Math.max(1, k) });

const UNARY: UnaryOp[] = ['neg', 'abs', 'relu', 'exp', 'log', 'sqrt', 'square', 'sign', 'step', 'reciprocal'];
const ARITH: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
const COMPARE: BinaryOp[] = ['gt', 'ge', 'lt', 'le', 'eq'];
const SPECIAL = Float32Array.from([NaN, -Infinity, Infinity, 0, -0, 1, -1, 0.5, -2.5, 3e-3, 80, -80]);

test('unary ops match js, special values included', () => {
  for (const op of UNARY) compareWithJs(`unary ${op} (special values)`, (b) => b.unary(op, SPECIAL), { backends: ALL });
  fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), (n, seed) => {
    const x = randomArray(n, seed, -3, 3);
    for (const op of UNARY) compareWithJs(`unary ${op} n=${n}`, (b) => b.unary(op, x), { backends: WASM });
  }), RUNS(6, 11));
});

test('binary ops broadcast like js (NaN and infinities included)', () => {
  fc.assert(fc.property(broadcastPairArb(4, 4), fc.integer(), ([aShape, bShape], seed) => {
    const outShape = broadcastShapes(aShape, bShape);
    const a = randomArray(sizeOf(aShape), seed);
    const b = randomArray(sizeOf(bShape), seed + 1);
    b.set(SPECIAL.subarray(0, Math.min(3, b.length)));
    a.fill(1, 0, Math.min(2, a.length));
    for (const op of [...ARITH, ...COMPARE]) {
      compareWithJs(`binary ${op} [${aShape}]·[${bShape}]`, (k) => k.binary(op, a, aShape, b, bShape, outShape),
        { backends: op === 'add' || op === 'max' ? ALL : WASM, tol: COMPARE.includes(op) ? EXACT : F32_TOL });
    }
  }), RUNS(12, 12));
});

test('clamp (one- and two-sided) and where match js', () => {
  const x = Float32Array.from([...SPECIAL, ...randomArray(40, 3)]);
  for (const [lo, hi] of [[-1, 1], [-Infinity, 0.5], [0, Infinity], [-Infinity, Infinity]] as const) {
    compareWithJs(`clamp [${lo}, ${hi}]`, (b) => b.clamp(x, lo, hi), { backends: ALL, tol: EXACT });
  }
  const cond = Float32Array.from(x, (v, i) => (i % 3 === 0 ? 0 : v));
  const other = randomArray(x.length, 4);
  compareWithJs('where', (b) => b.where(cond, x, other), { backends: ALL, tol: EXACT });
});

test('float64 inputs are computed in float32 and come back as Float64Array', () => {
  const a = randomArray(50, 5, -2, 2, 'float64');
  const b = randomArray(50, 6, -2, 2, 'float64');
  const got = webasm.binary('mul', a, [5, 10], b, [5, 10], [5, 10]);
  assert.instance(got, Float64Array);
  assertClose(got, jsBackend.binary('mul', a, [5, 10], b, [5, 10], [5, 10]), { rtol: 2e-7, atol: 1e-7 }, 'float64 mul');
  const mixed = webasm.matmul(a, Float32Array.from(b), { batch: 1, m: 5, n: 5, k: 10, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 });
  assert.instance(mixed, Float64Array);
});

test('reduce and argReduce along every axis match js', () => {
  fc.assert(fc.property(shapeAndAxisArb(4, 5), fc.integer(), ({ shape, axis }, seed) => {
    const a = (axis + shape.length) % shape.length;
    const x = randomArray(sizeOf(shape), seed);
    const size = shape[a]!;
    for (const op of ['sum', 'max', 'min'] as const) {
      compareWithJs(`reduce ${op} [${shape}] axis ${a}`, (b) => b.reduce(op, x, shape, a), { backends: WASM, tol: sumTol(size) });
      if (op !== 'sum') compareWithJs(`arg${op} [${shape}] axis ${a}`, (b) => b.argReduce(op, x, shape, a), { backends: WASM, tol: EXACT });
    }
  }), RUNS(12, 13));
});

test('reductions with NaN and ties follow js (first position wins, NaN at 0 wins)', () => {
  const forward = [1, 3, 3, NaN, 2, 3, 0, 1, 1, 1, 1, NaN, NaN, 5, 5, 0, 9, 2, -1, 9, 9];
  for (const [x, shape] of [[forward, [21]], [forward, [3, 7]], [forward, [7, 3]], [[...forward].reverse(), [21]], [[NaN, ...forward.slice(1)], [21]]] as const) {
    for (let axis = 0; axis < shape.length; axis++) {
      for (const op of ['max', 'min'] as const) {
        const data = Float32Array.from(x);
        compareWithJs(`${op} [${x}] as [${shape}] axis ${axis}`, (b) => b.reduce(op, data, shape, axis), { backends: ALL, tol: EXACT });
        compareWithJs(`arg${op} [${x}] as [${shape}] axis ${axis}`, (b) => b.argReduce(op, data, shape, axis), { backends: ALL, tol: EXACT });
      }
    }
  }
});

test('reductions over 2000 elements are not cut at 1000 iterations', () => {
  const x = randomArray(3 * 2000, 14, 0, 1);
  x[3 * 2000 - 5] = 7;
  compareWithJs('sum over 2000', (b) => b.reduce('sum', x, [3, 2000], 1), { backends: ALL, tol: sumTol(2000) });
  compareWithJs('argmax over 2000', (b) => b.argReduce('max', x, [3, 2000], 1), { backends: ALL, tol: EXACT });
  compareWithJs('sum over 2000 (inner axis 3)', (b) => b.reduce('sum', x, [2000, 3], 0), { backends: WASM, tol: sumTol(2000) });
});

test('median matches js on tie-free rows, and picks a tied element of the right value otherwise', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 6), fc.integer(), ({ shape, axis }, seed) => {
    const a = (axis + shape.length) % shape.length;
    const x = randomArray(sizeOf(shape), seed);
    compareWithJs(`median [${shape}] axis ${a}`, (b) => b.median(x, shape, a), { backends: WASM, tol: EXACT });
    compareWithJs(`median of |x| [${shape}] axis ${a}`, (b) => b.median(x, shape, a, true), { backends: WASM, tol: EXACT });
  }), RUNS(10, 15));
  const ties = Float32Array.from({ length: 60 }, (_, i) => (i * 7) % 5);
  compareWithJs('median with ties', (b) => b.median(ties, [6, 10], 1), {
    backends: ALL,
    check: (got, want, label) => {
      const g = got as { values: Float32Array; indices: Int32Array };
      assertClose(g.values, (want as { values: Float32Array }).values, EXACT, label);
      g.indices.forEach((k, row) => assert.is(ties[row * 10 + k], g.values[row], `${label}: row ${row} position ${k}`));
    },
  });
  const long = randomArray(1500, 16);
  compareWithJs('median over 1500', (b) => b.median(long, [1500], 0), { backends: FULL_TILES, tol: EXACT });
  assert.throws(() => tiny.median(long, [1500], 0), /median over 1500 elements needs 1500 .* the limit is 64/);
});

test('sumToShape (the adjoint of broadcasting) matches js', () => {
  fc.assert(fc.property(broadcastPairArb(4, 4), fc.integer(), ([aShape, bShape], seed) => {
    const outShape = broadcastShapes(aShape, bShape);
    const x = randomArray(sizeOf(outShape), seed);
    for (const target of [aShape, bShape]) {
      compareWithJs(`sumToShape [${outShape}] → [${target}]`, (b) => b.sumToShape(x, outShape, target),
        { backends: WASM, tol: sumTol(sizeOf(outShape)) });
    }
  }), RUNS(12, 17));
  const big = randomArray(4 * 3 * 50, 18);
  compareWithJs('bias gradient [4,3,50] → [3,1]', (b) => b.sumToShape(big, [4, 3, 50], [3, 1]), { backends: ALL, tol: sumTol(200) });
});

/** Random matmul geometry: every transpose and broadcast combination. */
const matmulArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 9 }),
  transA: fc.boolean(), transB: fc.boolean(), shareA: fc.boolean(), shareB: fc.boolean(), seed: fc.integer(),
});

test('matmul with transposes and batch broadcasting matches js', () => {
  fc.assert(fc.property(matmulArb, ({ batch, m, n, k, transA, transB, shareA, shareB, seed }) => {
    const spec: MatmulSpec = { batch, m, n, k, transA, transB, aBatchStride: shareA ? 0 : m * k, bBatchStride: shareB ? 0 : k * n };
    const a = randomArray((shareA ? 1 : batch) * m * k, seed);
    const b = randomArray((shareB ? 1 : batch) * k * n, seed + 1);
    compareWithJs(`matmul ${JSON.stringify(spec)}`, (be) => be.matmul(a, b, spec), { backends: WASM, tol: sumTol(k) });
  }), RUNS(14, 19));
});

test('matmul with k = 1500 is not cut at 1000 iterations', () => {
  for (const transB of [false, true]) {
    const spec: MatmulSpec = { batch: 1, m: 3, n: 5, k: 1500, transA: false, transB, aBatchStride: 0, bBatchStride: 0 };
    const a = randomArray(3 * 1500, 20);
    const b = randomArray(1500 * 5, 21);
    compareWithJs(`matmul k=1500 transB=${transB}`, (be) => be.matmul(a, b, spec), { backends: ALL, tol: sumTol(1500) });
  }
});

/** Random convolution geometry with at least one output pixel. */
const convArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), inChannels: fc.integer({ min: 1, max: 3 }), outChannels: fc.integer({ min: 1, max: 3 }),
  inHeight: fc.integer({ min: 1, max: 6 }), inWidth: fc.integer({ min: 1, max: 6 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }), ph: fc.integer({ min: 0, max: 1 }), pw: fc.integer({ min: 0, max: 1 }), seed: fc.integer(),
}).map((r): Conv2dSpec & { seed: number } => {
  const kernelHeight = Math.min(r.kh, r.inHeight + 2 * r.ph);
  const kernelWidth = Math.min(r.kw, r.inWidth + 2 * r.pw);
  return {
    batch: r.batch, inChannels: r.inChannels, outChannels: r.outChannels, inHeight: r.inHeight, inWidth: r.inWidth,
    kernelHeight, kernelWidth, stride: [r.sh, r.sw], padding: [r.ph, r.pw], seed: r.seed,
    outHeight: Math.floor((r.inHeight + 2 * r.ph - kernelHeight) / r.sh) + 1,
    outWidth: Math.floor((r.inWidth + 2 * r.pw - kernelWidth) / r.sw) + 1,
  };
});

/** The three convolution kernels on one spec. */
function compareConvolutions(spec: Conv2dSpec, seed: number, backends: LabeledBackend[]): void {
  const { batch: N, inChannels: C, outChannels: O, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, outHeight: HO, outWidth: WO } = spec;
  const x = randomArray(N * C * H * W, seed);
  const w = randomArray(O * C * KH * KW, seed + 1);
  const y = randomArray(N * O * HO * WO, seed + 2);
  const label = JSON.stringify(spec);
  compareWithJs(`conv2d ${label}`, (b) => b.conv2d(x, w, spec), { backends, tol: sumTol(C * KH * KW) });
  compareWithJs(`conv2dTranspose ${label}`, (b) => b.conv2dTranspose(y, w, spec), { backends, tol: sumTol(O * KH * KW) });
  compareWithJs(`conv2dWeightGrad ${label}`, (b) => b.conv2dWeightGrad(x, y, spec), { backends, tol: sumTol(N * HO * WO) });
}

test('conv2d, its transpose and its weight gradient match js', () => {
  fc.assert(fc.property(convArb, ({ seed, ...spec }) => compareConvolutions(spec, seed, WASM)), RUNS(14, 23));
  const lenet: Conv2dSpec = {
    batch: 2, inChannels: 1, outChannels: 4, inHeight: 28, inWidth: 28, kernelHeight: 4, kernelWidth: 4,
    stride: [2, 2], padding: [1, 1], outHeight: 14, outWidth: 14,
  };
  compareConvolutions(lenet, 24, FULL_TILES);
});

test('permute matches js for every permutation shape', () => {
  const permArb = shapeArb(1, 5, 4).chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length })));
  fc.assert(fc.property(permArb, fc.integer(), ([shape, perm], seed) => {
    const x = randomArray(sizeOf(shape), seed);
    compareWithJs(`permute [${shape}] by [${perm}]`, (b) => b.permute(x, shape, perm), { backends: WASM, tol: EXACT });
  }), RUNS(14, 25));
  const x = randomArray(2 * 3 * 4, 26);
  compareWithJs('permute [2,3,4] by [2,0,1]', (b) => b.permute(x, [2, 3, 4], [2, 0, 1]), { backends: ALL, tol: EXACT });
});

/** A shape, an axis, and an index tensor of the same shape but a random length along the axis. */
const gatherArb = shapeAndAxisArb(3, 4).chain(({ shape, axis }) => fc.record({
  shape: fc.constant(shape), axis: fc.constant((axis + shape.length) % shape.length), len: fc.integer({ min: 1, max: 5 }), seed: fc.integer(),
}));

test('gather / scatterAdd and indexSelect / indexAdd match js', () => {
  fc.assert(fc.property(gatherArb, ({ shape, axis, len, seed }) => {
    const indexShape = shape.map((d, i) => (i === axis ? len : d));
    const index = randomIndices(sizeOf(indexShape), shape[axis]!, seed);
    const x = randomArray(sizeOf(shape), seed + 1);
    const src = randomArray(index.length, seed + 2);
    const label = `[${shape}] axis ${axis} index [${indexShape}]`;
    compareWithJs(`gather ${label}`, (b) => b.gather(x, shape, axis, index, indexShape), { backends: WASM, tol: EXACT });
    compareWithJs(`scatterAdd ${label}`, (b) => b.scatterAdd(src, indexShape, axis, index, shape), { backends: WASM, tol: sumTol(len) });
    const picks = randomIndices(len, shape[axis]!, seed + 3);
    compareWithJs(`indexSelect ${label}`, (b) => b.indexSelect(x, shape, axis, picks), { backends: WASM, tol: EXACT });
    compareWithJs(`indexAdd ${label}`, (b) => b.indexAdd(src, indexShape, axis, picks, shape), { backends: WASM, tol: sumTol(len) });
  }), RUNS(14, 27));
  const shape = [2, 40, 3];
  const indexShape = [2, 9, 3];
  const index40 = randomIndices(sizeOf(indexShape), 40, 35);
  const src40 = randomArray(index40.length, 36);
  const x40 = randomArray(sizeOf(shape), 37);
  compareWithJs('scatterAdd [2,9,3] into [2,40,3]', (b) => b.scatterAdd(src40, indexShape, 1, index40, shape), { backends: WASM, tol: sumTol(9) });
  compareWithJs('gather [2,9,3] from [2,40,3]', (b) => b.gather(x40, shape, 1, index40, indexShape), { backends: WASM, tol: EXACT });
  const picks = randomIndices(9, 40, 38);
  compareWithJs('indexAdd [2,9,3] into [2,40,3]', (b) => b.indexAdd(src40, indexShape, 1, picks, shape), { backends: WASM, tol: sumTol(9) });
  compareWithJs('indexSelect [2,9,3] from [2,40,3]', (b) => b.indexSelect(x40, shape, 1, picks), { backends: WASM, tol: EXACT });
  const x = randomArray(12, 28);
  const index = Int32Array.from([2, 0, 0, 1, 3, 3]);
  compareWithJs('gather on cpu', (b) => b.gather(x, [3, 4], 1, index, [3, 2]), { backends: ALL, tol: EXACT });
  compareWithJs('scatterAdd on cpu', (b) => b.scatterAdd(randomArray(6, 29), [3, 2], 1, index, [3, 4]), { backends: ALL, tol: F32_TOL });
});

test('index kernels reject out-of-range indices and mismatched index shapes', () => {
  const x = randomArray(12, 30);
  assert.throws(() => webasm.gather(x, [3, 4], 1, Int32Array.from([0, 4, 1]), [3, 1]), /gather: index 4 out of range \[0, 4\) on axis 1/);
  assert.throws(() => webasm.indexSelect(x, [3, 4], 0, Int32Array.from([-1])), /indexSelect: index -1 out of range/);
  assert.throws(() => webasm.indexAdd(x, [3, 4], 0, Int32Array.from([0, 1, 5]), [3, 4]), /indexAdd: index 5 out of range/);
  assert.throws(() => webasm.gather(x, [3, 4], 1, Int32Array.from([0, 1]), [2, 1]), /must match \[3, 4\] outside axis 1/);
});

test('concat (any number of parts) and slice match js', () => {
  const concatArb = shapeAndAxisArb(3, 4).chain(({ shape, axis }) => fc.record({
    shape: fc.constant(shape), axis: fc.constant((axis + shape.length) % shape.length),
    sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 9 }), seed: fc.integer(),
  }));
  fc.assert(fc.property(concatArb, ({ shape, axis, sizes, seed }) => {
    const shapes = sizes.map((n) => shape.map((d, i) => (i === axis ? n : d)));
    const parts = shapes.map((sh, j) => randomArray(sizeOf(sh), seed + j));
    compareWithJs(`concat ${sizes.length} parts [${shapes.join('] [')}] axis ${axis}`, (b) => b.concat(parts, shapes, axis), { backends: WASM, tol: EXACT });
    const x = randomArray(sizeOf(shape), seed);
    const size = shape[axis]!;
    for (const [start, end] of [[0, size], [Math.floor(size / 2), size], [size - 1, size - 1]]) {
      compareWithJs(`slice [${shape}] axis ${axis} [${start}, ${end})`, (b) => b.slice(x, shape, axis, start!, end!), { backends: WASM, tol: EXACT });
    }
  }), RUNS(14, 31));
  const parts = [randomArray(6, 32), Float64Array.from(randomArray(4, 33))];
  compareWithJs('concat float32 + float64', (b) => b.concat(parts, [[3, 2], [2, 2]], 0), { backends: ALL, tol: EXACT });
  compareWithJs('slice on cpu', (b) => b.slice(parts[0]!, [3, 2], 0, 1, 3), { backends: ALL, tol: EXACT });
});

test('tensors past 2^24 elements are chunked so every float32 index is exact', () => {
  const n = (1 << 24) + 5;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = i % 1000;
  const got = webasm.unary('neg', x);
  for (const i of [0, (1 << 24) - 1, 1 << 24, (1 << 24) + 1, n - 1]) assert.is(got[i], -(i % 1000), `element ${i}`);
  const rows = 4;
  const cols = (1 << 22) + 1;
  x[2 * cols + cols - 1] = 5000;
  const matrix = x.subarray(0, rows * cols);
  compareWithJs('max of 4 rows past 2^24 in all', (b) => b.reduce('max', matrix, [rows, cols], 1), { backends: [ALL[0]!], tol: EXACT });
  const row = randomArray(cols, 39);
  compareWithJs('[4, 2^22+1] + [2^22+1] broadcast', (b) => b.binary('sub', matrix, [rows, cols], row, [cols], [rows, cols]), { backends: [ALL[0]!], tol: EXACT });
});

test('kernels are compiled once per shape and never fall back to another mode', () => {
  const x = randomArray(33, 34);
  webasm.unary('exp', x);
  const before = webasm.stats();
  webasm.unary('exp', x);
  const after = webasm.stats();
  assert.is(after.compiled, before.compiled, 'no new kernel for a repeated shape');
  assert.is(after.hits, before.hits + 1);
  for (const { label, backend } of ALL) assert.equal((backend as typeof webasm).stats().fallbacks, [], `${label} fallbacks`);
  assert.is(webasm.mode, 'webasm');
  assert.is(cpu.mode, 'cpu');
  const small = createGpujsBackend({ mode: 'cpu', cacheSize: 2 });
  for (const n of [1, 2, 3, 3, 1]) small.unary('neg', new Float32Array(n));
  assert.equal(small.stats(), { compiled: 4, hits: 1, fallbacks: [] }, 'the least recently used kernel (n = 1) was evicted');
  small.destroy();
});

test('modes: explicit ones that are not available, webgpu and unknown names fail with clear errors', () => {
  assert.throws(() => createGpujsBackend({ mode: 'headlessgl' }), /gpujs mode 'headlessgl' is not available here/);
  assert.throws(() => createGpujsBackend({ mode: 'webgpu' }), /'webgpu' answers only asynchronously/);
  assert.throws(() => gpujsModeFromEnv({ RELAXJS_GPUJS_MODE: 'vulkan' }), /RELAXJS_GPUJS_MODE='vulkan' is not a gpujs mode/);
  assert.is(gpujsModeFromEnv({}), 'auto');
  assert.is(gpujsModeFromEnv({ RELAXJS_GPUJS_MODE: 'cpu' }), 'cpu');
  const auto = createGpujsBackend({ mode: 'auto' });
  assert.ok(['headlessgl', 'webgl2', 'webasm'].includes(auto.mode), `auto picked ${auto.mode}`);
  auto.destroy();
  assert.throws(() => createGpujsBackend({ mode: 'cpu', limits: { maxElements: 1 << 25 } }), /maxElements must be in \[1, 2\^24\]/);
});

test('the registry entry loads gpu.js only when chosen and takes its mode from RELAXJS_GPUJS_MODE', () => {
  const script = [
    "import { createRequire } from 'node:module';",
    "import { backendByName } from './src/tensor/registry.ts';",
    "const cache = createRequire(import.meta.url).cache;",
    "const loaded = () => Object.keys(cache).some((k) => k.includes('node_modules/gpu.js/'));",
    "const before = loaded();",
    "const backend = backendByName('gpujs');",
    "console.log(JSON.stringify({ before, after: loaded(), mode: backend.mode, neg: Array.from(backend.unary('neg', Float32Array.from([1, -2]))) }));",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, RELAXJS_GPUJS_MODE: 'cpu' },
  });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout.trim().split('\n').pop()!), { before: false, after: true, mode: 'cpu', neg: [-1, 2] });
});

test('every registered backend that can be created here (gpujs via the registry included) agrees with js', () => {
  const backends = availableBackends();
  assert.ok(backends.some((b) => b.label === 'gpujs'), 'the registry lists gpujs');
  const spec: MatmulSpec = { batch: 2, m: 3, n: 4, k: 5, transA: false, transB: true, aBatchStride: 15, bBatchStride: 0 };
  const a = randomArray(30, 40);
  const b = randomArray(20, 41);
  compareWithJs('matmul on every backend', (be) => be.matmul(a, b, spec), { backends, tol: sumTol(5) });
  compareWithJs('broadcast add on every backend', (be) => be.binary('add', a, [2, 3, 5], b.subarray(0, 5), [5], [2, 3, 5]), { backends });
});

test.run();
