/**
 * `productSumToShape` (the gradient of a broadcast factor, Σ_broadcast a ⊙ b): the wasm backend's
 * fused kernel against js's composite `sumToShape(binary('mul'))`. Where the reduction collapses
 * to [o, k, i] → [o, i] with i ≥ 4 the fused kernel adds the float32 products in js's order, so
 * the result must be the same bits; every other pattern must stay within the float32 bound.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Backend } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { createWasmBackend, wasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { Rng } from '../../src/tensor/random.js';
import { assertSameBits, randomF32 } from '../helpers/float32.js';

const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };
/** The backend's fused kernel (every backend here has one). */
function productSum(backend: Backend): NonNullable<Backend['productSumToShape']> {
  assert.type(backend.productSumToShape, 'function', `${backend.name} has productSumToShape`);
  return backend.productSumToShape!.bind(backend);
}

const backends: Array<[string, Backend]> = [['forced', createWasmBackend({ threads: 1, ...forced })], ['default', wasmBackend]];

test('the projected-dual shapes [B, k, S] -> [B, 1, S]: fused, same bits as js, and as the two-step wasm composite', () => {
  const rng = new Rng(3);
  for (const [B, k, S] of [[50, 50, 1568], [3, 7, 4], [2, 5, 37], [1, 9, 4099]] as const) {
    const a = randomF32(B * k * S, rng), b = randomF32(B * k * S, rng);
    const shape = [B, k, S], target = [B, 1, S];
    const expected = productSum(js)(a, b, shape, target);
    for (const [name, backend] of backends) {
      assertSameBits(productSum(backend)(a, b, shape, target), expected, `[${shape}] ${name}`);
      assertSameBits(productSum(backend)(a, b, shape, target), backend.sumToShape(backend.binary('mul', a, shape, b, shape, shape), shape, target), `[${shape}] ${name} composite`);
    }
  }
});

const patternArb = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 })
  .filter((shape) => shape.reduce((p, d) => p * d, 1) <= 3000)
  .chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map((d) => fc.constantFrom(d, 1)))));

test('every broadcast pattern within the float32 bound of js (fast-check)', () => {
  fc.assert(fc.property(patternArb, fc.integer({ min: 0, max: 1e6 }), ([shape, target], seed) => {
    const rng = new Rng(seed);
    const n = shape.reduce((p, d) => p * d, 1);
    const a = randomF32(n, rng), b = randomF32(n, rng);
    const expected = productSum(js)(a, b, shape, target);
    const bound = js.sumToShape(Float64Array.from(a, (v, i) => Math.abs(v * b[i]!)), shape, target);
    const depth = n / expected.length;
    for (const [name, backend] of backends) {
      const got = productSum(backend)(a, b, shape, target);
      assert.is(got.length, expected.length);
      for (let i = 0; i < got.length; i++) {
        const tol = 2 * (depth + 2) * 2 ** -24 * bound[i]! + 1e-30;
        assert.ok(Math.abs(got[i]! - expected[i]!) <= tol, `[${shape}] -> [${target}] ${name} element ${i}: ${got[i]} vs ${expected[i]}`);
      }
    }
  }), { seed: 5, numRuns: 150 });
});

test('float64 and small inputs take the js composite exactly', () => {
  const rng = new Rng(4);
  const a = Float64Array.from({ length: 60 }, () => rng.uniform(-1, 1)), b = Float64Array.from({ length: 60 }, () => rng.uniform(-1, 1));
  const got = productSum(wasmBackend)(a, b, [3, 4, 5], [3, 1, 5]);
  assert.ok(got instanceof Float64Array);
  assert.equal(Array.from(got), Array.from(js.sumToShape(js.binary('mul', a, [3, 4, 5], b, [3, 4, 5], [3, 4, 5]), [3, 4, 5], [3, 1, 5])));
});

test.run();
