import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { affineOutputSizes, epsilonFromModel, projectionEpsilon, projectionLowerTail, projectionUpperTail } from '../../src/relax/epsilon.js';
import { Rng } from '../../src/tensor/random.js';

/** The original's GR / GL form: p = exp(−k e² / G(e)), G(e) = e² / (−½ ln(1 + t²) + t atan t), t = (2/π) ln(1 ± e). */
function originalTail(e: number, k: number, sign: 1 | -1): number {
  const t = (2 / Math.PI) * Math.log(1 + sign * e);
  const G = e ** 2 / (-0.5 * Math.log(1 + t * t) + t * Math.atan(t));
  return Math.exp((-k * e ** 2) / G);
}

test('tails equal the original GR/GL formulas and shrink with k and e', () => {
  for (const [e, k] of [[0.01, 10], [0.2, 50], [0.5, 7], [0.9, 300]] as const) {
    assert.ok(Math.abs(projectionUpperTail(e, k) - originalTail(e, k, 1)) <= 1e-12 * originalTail(e, k, 1) + 1e-300);
    assert.ok(Math.abs(projectionLowerTail(e, k) - originalTail(e, k, -1)) <= 1e-12 * originalTail(e, k, -1) + 1e-300);
  }
  assert.ok(projectionUpperTail(0.2, 100) < projectionUpperTail(0.2, 50));
  assert.ok(projectionUpperTail(0.3, 50) < projectionUpperTail(0.2, 50));
  assert.ok(projectionLowerTail(0.2, 50) < projectionUpperTail(0.2, 50), 'the lower tail is the lighter one');
  assert.is(projectionLowerTail(1, 5), 0);
});

test('projectionEpsilon returns the first grid point 0.001·1.01^i with both tails <= delta', () => {
  for (const [delta, k] of [[0.05, 50], [1e-3, 200], [0.2, 25]] as const) {
    const e = projectionEpsilon(delta, k);
    assert.ok(Math.max(projectionUpperTail(e, k), projectionLowerTail(e, k)) <= delta);
    const previous = e / 1.01;
    if (previous >= 0.001) assert.ok(Math.max(projectionUpperTail(previous, k), projectionLowerTail(previous, k)) > delta, 'not the first grid point');
    const steps = Math.log(e / 0.001) / Math.log(1.01);
    assert.ok(Math.abs(steps - Math.round(steps)) < 1e-6, 'e lies on the grid');
  }
  assert.ok(projectionEpsilon(0.05, 200) < projectionEpsilon(0.05, 50), 'more projections, smaller error');
});

test('Monte Carlo: the median of k |Cauchy| samples leaves [1 − e, 1 + e] less often than delta per tail', () => {
  const rng = new Rng(17);
  for (const [delta, k] of [[0.05, 51], [0.1, 25]] as const) {
    const e = projectionEpsilon(delta, k);
    let above = 0;
    let below = 0;
    const trials = 4000;
    const sample = new Float64Array(k);
    for (let t = 0; t < trials; t++) {
      rng.fillCauchy(sample);
      const sorted = Array.from(sample, Math.abs).sort((a, b) => a - b);
      const median = sorted[(k - 1) >> 1]!;
      if (median > 1 + e) above++;
      if (median < 1 - e) below++;
    }
    assert.ok(above / trials <= delta && below / trials <= delta, `k = ${k}, e = ${e}: above ${above / trials}, below ${below / trials}, delta ${delta}`);
    assert.ok(above + below > 0, 'the bound should not be vacuous: some estimates do fail');
  }
});

test('projectionEpsilon rejects bad arguments and a delta too small for k', () => {
  assert.throws(() => projectionEpsilon(0, 10), /delta must lie in \(0, 1\)/);
  assert.throws(() => projectionEpsilon(0.1, 0), /k must be a positive integer/);
  assert.throws(() => projectionEpsilon(1e-12, 3), /too small for k = 3/);
});

test('epsilonFromModel: N = Σ (1 + i)·n_i over the estimated layers, budget (δ/N)^{1/m}', () => {
  const rng = new Rng(1);
  // Conv(1→4, k4, s2, p1) on 1×16×16 gives 4·8·8 = 256 outputs; then Linear(256→200), Linear(200→3).
  const net = new Sequential(new Conv2d(1, 4, 4, { rng, stride: 2, padding: 1 }), new ReLU(), new Flatten(), new Linear(256, 200, { rng }), new ReLU(), new Linear(200, 3, { rng }));
  const shape = [1, 16, 16];
  assert.equal(affineOutputSizes(net, shape), [256, 200, 3]);
  // k·m = 150: both estimated layers (256 and 200 > 150): N = 1·256 + 2·200 = 656.
  assert.is(epsilonFromModel(net, shape, { k: 150, m: 1, delta: 0.01 }), projectionEpsilon(0.01 / 656, 150));
  // k·m = 210: only the first layer: N = 256; m = 2 takes the square root of the budget.
  assert.is(epsilonFromModel(net, shape, { k: 105, m: 2, delta: 0.01 }), projectionEpsilon((0.01 / 256) ** (1 / 2), 105));
  // k·m = 300: nothing is estimated; no delta: no probabilistic bound.
  assert.is(epsilonFromModel(net, shape, { k: 300, m: 1, delta: 0.01 }), 0);
  assert.is(epsilonFromModel(net, shape, { k: 10, m: 2, delta: null }), 0);
  assert.throws(() => epsilonFromModel(net, shape, { k: 10, m: 0, delta: 0.1 }), /m must be a positive number/);
  assert.throws(() => epsilonFromModel(net, shape, { k: 5, m: 1, delta: 0.01 }), /too small for k = 5/);
});

test.run();
