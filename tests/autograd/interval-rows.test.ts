/**
 * `intervalRows` (one op: y = A·m − |A|·r row by row) against the composed ops it replaces in
 * IBP's specification layer (two batched matmuls, abs, sub): values and the gradients of A, m
 * and r in float64 within rounding, float32 within its rounding; NaN / infinite boxes give
 * non-finite bounds (fail closed, also against a zero coefficient); shape errors name the shapes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { abs, backward, intervalRows, matmul, mul, reshape, sub, sum } from '../../src/autograd/index.js';
import { nativeBackendAvailable } from '../../src/tensor/backends/native/index.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/random.js';
import { backendNames, withBackend } from '../../src/tensor/registry.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** js runs the loops, native its kernels (where built). */
const backends = ['js', ...(nativeBackendAvailable() ? ['native'] : [])].filter((b) => backendNames().includes(b));

type Op = (A: Tensor, m: Tensor, r: Tensor) => Tensor;

const composed: Op = (A, m, r) => {
  const [B, K] = A.shape as [number, number];
  return reshape(sub(matmul(A, reshape(m, [B, -1, 1])), matmul(abs(A), reshape(r, [B, -1, 1]))), [B, K]);
};

/** y and the gradients of A, m, r for the loss Σ y·w (w fixed random). */
function run(op: Op, [B, K, F]: number[], seed: number, dtype: DType): Float64Array[] {
  const rng = new Rng(seed);
  const leaf = (shape: number[], lo: number): Tensor => {
    const t = Tensor.uniform(shape, rng, lo, 1).to(dtype);
    t.requiresGrad = true;
    return t;
  };
  const A = leaf([B!, K!, F!], -1), m = leaf([B!, F!], -1), r = leaf([B!, F!], 0);
  const w = Tensor.uniform([B!, K!], rng, -1, 1).to(dtype);
  const y = op(A, m, r);
  backward(sum(mul(y, w)));
  return [y, A.grad!, m.grad!, r.grad!].map((t) => Float64Array.from(t.data));
}

test(`intervalRows = A·m − |A|·r by matmul, abs and sub, values and gradients (float64 1e-12, float32 1e-5) on ${backends.join(', ')} (fast-check)`, () => {
  const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }));
  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
    fc.assert(fc.property(arb, ([B, K, F, seed]) => {
      const want = withBackend('js', () => run(composed, [B, K, F], seed, dtype));
      for (const backend of backends) {
        const got = withBackend(backend, () => run(intervalRows, [B, K, F], seed, dtype));
        got.forEach((g, i) => g.forEach((v, j) => {
          const e = want[i]![j]!;
          assert.ok(Math.abs(v - e) <= tol * (1 + Math.abs(e)) * Math.sqrt(F), `${backend} ${dtype} output ${i}[${j}]: ${v} vs ${e}`);
        }));
      }
    }), { seed: 5, numRuns: 40 });
  }
});

test('intervalRows fails closed: a NaN or infinite centre or radius gives a non-finite bound even where its row coefficient is 0', () => {
  for (const bad of [NaN, Infinity]) {
    const A = new Tensor(Float64Array.from([1, 0, -2]), [1, 1, 3]);
    for (const which of ['m', 'r']) {
      const m = new Tensor(Float64Array.from([0.5, which === 'm' ? bad : 0, 1]), [1, 3]);
      const r = new Tensor(Float64Array.from([0.1, which === 'r' ? bad : 0, 0.2]), [1, 3]);
      for (const backend of backends) {
        const y = withBackend(backend, () => intervalRows(A, m, r)).data[0]!;
        assert.ok(!Number.isFinite(y), `${backend} ${which} ${bad}: ${y}`);
      }
    }
  }
});

test('intervalRows names the shapes it needs', () => {
  const A = Tensor.zeros([2, 3, 4]);
  assert.throws(() => intervalRows(A, Tensor.zeros([2, 5]), Tensor.zeros([2, 4])), /m \[2, 5\].*\[B, F\]/);
  assert.throws(() => intervalRows(Tensor.zeros([2, 4]), Tensor.zeros([2, 4]), Tensor.zeros([2, 4])), /must be \[B, K, F\]/);
});

test.run();
