/**
 * The native GEMM at small m and long k (native/gemm.cc): the dot-product path of A·Bᵀ (small
 * output, k ≥ 256) and the packed path at the shapes of mnist_model's FC1 (1568 → 100, batch 50):
 * forward A·Bᵀ 50×100×1568, input gradient 50×1568×100, weight gradient Aᵀ·B 100×1568×50.
 * Against js within the bound of native.test.ts, and bit for bit between 1 and 2 threads (each
 * output entry sums over k in one fixed order, whichever thread computes it), float32 and float64,
 * also from operands at an odd element offset (unaligned vector loads). Skipped, with the reason in
 * the test name, when the addon is not built.
 */
import { test } from 'uvu';
import fc from 'fast-check';
import type { MatmulSpec } from '../../../src/tensor/backend.js';
import { jsBackend as js } from '../../../src/tensor/backends/js/index.js';
import { createNativeBackend, nativeBackendAvailable, nativeUnavailableReason } from '../../../src/tensor/backends/native/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { assertClose, dtypes, randomArray, type Dtype } from './native-helpers.js';

const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };

/** A random operand of `n` elements, as a view one element into its buffer when `offset`. */
function operand(n: number, rng: Rng, dtype: Dtype, offset: boolean): Float32Array | Float64Array {
  const data = randomArray(n + 1, rng, dtype);
  return offset ? data.subarray(1) : data.subarray(0, n);
}

if (!nativeBackendAvailable()) {
  test(`native GEMM tests skipped: ${nativeUnavailableReason()}`, () => {});
} else {
  const one = createNativeBackend({ threads: 1, ...forced }), two = createNativeBackend({ threads: 2, ...forced });

  const check = (m: number, n: number, k: number, transA: boolean, transB: boolean, seed: number, dtype: Dtype, offset: boolean): void => {
    const spec: MatmulSpec = { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 };
    const rng = new Rng(seed);
    const a = operand(m * k, rng, dtype, offset), b = operand(k * n, rng, dtype, offset);
    const label = `${m}x${n}x${k} t${+transA}${+transB} ${dtype}${offset ? ' offset' : ''}`;
    const single = one.matmul(a, b, spec);
    assertClose(single, js.matmul(a, b, spec), js.matmul(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), spec), k, dtype,
      `${label} vs js`);
    assertClose(two.matmul(a, b, spec), single, null, 0, dtype, `${label} 2 threads vs 1`);
  };

  test('small-m products over long k agree with js and give the same bits on 1 and 2 threads (fast-check)', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 60 }), n: fc.integer({ min: 1, max: 130 }), k: fc.integer({ min: 200, max: 700 }),
      transA: fc.boolean(), transB: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }), offset: fc.boolean(),
    });
    for (const dtype of dtypes) {
      fc.assert(fc.property(arb, ({ m, n, k, transA, transB, seed, offset }) => check(m, n, k, transA, transB, seed, dtype, offset)),
        { seed: 6, numRuns: 40 });
    }
  });

  test('mnist_model FC1 products (forward, input and weight gradients) agree with js; 1 vs 2 threads bit for bit', () => {
    for (const dtype of dtypes) {
      for (const offset of [false, true]) {
        check(50, 100, 1568, false, true, 1, dtype, offset);
        check(50, 1568, 100, false, false, 2, dtype, offset);
        check(100, 1568, 50, true, false, 3, dtype, offset);
      }
    }
  });
}

test.run();
