/**
 * The `wasm` backend against `js` on the same float32 inputs. Products and convolutions may sum in
 * another order, so they must agree within the float32 error bound 2·(depth + 2)·2⁻²⁴·(|A|·|B|)
 * (both results err by at most depth·u·(|A|·|B|) from the exact value; |A|·|B| is the same product
 * on absolute values, computed in float64). Element-wise kernels must agree bit for bit (NaN, ±0
 * and ±Infinity included). Backends with thresholds 0 force every call through wasm, and through
 * the worker thread where the work can be split.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Backend, BinaryOp, Conv2dSpec, MatmulSpec, RowDotSpec, RowMap, UnaryOp } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { createWasmBackend, wasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { backendByName } from '../../src/tensor/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { abs64, assertSameBits, assertWithinBound, checkConvs as checkConvsAgainstJs, randomF32 } from '../helpers/float32.js';

const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };
const backends: Array<[string, Backend]> = [
  ['1 thread', createWasmBackend({ threads: 1, ...forced })],
  ['2 threads', createWasmBackend({ threads: 2, ...forced })],
];
const seedArb = fc.integer({ min: 0, max: 1e6 });
// ---------------------------------------------------------------- matmul

function checkMatmul(spec: MatmulSpec, seed: number, label: string): void {
  const rng = new Rng(seed);
  const a = randomF32(spec.aBatchStride ? spec.aBatchStride * spec.batch : spec.m * spec.k, rng);
  const b = randomF32(spec.bBatchStride ? spec.bBatchStride * spec.batch : spec.k * spec.n, rng);
  const expected = js.matmul(a, b, spec) as Float32Array;
  const bound = js.matmul(abs64(a), abs64(b), spec);
  for (const [name, backend] of backends) assertWithinBound(backend.matmul(a, b, spec), expected, bound, spec.k, `${label} ${name}`);
}

const matmulSpecArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 37 }), n: fc.integer({ min: 1, max: 37 }),
  k: fc.integer({ min: 1, max: 37 }), transA: fc.boolean(), transB: fc.boolean(), shareA: fc.boolean(), shareB: fc.boolean(),
}).map(({ shareA, shareB, ...s }): MatmulSpec => ({ ...s, aBatchStride: shareA ? 0 : s.m * s.k, bBatchStride: shareB ? 0 : s.k * s.n }));

test('matmul: odd sizes, m/n/k = 1, transposes, batch strides 0 (fast-check)', () => {
  fc.assert(fc.property(matmulSpecArb, seedArb, (spec, seed) => checkMatmul(spec, seed, JSON.stringify(spec))), { seed: 5, numRuns: 80 });
});

test('matmul: sizes past every block (k > 256, m > 128, n > 1024) and the default thresholds', () => {
  const plain = { batch: 1, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  checkMatmul({ ...plain, m: 9, n: 1031, k: 300 }, 1, 'wide');
  checkMatmul({ ...plain, m: 203, n: 21, k: 517, transA: true }, 2, 'deep');
  checkMatmul({ ...plain, m: 1, n: 300, k: 700, transB: true }, 3, 'row vector');
  checkMatmul({ ...plain, m: 300, n: 1, k: 700 }, 4, 'column vector');
  checkMatmul({ ...plain, batch: 5, m: 33, n: 40, k: 50, aBatchStride: 33 * 50 }, 5, 'batch split');
  const spec = { ...plain, m: 150, n: 170, k: 130 };
  const rng = new Rng(6);
  const a = randomF32(150 * 130, rng), b = randomF32(130 * 170, rng);
  assertWithinBound(wasmBackend.matmul(a, b, spec), js.matmul(a, b, spec) as Float32Array, js.matmul(abs64(a), abs64(b), spec), 130, 'default wasm backend');
});

// ---------------------------------------------------------------- convolutions

type ConvGeometry = Omit<Conv2dSpec, 'outHeight' | 'outWidth'>;

function withOutputSize(g: ConvGeometry): Conv2dSpec {
  const outHeight = Math.floor((g.inHeight + 2 * g.padding[0] - g.kernelHeight) / g.stride[0]) + 1;
  const outWidth = Math.floor((g.inWidth + 2 * g.padding[1] - g.kernelWidth) / g.stride[1]) + 1;
  return { ...g, outHeight, outWidth };
}

function checkConvs(s: Conv2dSpec, seed: number, label: string): void {
  checkConvsAgainstJs(s, new Rng(seed), label, backends);
}

const convArb = fc.record({
  batch: fc.integer({ min: 1, max: 6 }), inChannels: fc.integer({ min: 1, max: 4 }), outChannels: fc.integer({ min: 1, max: 6 }),
  inHeight: fc.integer({ min: 1, max: 9 }), inWidth: fc.integer({ min: 1, max: 9 }),
  kernelHeight: fc.integer({ min: 1, max: 4 }), kernelWidth: fc.integer({ min: 1, max: 4 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
}).filter((g) => g.inHeight + 2 * g.padding[0] >= g.kernelHeight && g.inWidth + 2 * g.padding[1] >= g.kernelWidth);

test('conv2d, conv2dTranspose, conv2dWeightGrad: stride 1/2, padding 0/1, non-divisible sizes (fast-check)', () => {
  fc.assert(fc.property(convArb, seedArb, (g, seed) => checkConvs(withOutputSize(g), seed, JSON.stringify(g))), { seed: 7, numRuns: 60 });
});

test('convolutions over several image groups and the model shapes (k4 s2 p1), incl. output padding', () => {
  const k4s2p1 = { kernelHeight: 4, kernelWidth: 4, stride: [2, 2] as const, padding: [1, 1] as const };
  checkConvs(withOutputSize({ batch: 19, inChannels: 3, outChannels: 5, inHeight: 14, inWidth: 14, ...k4s2p1 }), 8, '19 images 14x14');
  checkConvs(withOutputSize({ batch: 5, inChannels: 1, outChannels: 16, inHeight: 28, inWidth: 28, ...k4s2p1 }), 9, 'mnist layer 1');
  checkConvs(withOutputSize({ batch: 3, inChannels: 16, outChannels: 32, inHeight: 14, inWidth: 14, ...k4s2p1 }), 10, 'mnist layer 2');
  checkConvs({ batch: 4, inChannels: 2, outChannels: 3, inHeight: 9, inWidth: 8, ...k4s2p1, outHeight: 4, outWidth: 4 }, 11, 'output padding 1');
});

// ---------------------------------------------------------------- element-wise and reductions

/** Random values with NaN, ±0, ±Infinity and ties with `b` sprinkled in. */
function specialF32(n: number, rng: Rng): Float32Array {
  const specials = [Number.NaN, 0, -0, Infinity, -Infinity, 1, -1];
  const out = randomF32(n, rng);
  for (let i = 0; i < n; i++) if (rng.next() < 0.2) out[i] = specials[rng.int(specials.length)]!;
  return out;
}

const unaryOps: UnaryOp[] = ['neg', 'abs', 'relu', 'square', 'sqrt', 'sign', 'step', 'reciprocal', 'exp', 'log'];
const binaryOps: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'gt', 'ge', 'lt', 'le', 'eq'];

test('unary, binary (equal shapes and scalars) and clamp agree bit for bit, special values included (fast-check)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), seedArb, (n, seed) => {
    const rng = new Rng(seed);
    const a = specialF32(n, rng), b = specialF32(n, rng);
    for (let i = 0; i < n; i++) if (rng.next() < 0.2) b[i] = a[i]!;
    const s = Float32Array.of(a[0]!);
    for (const [name, backend] of backends) {
      for (const op of unaryOps) assertSameBits(backend.unary(op, a), js.unary(op, a) as Float32Array, `${op} ${name}`);
      for (const op of binaryOps) {
        assertSameBits(backend.binary(op, a, [n], b, [n], [n]), js.binary(op, a, [n], b, [n], [n]) as Float32Array, `${op} ${name}`);
        assertSameBits(backend.binary(op, a, [n], s, [], [n]), js.binary(op, a, [n], s, [], [n]) as Float32Array, `${op} a·scalar ${name}`);
        assertSameBits(backend.binary(op, s, [1], b, [n], [n]), js.binary(op, s, [1], b, [n], [n]) as Float32Array, `${op} scalar·b ${name}`);
      }
      for (const [lo, hi] of [[-0.1, 0.3], [0, Infinity], [-Infinity, 0.7], [0.5, 0.5]] as const) {
        assertSameBits(backend.clamp(a, lo, hi), js.clamp(a, lo, hi) as Float32Array, `clamp ${lo} ${hi} ${name}`);
      }
    }
  }), { seed: 11, numRuns: 40 });
});

/** An operand shape broadcasting to `out`: some leading dimensions dropped, some others set to 1. */
function operandShapeArb(out: number[]): fc.Arbitrary<number[]> {
  return fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

const broadcastArb = fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 5 })
  .filter((out) => out.reduce((p, d) => p * d, 1) <= 4000)
  .chain((out) => fc.tuple(fc.constant(out), operandShapeArb(out), operandShapeArb(out)));

test('binary with broadcasting agrees bit for bit: every op, any operand shapes, special values (fast-check)', () => {
  fc.assert(fc.property(broadcastArb, seedArb, ([out, aShape, bShape], seed) => {
    const rng = new Rng(seed);
    const a = specialF32(aShape.reduce((p, d) => p * d, 1), rng), b = specialF32(bShape.reduce((p, d) => p * d, 1), rng);
    for (const op of binaryOps) {
      const expected = js.binary(op, a, aShape, b, bShape, out) as Float32Array;
      for (const [name, backend] of backends) assertSameBits(backend.binary(op, a, aShape, b, bShape, out), expected, `${op} [${aShape}]·[${bShape}] ${name}`);
    }
  }), { seed: 29, numRuns: 150 });
});

test('binary with broadcasting: the training-step shapes and the default thresholds', () => {
  const rng = new Rng(31);
  const cases: Array<[number[], number[], number[]]> = [
    [[5, 1, 16, 14, 14], [5, 7, 16, 14, 14], [5, 7, 16, 14, 14]],
    [[5, 7, 32, 7, 7], [5, 1, 32, 7, 7], [5, 7, 32, 7, 7]],
    [[6, 16, 14, 14], [16, 1, 1], [6, 16, 14, 14]],
    [[3, 1, 40], [1, 9, 1], [3, 9, 40]],
    [[2, 1, 3, 1, 20], [1, 4, 1, 5, 20], [2, 4, 3, 5, 20]],
  ];
  for (const [aShape, bShape, out] of cases) {
    const a = randomF32(aShape.reduce((p, d) => p * d, 1), rng), b = randomF32(bShape.reduce((p, d) => p * d, 1), rng);
    for (const op of ['add', 'mul', 'sub', 'max'] as const) {
      const expected = js.binary(op, a, aShape, b, bShape, out) as Float32Array;
      for (const [name, backend] of [...backends, ['default', wasmBackend] as [string, Backend]]) {
        assertSameBits(backend.binary(op, a, aShape, b, bShape, out), expected, `${op} [${aShape}]·[${bShape}] ${name}`);
      }
    }
  }
});

test('sum along the last and inner axes within the float32 bound; max/min exact (fast-check)', () => {
  const shapeArb = fc.array(fc.integer({ min: 1, max: 23 }), { minLength: 1, maxLength: 3 });
  fc.assert(fc.property(shapeArb, fc.nat(), seedArb, (shape, axisSeed, seed) => {
    const axis = axisSeed % shape.length;
    const x = randomF32(shape.reduce((p, d) => p * d, 1), new Rng(seed));
    const expected = js.reduce('sum', x, shape, axis) as Float32Array;
    const bound = js.reduce('sum', abs64(x), shape, axis);
    for (const [name, backend] of backends) {
      assertWithinBound(backend.reduce('sum', x, shape, axis), expected, bound, shape[axis]!, `sum ${shape} axis ${axis} ${name}`);
      assertSameBits(backend.reduce('max', x, shape, axis), js.reduce('max', x, shape, axis) as Float32Array, `max ${name}`);
    }
  }), { seed: 13, numRuns: 60 });
});

/** Asserts both medians are the same values (bit for bit) at the same positions. */
function assertSameMedian(actual: { values: ArrayLike<number>; indices: Int32Array }, expected: { values: ArrayLike<number>; indices: Int32Array }, label: string): void {
  assertSameBits(actual.values, expected.values as Float32Array, `${label} values`);
  assert.ok(actual.indices instanceof Int32Array, `${label}: indices are an Int32Array`);
  for (let i = 0; i < expected.indices.length; i++) {
    if (actual.indices[i] !== expected.indices[i]) assert.unreachable(`${label}: position ${i}: wasm ${actual.indices[i]} vs js ${expected.indices[i]}`);
  }
}

/** Column data of one of four kinds: continuous, few levels (ties), zeros of both signs, specials with NaN. */
function medianData(n: number, kind: number, rng: Rng): Float32Array {
  if (kind === 0) return randomF32(n, rng);
  if (kind === 1) return Float32Array.from({ length: n }, () => rng.int(4) - 2);
  if (kind === 2) return Float32Array.from({ length: n }, () => (rng.next() < 0.6 ? (rng.next() < 0.5 ? 0 : -0) : rng.uniform(-1, 1)));
  return specialF32(n, rng);
}

test('median of x and of |x|: values and positions equal js bit for bit; ties, ±0, NaN, sizes 1/2/odd/even, inner % 4 tails (fast-check)', () => {
  const shapeArb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 23 }));
  fc.assert(fc.property(shapeArb, fc.integer({ min: 0, max: 3 }), seedArb, ([outer, size, inner], kind, seed) => {
    const x = medianData(outer * size * inner, kind, new Rng(seed));
    for (const [shape, axis] of [[[outer, size, inner], 1], [[outer * inner, size], 1], [[size, outer * inner], 0]] as const) {
      for (const absolute of [false, true]) {
        const expected = js.median(x, shape, axis, absolute);
        for (const [name, backend] of backends) {
          assertSameMedian(backend.median(x, shape, axis, absolute), expected, `median [${shape}] @${axis} kind ${kind} |x| ${absolute} ${name}`);
        }
      }
    }
  }), { seed: 19, numRuns: 80 });
});

test('median: axes past the counting route (quickselect only) and the projection shapes, default thresholds', () => {
  const rng = new Rng(23);
  for (const [shape, kind] of [[[3, 170, 9], 0], [[2, 201, 6], 1], [[2, 161, 5], 3], [[4, 50, 196], 0], [[4, 50, 196], 2], [[3, 50, 100], 3]] as const) {
    const x = medianData(shape[0] * shape[1] * shape[2], kind, rng);
    for (const absolute of [false, true]) {
      const expected = js.median(x, shape, 1, absolute);
      for (const [name, backend] of [...backends, ['default', wasmBackend] as [string, Backend]]) {
        assertSameMedian(backend.median(x, shape, 1, absolute), expected, `median [${shape}] kind ${kind} |x| ${absolute} ${name}`);
      }
    }
  }
  const f64 = Float64Array.from(randomF32(24, rng));
  for (const [, backend] of backends) assert.ok(backend.median(f64, [4, 6], 1).values instanceof Float64Array, 'float64 stays on js');
});

test('sumToShape within the float32 bound of js for every broadcast pattern (fast-check)', () => {
  fc.assert(fc.property(broadcastArb, seedArb, ([shape, target], seed) => {
    const x = randomF32(shape.reduce((p, d) => p * d, 1), new Rng(seed));
    const expected = js.sumToShape(x, shape, target) as Float32Array;
    const bound = js.sumToShape(abs64(x), shape, target);
    const depth = x.length / Math.max(1, expected.length);
    for (const [name, backend] of backends) assertWithinBound(backend.sumToShape(x, shape, target), expected, bound, depth, `sumToShape [${shape}] -> [${target}] ${name}`);
  }), { seed: 37, numRuns: 150 });
});

test('sumToShape: the bias gradient is the float32 rounding of the exact sum under cancellation; the batch sums equal js', () => {
  const rng = new Rng(41);
  // Integers up to 2^24 that cancel in pairs plus multiples of 2^-10 below 1: every partial sum is exact in float64.
  const x = new Float32Array(50 * 16 * 196);
  for (let i = 0; i < x.length; i += 2) {
    const big = rng.int(1 << 24);
    x[i] = big + rng.int(1024) / 1024;
    x[i + 1] = -big;
  }
  const exact = new Float64Array(16);
  for (let i = 0; i < x.length; i++) exact[Math.floor(i / 196) % 16]! += x[i]!;
  for (const [name, backend] of [...backends, ['default', wasmBackend] as [string, Backend]]) {
    const got = backend.sumToShape(x, [50, 16, 14, 14], [16, 1, 1]);
    assertSameBits(got, Float32Array.from(exact), `bias gradient ${name}`);
  }
  const batch = randomF32(5 * 7 * 300, rng);
  for (const [name, backend] of backends) {
    const target = [5, 1, 300];
    assertSameBits(backend.sumToShape(batch, [5, 7, 300], target), js.sumToShape(batch, [5, 7, 300], target) as Float32Array, `[5,7,300] -> [5,1,300] ${name}`);
  }
});

/** Sets some w entries to +∞ and every x entry that meets them to 0 (map(x) = 0 must add nothing). */
function zeroAgainstInfinity(x: Float32Array, w: Float32Array, s: RowDotSpec, rng: Rng): void {
  for (let f = 0; f < w.length; f++) if (rng.next() < 0.1) w[f] = Infinity;
  for (let b = 0; b < s.batch; b++) for (let p = 0; p < s.groups; p++) for (let q = 0; q < s.rows; q++) for (let f = 0; f < s.length; f++) {
    const wAt = ((s.wShared ? 0 : b) * s.groups + p) * s.length + f;
    if (w[wAt] === Infinity) x[(((s.xShared ? 0 : b) * s.groups + p) * s.rows + q) * s.length + f] = 0;
  }
}

test('rowDot: every map, with and without w, shared x or w, zeros of map(x) against infinite w (fast-check)', () => {
  const rowDot = js.rowDot!;
  const specArb = fc.record({
    batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 3 }), rows: fc.integer({ min: 1, max: 5 }),
    length: fc.integer({ min: 1, max: 45 }), xShared: fc.boolean(), wShared: fc.boolean(),
  });
  const mapArb = fc.constantFrom<RowMap>('identity', 'relu', 'abs', 'square');
  fc.assert(fc.property(specArb, mapArb, fc.boolean(), seedArb, (spec: RowDotSpec, map, weighted, seed) => {
    const rng = new Rng(seed);
    const x = randomF32((spec.xShared ? 1 : spec.batch) * spec.groups * spec.rows * spec.length, rng);
    const w = weighted ? randomF32((spec.wShared ? 1 : spec.batch) * spec.groups * spec.length, rng) : null;
    if (w) zeroAgainstInfinity(x, w, spec, rng);
    const expected = rowDot(x, w, spec, map) as Float32Array;
    const bound = rowDot(abs64(x), w && abs64(w), spec, map === 'square' ? 'square' : 'abs');
    for (const [name, backend] of backends) {
      assertWithinBound(backend.rowDot!(x, w, spec, map), expected, bound, spec.length, `rowDot ${map} ${JSON.stringify(spec)} ${name}`);
    }
  }), { seed: 17, numRuns: 60 });
});

// ---------------------------------------------------------------- delegation

test('float64 inputs and the other kernels give exactly the js results', () => {
  const rng = new Rng(14);
  const a = Float64Array.from(randomF32(24, rng)), b = Float64Array.from(randomF32(24, rng));
  const spec: MatmulSpec = { batch: 1, m: 4, n: 4, k: 6, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
  const conv = withOutputSize({ batch: 1, inChannels: 1, outChannels: 1, inHeight: 4, inWidth: 6, kernelHeight: 2, kernelWidth: 2, stride: [1, 1], padding: [0, 0] });
  for (const [, backend] of backends) {
    const got = backend.matmul(a, b, spec);
    assert.ok(got instanceof Float64Array);
    assert.equal(Array.from(got), Array.from(js.matmul(a, b, spec)));
    assert.equal(Array.from(backend.conv2d(a, b.subarray(0, 4), conv)), Array.from(js.conv2d(a, b.subarray(0, 4), conv)));
    assert.equal(Array.from(backend.binary('add', a, [24], b, [24], [24])), Array.from(js.binary('add', a, [24], b, [24], [24])));
    assert.equal(Array.from(backend.reduce('sum', a, [4, 6], 1)), Array.from(js.reduce('sum', a, [4, 6], 1)));
    const f = Float32Array.from(a);
    assert.equal(Array.from(backend.permute(f, [4, 6], [1, 0])), Array.from(js.permute(f, [4, 6], [1, 0])));
    assert.equal(Array.from(backend.where(f, f, f)), Array.from(js.where(f, f, f)));
  }
});

test('the registry serves it as wasm', () => {
  assert.is(backendByName('wasm').name, 'wasm');
  assert.is(backendByName('wasm'), wasmBackend);
});

test('conv2dWeightGrad on 2 threads is bit-identical from run to run (fixed image ranges, fixed sum order)', () => {
  const backend = backends[1]![1];
  const rng = new Rng(7);
  const spec = {
    batch: 37, inChannels: 16, outChannels: 32, inHeight: 14, inWidth: 14, kernelHeight: 4, kernelWidth: 4,
    stride: [2, 2] as const, padding: [1, 1] as const, outHeight: 7, outWidth: 7,
  };
  const x = randomF32(37 * 16 * 196, rng);
  const dy = randomF32(37 * 32 * 49, rng);
  const first = backend.conv2dWeightGrad(x, dy, spec);
  for (let run = 0; run < 15; run++) assert.equal(backend.conv2dWeightGrad(x, dy, spec), first, `run ${run} differs`);
});

test.run();
