import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { fgs, pgd } from '../../src/attack/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import { reluNet } from './helpers.js';

/** Largest |adv - X| and whether every entry of adv lies in [0, 1]. */
function measure(adv: Tensor, X: Tensor): { dist: number; inBox: boolean } {
  let dist = 0;
  let inBox = true;
  for (let i = 0; i < X.size; i++) {
    dist = Math.max(dist, Math.abs(adv.data[i]! - X.data[i]!));
    if (!(adv.data[i]! >= 0 && adv.data[i]! <= 1)) inBox = false;
  }
  return { dist, inBox };
}

const caseArb = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  dim: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
  // include tiny radii and radii that are not float32 numbers
  epsilon: fc.oneof(fc.constant(0), fc.double({ min: 1e-7, max: 0.6, noNaN: true })),
  step: fc.double({ min: 0, max: 0.5, noNaN: true }),
  iterations: fc.integer({ min: 0, max: 6 }),
  clip01: fc.boolean(),
  randomStart: fc.boolean(),
  dtype: fc.constantFrom<DType>('float32', 'float64'),
});

test('FGS and PGD iterates never leave the eps-ball (nor [0,1] when clipped), float32 and float64', () => {
  fc.assert(fc.property(caseArb, (c) => {
    const rng = new Rng(c.seed);
    const model = reluNet(c.dim, 5, 3, c.seed, c.dtype);
    const X = Tensor.uniform([c.batch, c.dim], rng, 0, 1, c.dtype);
    const y = Int32Array.from({ length: c.batch }, () => rng.int(3));
    const results = [
      fgs(model, X, y, c.epsilon, { clip01: c.clip01 }),
      pgd(model, X, y, c.epsilon, { clip01: c.clip01, iterations: c.iterations, step: c.step, randomStart: c.randomStart, seed: c.seed }),
    ];
    for (const r of results) {
      assert.equal(r.adversarial.shape, X.shape);
      assert.is(r.adversarial.dtype, X.dtype);
      const { dist, inBox } = measure(r.adversarial, X);
      if (dist > c.epsilon) throw new Error(`left the ball: max |x' - X| = ${dist} > eps = ${c.epsilon}`);
      if (c.clip01 && !inBox) throw new Error('left [0, 1] although clip01 is set');
    }
  }), { seed: 20240601, numRuns: 150 });
});

test('without clipping, FGS on points at the box edge goes outside [0,1] (the original does not clip)', () => {
  const model = reluNet(4, 6, 3, 7);
  const X = Tensor.from([[0, 1, 0, 1], [1, 0, 1, 0]]);
  const y = [0, 1];
  const plain = fgs(model, X, y, 0.3);
  const clipped = fgs(model, X, y, 0.3, { clip01: true });
  assert.not.ok(measure(plain.adversarial, X).inBox, 'some coordinate should step outside');
  assert.ok(measure(clipped.adversarial, X).inBox);
});
test.run();
