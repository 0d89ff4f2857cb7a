/**
 * The `native` backend (C++ addon) against `js` on the same float32 and float64 inputs. Products,
 * convolutions and sums may sum in another order (and fuse multiply-adds), so they must agree
 * within 2·(depth + 2)·u·(|A|·|B|), u = 2⁻²⁴ or 2⁻⁵³, |A|·|B| the same op on absolute values;
 * element-wise maps agree bit for bit (NaN, ±0, ±Infinity included), exp and log to 1 ulp.
 * Thresholds 0 force every call through the addon, and through the pool's helper thread where the
 * work can be split. Skipped, with the reason in the test name, only when the addon is not built.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Backend, BinaryOp, Conv2dSpec, MatmulSpec, RowMap, UnaryOp } from '../../../src/tensor/backend.js';
import { jsBackend as js } from '../../../src/tensor/backends/js/index.js';
import { loadNativeAddon } from '../../../src/tensor/backends/native/addon.js';
import { createNativeBackend, nativeBackendAvailable, nativeUnavailableReason } from '../../../src/tensor/backends/native/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { backendByName } from '../../../src/tensor/registry.js';
import { assertClose, dtypes, randomArray, specialArray, type Dtype } from './native-helpers.js';

const available = nativeBackendAvailable();
const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };
const backends: Array<[string, Backend]> = available
  ? [['1 thread', createNativeBackend({ threads: 1, ...forced })], ['2 threads', createNativeBackend({ threads: 2, ...forced })]]
  : [];
const seedArb = fc.integer({ min: 0, max: 1e6 });

/** Checks `run(backend)` against `run(js)` within the bound of `depth` products (`bound` = run on |inputs|). */
function agree(label: string, depth: number, dtype: Dtype, run: (b: Backend) => ArrayLike<number>, bound: () => ArrayLike<number>): void {
  const expected = run(js), limit = bound();
  for (const [name, backend] of backends) assertClose(run(backend), expected, limit, depth, dtype, `${label} ${name}`);
}

function checkMatmul(spec: MatmulSpec, seed: number, dtype: Dtype): void {
  const rng = new Rng(seed);
  const a = randomArray(spec.aBatchStride ? spec.aBatchStride * spec.batch : spec.m * spec.k, rng, dtype);
  const b = randomArray(spec.bBatchStride ? spec.bBatchStride * spec.batch : spec.k * spec.n, rng, dtype);
  const [absA, absB] = [Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs)];
  agree(`matmul ${JSON.stringify(spec)} ${dtype}`, spec.k, dtype, (be) => be.matmul(a, b, spec), () => js.matmul(absA, absB, spec));
}

function checkConvs(s: Conv2dSpec, seed: number, dtype: Dtype): void {
  const rng = new Rng(seed);
  const x = randomArray(s.batch * s.inChannels * s.inHeight * s.inWidth, rng, dtype);
  const w = randomArray(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, rng, dtype);
  const y = randomArray(s.batch * s.outChannels * s.outHeight * s.outWidth, rng, dtype);
  const abs = (v: ArrayLike<number>): Float64Array => Float64Array.from(v, Math.abs);
  const fields = s.inChannels * s.kernelHeight * s.kernelWidth, label = `${JSON.stringify(s)} ${dtype}`;
  agree(`conv2d ${label}`, fields, dtype, (be) => be.conv2d(x, w, s), () => js.conv2d(abs(x), abs(w), s));
  agree(`conv2dTranspose ${label}`, s.outChannels * fields, dtype, (be) => be.conv2dTranspose(y, w, s), () => js.conv2dTranspose(abs(y), abs(w), s));
  agree(`conv2dWeightGrad ${label}`, s.batch * s.outHeight * s.outWidth, dtype, (be) => be.conv2dWeightGrad(x, y, s),
    () => js.conv2dWeightGrad(abs(x), abs(y), s));
}

const matmulArb = fc.record({
  batch: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 70 }),
  k: fc.integer({ min: 1, max: 40 }), transA: fc.boolean(), transB: fc.boolean(), shareA: fc.boolean(), shareB: fc.boolean(),
}).map(({ shareA, shareB, ...s }): MatmulSpec => ({ ...s, aBatchStride: shareA ? 0 : s.m * s.k, bBatchStride: shareB ? 0 : s.k * s.n }));

const convArb = fc.record({
  batch: fc.integer({ min: 1, max: 5 }), inChannels: fc.integer({ min: 1, max: 4 }), outChannels: fc.integer({ min: 1, max: 35 }),
  inHeight: fc.integer({ min: 1, max: 9 }), inWidth: fc.integer({ min: 1, max: 9 }),
  kernelHeight: fc.integer({ min: 1, max: 4 }), kernelWidth: fc.integer({ min: 1, max: 4 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  trimH: fc.integer({ min: 0, max: 1 }), trimW: fc.integer({ min: 0, max: 1 }),
}).filter((g) => g.inHeight + 2 * g.padding[0] >= g.kernelHeight && g.inWidth + 2 * g.padding[1] >= g.kernelWidth)
  .map(({ trimH, trimW, ...g }): Conv2dSpec => {
    // Output sizes as PyTorch gives them, or one less (an input row / column no field reaches).
    const outHeight = Math.max(1, Math.floor((g.inHeight + 2 * g.padding[0] - g.kernelHeight) / g.stride[0]) + 1 - trimH);
    const outWidth = Math.max(1, Math.floor((g.inWidth + 2 * g.padding[1] - g.kernelWidth) / g.stride[1]) + 1 - trimW);
    return { ...g, outHeight, outWidth };
  });

const unaryOps: UnaryOp[] = ['neg', 'abs', 'relu', 'square', 'sqrt', 'sign', 'step', 'reciprocal', 'exp', 'log'];
const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'gt', 'ge', 'lt', 'le', 'eq'];
const rowMaps: RowMap[] = ['identity', 'relu', 'abs', 'square'];

if (!available) {
  // The kernel checks need the addon; without it only the refusal is checked.
  console.log(`native backend kernel tests skipped: ${nativeUnavailableReason()}`);
  test('without the addon, selecting the native backend throws the reason (kernel tests skipped: not built here)', () => {
    assert.throws(() => backendByName('native'), (e: Error) => e.message.includes(nativeUnavailableReason()));
  });
} else {
  test('matmul: odd sizes, m/n/k = 1, transposes, batch strides 0, float32 and float64 (fast-check)', () => {
    for (const dtype of dtypes) fc.assert(fc.property(matmulArb, seedArb, (spec, seed) => checkMatmul(spec, seed, dtype)), { seed: 3, numRuns: 60 });
  });

  test('matmul: sizes past every block (k > 256, m > 96, n > 1024) and few products split into strips', () => {
    const plain = { batch: 1, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    for (const dtype of dtypes) {
      checkMatmul({ ...plain, m: 9, n: 1100, k: 300 }, 1, dtype);
      checkMatmul({ ...plain, m: 203, n: 21, k: 517, transA: true }, 2, dtype);
      checkMatmul({ ...plain, m: 1, n: 300, k: 700, transB: true }, 3, dtype);
      checkMatmul({ ...plain, m: 130, n: 1, k: 70, transA: true, transB: true }, 4, dtype);
      checkMatmul({ ...plain, batch: 3, m: 50, n: 100, k: 157, transB: true, aBatchStride: 50 * 157 }, 5, dtype);
    }
  });

  test('conv2d, conv2dTranspose, conv2dWeightGrad: strides 1-3, padding 0-2, trimmed outputs, float32 and float64 (fast-check)', () => {
    for (const dtype of dtypes) fc.assert(fc.property(convArb, seedArb, (s, seed) => checkConvs(s, seed, dtype)), { seed: 7, numRuns: 60 });
  });

  test('conv2dTranspose with 1-40 input channels (the scatter, one-vector and two-vector gathers), float32 and float64 (fast-check)', () => {
    const wide = convArb.chain((s) => fc.integer({ min: 1, max: 40 }).map((inChannels): Conv2dSpec => ({ ...s, inChannels, batch: Math.min(s.batch, 2) })));
    for (const dtype of dtypes) {
      fc.assert(fc.property(wide, seedArb, (s, seed) => {
        const rng = new Rng(seed);
        const y = randomArray(s.batch * s.outChannels * s.outHeight * s.outWidth, rng, dtype);
        const w = randomArray(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, rng, dtype);
        const abs = (v: ArrayLike<number>): Float64Array => Float64Array.from(v, Math.abs);
        agree(`conv2dTranspose ${JSON.stringify(s)} ${dtype}`, s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, dtype,
          (be) => be.conv2dTranspose(y, w, s), () => js.conv2dTranspose(abs(y), abs(w), s));
      }), { seed: 29, numRuns: 60 });
    }
  });

  test('convolutions give the same bits on 1 and 2 threads (mnist_model shapes, batch 50)', () => {
    const [one, two] = [backends[0]![1], backends[1]![1]];
    for (const dtype of dtypes) {
      for (const [c, o, hw] of [[1, 16, 28], [16, 32, 14], [8, 12, 9]] as const) {
        const s: Conv2dSpec = { batch: 50, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4,
          stride: [2, 2], padding: [1, 1], outHeight: Math.floor((hw - 2) / 2) + 1, outWidth: Math.floor((hw - 2) / 2) + 1 };
        const rng = new Rng(c + o);
        const x = randomArray(50 * c * hw * hw, rng, dtype), w = randomArray(o * c * 16, rng, dtype);
        const y = randomArray(50 * o * s.outHeight * s.outWidth, rng, dtype);
        assertClose(two.conv2dTranspose(y, w, s), one.conv2dTranspose(y, w, s), null, 0, dtype, `conv2dTranspose ${c}→${o}`);
        assertClose(two.conv2d(x, w, s), one.conv2d(x, w, s), null, 0, dtype, `conv2d ${c}→${o}`);
        assertClose(two.conv2dWeightGrad(x, y, s), one.conv2dWeightGrad(x, y, s), null, 0, dtype, `conv2dWeightGrad ${c}→${o}`);
      }
    }
  });

  test('convolutions of mnist_model (k4 s2 p1) on a batch of 13', () => {
    const k4s2p1 = (c: number, o: number, hw: number): Conv2dSpec => ({
      batch: 13, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4, stride: [2, 2], padding: [1, 1],
      outHeight: hw / 2, outWidth: hw / 2,
    });
    for (const dtype of dtypes) {
      checkConvs(k4s2p1(1, 16, 28), 1, dtype);
      checkConvs(k4s2p1(16, 32, 14), 2, dtype);
    }
  });

  test('unary, clamp and binary (equal shapes, scalars) bit for bit with special values; exp and log to 1 ulp (fast-check)', () => {
    for (const dtype of dtypes) {
      fc.assert(fc.property(fc.integer({ min: 1, max: 90 }), seedArb, (n, seed) => {
        const rng = new Rng(seed);
        const a = specialArray(n, rng, dtype), b = specialArray(n, rng, dtype), s = a.slice(0, 1);
        for (const [name, be] of backends) {
          for (const op of unaryOps) assertClose(be.unary(op, a), js.unary(op, a), null, op === 'exp' || op === 'log' ? 1 : 0, dtype, `${op} ${name}`);
          for (const op of binaryOps) {
            assertClose(be.binary(op, a, [n], b, [n], [n]), js.binary(op, a, [n], b, [n], [n]), null, 0, dtype, `${op} ${name}`);
            assertClose(be.binary(op, a, [n], s, [], [n]), js.binary(op, a, [n], s, [], [n]), null, 0, dtype, `${op} a·s ${name}`);
            assertClose(be.binary(op, s, [1], b, [n], [n]), js.binary(op, s, [1], b, [n], [n]), null, 0, dtype, `${op} s·b ${name}`);
          }
          for (const [lo, hi] of [[-0.1, 0.3], [0, Infinity], [-Infinity, 0.7]] as const) {
            assertClose(be.clamp(a, lo, hi), js.clamp(a, lo, hi), null, 0, dtype, `clamp ${lo} ${hi} ${name}`);
          }
        }
      }), { seed: 11, numRuns: 30 });
    }
  });

  test('binary with broadcasting (any operand shapes, incl. the collapsed 3-d plans) bit for bit (fast-check)', () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((out) => fc.tuple(fc.constant(out),
      ...[0, 1].map(() => fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
        .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))))));
    for (const dtype of dtypes) {
      fc.assert(fc.property(shapes, fc.constantFrom(...binaryOps), seedArb, ([out, aShape, bShape], op, seed) => {
        const rng = new Rng(seed);
        const a = specialArray(aShape.reduce((p, d) => p * d, 1), rng, dtype), b = specialArray(bShape.reduce((p, d) => p * d, 1), rng, dtype);
        for (const [name, be] of backends) {
          assertClose(be.binary(op, a, aShape, b, bShape, out), js.binary(op, a, aShape, b, bShape, out), null, 0, dtype, `${op} ${aShape}·${bShape} ${name}`);
        }
      }), { seed: 13, numRuns: 80 });
    }
  });

  test('sum along an axis, sumToShape and productSumToShape within the bound; max / min reductions delegated exactly (fast-check)', () => {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
    for (const dtype of dtypes) {
      fc.assert(fc.property(shapeArb, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), seedArb, (shape, keep, seed) => {
        const rng = new Rng(seed);
        const n = shape.reduce((p, d) => p * d, 1), x = randomArray(n, rng, dtype), y = randomArray(n, rng, dtype);
        const absX = Float64Array.from(x, Math.abs), absXY = Float64Array.from(x, (v, i) => Math.abs(v * y[i]!));
        const target = shape.map((d, i) => (keep[i] ? d : 1));
        const axis = seed % shape.length;
        agree(`sum ${shape} axis ${axis}`, shape[axis]!, dtype, (be) => be.reduce('sum', x, shape, axis), () => js.reduce('sum', absX, shape, axis));
        agree(`sumToShape ${shape}→${target}`, n, dtype, (be) => be.sumToShape(x, shape, target), () => js.sumToShape(absX, shape, target));
        agree(`productSumToShape ${shape}→${target}`, n, dtype, (be) => be.productSumToShape!(x, y, shape, target), () => js.sumToShape(absXY, shape, target));
        for (const op of ['max', 'min'] as const) agree(`${op} ${shape}`, 0, dtype, (be) => be.reduce(op, x, shape, axis), () => new Float64Array(n));
      }), { seed: 17, numRuns: 60 });
    }
  });

  test('sumToShape over both ends (a bias gradient) at mnist_model sizes: within the bound, NaN kept, the same bits on 1 and 2 threads', () => {
    for (const dtype of dtypes) {
      for (const shape of [[50, 32, 7, 7], [50, 16, 14, 14], [3, 5, 37, 1], [2, 3, 1, 40]]) {
        const rng = new Rng(shape[1]!), n = shape.reduce((p, d) => p * d, 1), target = [1, shape[1]!, 1, 1];
        const x = randomArray(n, rng, dtype), absX = Float64Array.from(x, Math.abs);
        agree(`sumToShape ${shape}→${target}`, n / shape[1]!, dtype, (be) => be.sumToShape(x, shape, target), () => js.sumToShape(absX, shape, target));
        assertClose(backends[1]![1].sumToShape(x, shape, target), backends[0]![1].sumToShape(x, shape, target), null, 0, dtype, `sumToShape ${shape} 1 vs 2 threads`);
        x[n - 1] = NaN;
        const got = backends[1]![1].sumToShape(x, shape, target);
        assert.ok(Number.isNaN(got[shape[1]! - 1]!) && got.slice(0, -1).every(Number.isFinite), `NaN in the last channel only ${shape}`);
      }
    }
  });

  test('rowDot: every map, with and without w, shared x / w, float32 and float64 (fast-check)', () => {
    const specArb = fc.record({
      batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), rows: fc.integer({ min: 1, max: 4 }),
      length: fc.integer({ min: 1, max: 140 }), xShared: fc.boolean(), wShared: fc.boolean(),
    });
    for (const dtype of dtypes) {
      fc.assert(fc.property(specArb, fc.constantFrom(...rowMaps), fc.boolean(), seedArb, (spec, map, withW, seed) => {
        const rng = new Rng(seed);
        const x = randomArray((spec.xShared ? 1 : spec.batch) * spec.groups * spec.rows * spec.length, rng, dtype);
        const w = withW ? randomArray((spec.wShared ? 1 : spec.batch) * spec.groups * spec.length, rng, dtype) : null;
        const absX = Float64Array.from(x, Math.abs), absW = w ? Float64Array.from(w, Math.abs) : null;
        const boundMap: RowMap = map === 'square' ? 'square' : 'abs';
        agree(`rowDot ${map} ${JSON.stringify(spec)} w ${withW}`, spec.length, dtype, (be) => be.rowDot!(x, w, spec, map), () => js.rowDot!(absX, absW, spec, boundMap));
      }), { seed: 19, numRuns: 60 });
    }
  });

  test('kernels it does not run (gather, permute, median, ...) and mixed dtypes go to the fallback with js results', () => {
    const rng = new Rng(23);
    const x = randomArray(24, rng, 'float32'), d = randomArray(24, rng, 'float64');
    for (const [name, be] of backends) {
      assertClose(be.permute(x, [2, 3, 4], [2, 0, 1]), js.permute(x, [2, 3, 4], [2, 0, 1]), null, 0, 'float32', `permute ${name}`);
      assertClose(be.median(x, [4, 6], 1).values, js.median(x, [4, 6], 1).values, null, 0, 'float32', `median ${name}`);
      assertClose(be.binary('add', x, [24], d, [24], [24]), js.binary('add', x, [24], d, [24], [24]), null, 0, 'float32', `mixed add ${name}`);
    }
  });

  test('the addon checks every length against the geometry (a RangeError naming the operand; nothing written)', () => {
    const addon = loadNativeAddon()!;
    const a = new Float32Array(6), b = new Float32Array(5), out = new Float32Array(4);
    assert.throws(() => addon.matmul(a, b, out, 1, 2, 2, 3, 0, 0, 0, 0, 0), /b has 5 elements, expected at least 6/);
    assert.throws(() => addon.unary(0, a, new Float64Array(6)), /out must have the dtype/);
    assert.throws(() => addon.conv(0, a, b, out, 0, 1, 1, 1, 2, 3, 1, 1, 1, 1, 0, 0, 0, 3), /outHeight must be positive/);
    assert.throws(() => addon.rowDot(0, a, null, out, 1, 1, 2, 4, 0, 0), /x has 6 elements, expected 8/);
    assert.equal([...out], [0, 0, 0, 0]);
  });

  test('the registry selects it by name; its default instance runs the thresholds (small calls on the fallback)', () => {
    const be = backendByName('native');
    assert.is(be.name, 'native');
    checkMatmul({ batch: 2, m: 3, n: 4, k: 5, transA: false, transB: false, aBatchStride: 15, bBatchStride: 0 }, 29, 'float32');
    const x = Float32Array.of(1, -2, 3);
    assert.equal([...be.unary('relu', x)], [1, 0, 3]);
  });
}

test.run();
