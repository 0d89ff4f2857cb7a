import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { linear, matmul } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck, randn64 } from '../helpers/gradcheck.js';
import { broadcastPairArb } from '../helpers/shapes.js';

/** Stored operand shape for op(x) of [rows, cols] under an optional transpose. */
function stored(batch: readonly number[], rows: number, cols: number, trans: boolean): number[] {
  return [...batch, ...(trans ? [cols, rows] : [rows, cols])];
}

/** Naive reference: 2-D op(a)·op(b). */
function naiveMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): number[] {
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const n = transB ? br : bc;
  const A = (i: number, p: number): number => (transA ? a.data[p * ac + i]! : a.data[i * ac + p]!);
  const B = (p: number, j: number): number => (transB ? b.data[j * bc + p]! : b.data[p * bc + j]!);
  const out: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
    out.push(s);
  }
  return out;
}

const transCombos: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

test('matmul: forward equals a naive product and the gradient checks, for every transpose combination', () => {
  const rng = new Rng(1);
  for (const [transA, transB] of transCombos) {
    const a = randn64(stored([], 3, 4, transA), rng);
    const b = randn64(stored([], 4, 2, transB), rng);
    const out = matmul(a, b, { transA, transB });
    assert.equal(out.shape, [3, 2]);
    assertAllClose(out.data, naiveMatmul(a, b, transA, transB));
    gradcheck((x, y) => matmul(x, y, { transA, transB }), [a, b], { name: `matmul transA=${transA} transB=${transB}` });
  }
});

test('matmul: batch dims [2,3,4,5]·[5,6], [2,1,4,5]·[3,5,2], [4,5]·[2,3,5,6], [1,4,5]·[3,5,2]', () => {
  const rng = new Rng(2);
  const cases: [number[], number[], number[]][] = [
    [[2, 3, 4, 5], [5, 6], [2, 3, 4, 6]],
    [[2, 1, 4, 5], [3, 5, 2], [2, 3, 4, 2]],
    [[4, 5], [2, 3, 5, 6], [2, 3, 4, 6]],
    [[1, 4, 5], [3, 5, 2], [3, 4, 2]],
  ];
  for (const [aShape, bShape, outShape] of cases) {
    const a = randn64(aShape, rng);
    const b = randn64(bShape, rng);
    const out = matmul(a, b);
    assert.equal(out.shape, outShape);
    gradcheck((x, y) => matmul(x, y), [a, b], { name: `matmul [${aShape}]·[${bShape}]` });
  }
  const a = Tensor.from([[[1, 2]], [[3, 4]]]);
  const b = Tensor.from([[5], [6]]);
  assert.equal(matmul(a, b).toArray(), [[[17]], [[39]]]);
});

test('matmul: broadcast batch dims with transposes (fast-check)', () => {
  const dim = fc.integer({ min: 1, max: 3 });
  fc.assert(fc.property(broadcastPairArb(2, 2), dim, dim, dim, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }),
    ([batchA, batchB], m, n, k, transA, transB, seed) => {
      const rng = new Rng(seed);
      const a = randn64(stored(batchA, m, k, transA), rng);
      const b = randn64(stored(batchB, k, n, transB), rng);
      gradcheck((x, y) => matmul(x, y, { transA, transB }), [a, b], { name: `matmul [${a.shape}]·[${b.shape}] ${transA} ${transB}` });
    }), { seed: 42, numRuns: 30 });
});

test('linear: x Wᵀ + b with and without bias, rank-2 and rank-3 inputs', () => {
  const rng = new Rng(3);
  const w = randn64([4, 3], rng);
  const bias = randn64([4], rng);
  gradcheck((x, wt, b) => linear(x, wt, b), [randn64([2, 3], rng), w, bias]);
  gradcheck((x, wt) => linear(x, wt), [randn64([2, 5, 3], rng), w]);
  gradcheck((x, wt) => linear(x, wt, null), [randn64([3], rng), w]);
  const x = Tensor.from([[1, 2]]);
  const W = Tensor.from([[1, 0], [0, 1], [1, 1]]);
  assert.equal(linear(x, W, Tensor.from([10, 20, 30])).toArray(), [[11, 22, 33]]);
});

test('matmul / linear errors name the shapes', () => {
  assert.throws(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 2])), /matmul: both operands need rank >= 2, got \[3\] and \[3, 2\]/);
  assert.throws(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2])), /matmul: inner dimensions differ: \[2, 3\] · \[4, 2\]/);
  assert.throws(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([3, 3]), { transA: true }), /inner dimensions differ: \[2, 3\]ᵀ · \[3, 3\]$/);
  assert.throws(() => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 1])), /\[2\] and \[3\] do not broadcast/);
  assert.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), /linear: input \[2, 3\] does not match weight \[4, 5\] \(expected last dimension 5\)/);
});

test.run();
