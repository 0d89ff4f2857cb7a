// The rowDot op: gradients (recorded: the composed path) against central differences for every
// map, with and without weights, shared rows or images; without gradients the fused kernel gives
// the same values as the composition the backends without the kernel run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../../src/autograd/index.js';
import { rowDot } from '../../../src/relax/rows/row-dot.js';
import type { Backend } from '../../../src/tensor/backend.js';
import { jsBackend } from '../../../src/tensor/backends/js/index.js';
import { withBackend } from '../../../src/tensor/registry.js';
import { Rng } from '../../../src/tensor/random.js';
import { assertAllClose, distinct64, gradcheck } from '../../helpers/gradcheck.js';

const withoutKernel: Backend = { ...jsBackend, name: 'js-without-rowDot', rowDot: undefined };

for (const map of ['identity', 'relu', 'abs', 'square'] as const) {
  for (const [gBatch, wBatch, weighted] of [[2, 2, true], [2, 1, true], [1, 2, true], [2, 1, false]] as const) {
    test(`rowDot ${map}, g [${gBatch},3,4,5], ${weighted ? `w [${wBatch},3,5]` : 'no w'}: gradient, and fused = composed`, () => {
      const rng = new Rng(7);
      const g = distinct64([gBatch, 3, 4, 5], rng, 0.05).requireGrad();
      const w = weighted ? distinct64([wBatch, 3, 5], rng, 0.05).requireGrad() : null;
      gradcheck((...t) => rowDot(t[0]!, weighted ? t[1]! : null, map), weighted ? [g, w!] : [g]);
      const fused = noGrad(() => rowDot(g, w, map));
      const composed = noGrad(() => withBackend(withoutKernel, () => rowDot(g, w, map)));
      assert.equal(fused.shape, composed.shape);
      assertAllClose(fused.data, composed.data, 1e-12, 1e-12);
    });
  }
}

test.run();
