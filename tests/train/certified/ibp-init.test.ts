// Shi et al.'s IBP initialisation: weights (all but the last) ~ N(0, (√(2π)/fan-in)²), so each
// row's expected ℓ1 norm is n·σ·√(2/π) = 2 (an interval radius doubles through the affine map
// and about halves through the ReLU: the width is preserved); the last layer and biases untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { zoo } from '../../../src/nn/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { ibpInit, ibpInitStd, ibpInitWeights } from '../../../src/train/certified/ibp-init.js';

test('redraws every weight but the last with σ = √(2π)/fan-in', () => {
  const net = zoo.mnistModel(0);
  const before = new Map(net.namedParameters().map(([n, p]) => [n, Float32Array.from(p.data)]));
  const used = ibpInit(net, new Rng(1));
  assert.equal(used.map((u) => u.name), ['0.weight', '2.weight', '5.weight']);
  assert.equal(used.map((u) => u.std), [ibpInitStd(16), ibpInitStd(256), ibpInitStd(1568)]);
  for (const [name, p] of net.namedParameters()) {
    const changed = p.data.some((v, i) => v !== before.get(name)![i]);
    assert.is(changed, used.some((u) => u.name === name), name);
  }
});

test('statistics: mean 0, the chosen σ, and row ℓ1 norms ≈ 2 (interval width preserved)', () => {
  const net = zoo.mnistModel(3);
  ibpInit(net, new Rng(7));
  for (const [name, w] of ibpInitWeights(net)) {
    const fanIn = w.size / w.shape[0]!;
    const sigma = ibpInitStd(fanIn);
    const n = w.size;
    const values = Array.from(w.data);
    const mean = values.reduce((a, v) => a + v, 0) / n;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    assert.ok(Math.abs(mean) < 4 * sigma / Math.sqrt(n), `${name} mean ${mean}`);
    assert.ok(Math.abs(sd / sigma - 1) < 4 / Math.sqrt(2 * n) + 1e-3, `${name} sd ${sd} vs ${sigma}`);
    let l1 = 0;
    for (let i = 0; i < w.size; i++) l1 += Math.abs(w.data[i]!);
    const rowL1 = l1 / w.shape[0]!;
    assert.ok(Math.abs(rowL1 - 2) < 0.1, `${name} mean row ℓ1 ${rowL1}`);
  }
});

test('seeded: the same seed gives the same weights', () => {
  const a = zoo.mnistModel(0);
  const b = zoo.mnistModel(0);
  ibpInit(a, new Rng(5));
  ibpInit(b, new Rng(5));
  assert.equal(Array.from(a.parameters()[0]!.data), Array.from(b.parameters()[0]!.data));
  assert.throws(() => ibpInitStd(0), /fanIn must be a positive integer/);
});

test.run();
