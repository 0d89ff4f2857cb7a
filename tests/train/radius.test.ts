// Certified radius by bisection: exact on linear models (radius = margin / ‖w‖₁ for l∞), brackets
// the certificate on random ReLU nets, and the certificate is monotone in ε (certified at ε ⇒
// certified at every smaller ε; the worst robust logit only grows with ε).
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Linear, Sequential } from '../../src/nn/index.js';
import { certify } from '../../src/relax/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { certifiedRadius, radiusHistogramSvg } from '../../src/train/radius.js';
import { blobs, mlp } from './helpers.js';

test('linear 2-class model: the l∞ radius is |w·x + b| / ‖w‖₁ (the bound is exact), within the tolerance', () => {
  const net = new Sequential(new Linear(3, 2, { rng: new Rng(0) })).to('float64');
  const w = [0.5, -1.5, 1]; // f1 − f0 = w·x − 0.25
  net.loadStateDict(new Map([['0.weight', { shape: [2, 3], data: Float64Array.from([0, 0, 0, ...w]) }], ['0.bias', { shape: [2], data: Float64Array.from([0.25, 0]) }]]));
  const X = Tensor.from([0.9, 0.1, 0.5, 0.2, 0.2, 0.3, 0.4, 0.6, 0.1], [3, 3], 'float64');
  const y = [1, 0, 0];
  const r = certifiedRadius(net, X, y, { tolerance: 1e-6, high: 2 });
  for (let b = 0; b < 3; b++) {
    const x = Array.from(X.data.subarray(3 * b, 3 * b + 3));
    const margin = (w[0]! * x[0]! + w[1]! * x[1]! + w[2]! * x[2]! - 0.25) * (y[b] === 1 ? 1 : -1);
    assert.ok(margin > 0, `example ${b} is correctly classified`);
    const exact = margin / 3;
    assert.ok(r.radius[b]! <= exact + 1e-12 && exact <= r.upper[b]! + 1e-12, `example ${b}: ${r.radius[b]} ≤ ${exact} ≤ ${r.upper[b]}`);
    assert.ok(r.upper[b]! - r.radius[b]! <= 1e-6);
  }
});

test('misclassified examples get radius 0 (not certified at ε = 0); target "prediction" certifies them around their own class', () => {
  const ds = blobs(15, 3, 3, 3);
  const net = mlp(3, [6], 3, 9).eval();
  const X = new Tensor(ds.images, [15, 3]);
  const byLabel = certifiedRadius(net, X, ds.labels);
  const byPrediction = certifiedRadius(net, X, ds.labels, { target: 'prediction' });
  assert.ok(byLabel.correct.some((c) => c === 0), 'the untrained net misclassifies some examples');
  for (let b = 0; b < 15; b++) {
    if (byLabel.correct[b] === 0) assert.equal([byLabel.radius[b], byLabel.upper[b], byLabel.uncertifiable[b]], [0, 0, 1]);
    else assert.is(byLabel.radius[b], byPrediction.radius[b]);
    assert.is(byPrediction.uncertifiable[b], 0, 'an argmax without ties is certified at ε = 0');
  }
  assert.match(radiusHistogramSvg(byPrediction, { all: true }), /^<svg/);
});

/** The largest robust logit over j ≠ target (certified iff < 0). */
function worstLogit(net: Sequential, X: Tensor, eps: number, target: number, bounded: boolean): number {
  const { logits } = certify(net, eps, X, [target], { bounded });
  return Math.max(...Array.from(logits.data).filter((_, j) => j !== target));
}

function bracketsAndMonotone(bounded: boolean, seed: number): void {
  const ds = blobs(6, 4, 3, seed);
  const net = mlp(4, [7, 5], 3, seed + 1).to('float64').eval();
  const X = new Tensor(Float64Array.from(ds.images), [6, 4]);
  const tolerance = 1e-3;
  const r = certifiedRadius(net, X, ds.labels, { target: 'prediction', bounded, tolerance, high: 0.5 });
  for (let b = 0; b < 6; b++) {
    const x = new Tensor(X.data.slice(4 * b, 4 * b + 4), [1, 4]);
    const t = r.targets[b]!;
    assert.is(r.uncertifiable[b], 0);
    const worst = (eps: number): number => worstLogit(net, x, eps, t, bounded);
    assert.ok(worst(r.radius[b]!) < 0, `example ${b} is certified at its radius ${r.radius[b]}`);
    if (!r.capped[b]) {
      assert.ok(worst(r.upper[b]!) >= 0, `example ${b} is not certified at ${r.upper[b]}`);
      assert.ok(r.upper[b]! - r.radius[b]! <= tolerance);
    }
    // certified at the radius ⇒ certified at every smaller ε (grid of 8)
    for (let i = 0; i < 8; i++) assert.ok(worst((i / 8) * r.radius[b]!) < 0, `example ${b}: not certified at ${(i / 8) * r.radius[b]!} < radius ${r.radius[b]}`);
    // the worst robust logit grows with ε, up to the small dips of the fixed-slope dual (see radius.ts)
    let previous = -Infinity;
    for (let i = 0; i <= 8; i++) {
      const value = worst((i / 8) * Math.min(0.5, 2 * r.upper[b]! + 0.01));
      assert.ok(value >= previous - 1e-3, `example ${b}: worst robust logit falls from ${previous} to ${value} as ε grows`);
      previous = Math.max(previous, value);
    }
  }
}

test('random ReLU nets, l∞ ball: the bisection brackets the certificate, and the certificate is monotone in ε', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => bracketsAndMonotone(false, seed)), { seed: 11, numRuns: 15 });
});

test('random ReLU nets, l∞ ball ∩ [0,1] box: the same', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => bracketsAndMonotone(true, seed)), { seed: 12, numRuns: 15 });
});

test.run();
