import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { noGrad } from '../../src/autograd/index.js';
import { Conv2d, Flatten, LeakyReLU, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { ChunkedDualNetwork, chunkedCertify } from '../../src/relax/chunked.js';
import { DualNetwork } from '../../src/relax/network.js';
import { certify } from '../../src/relax/robust-loss.js';
import { dualOptionsOf } from '../../src/relax/testing/perturbation.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { buildCase, buildNet, caseSpecArb, netSpecArb, randomObjective } from '../helpers/relax-properties.js';

/** Largest |a − b| / (1 + max |b|) over paired tensors. */
function relGap(pairs: [Tensor, Tensor][]): number {
  let worst = 0;
  for (const [a, b] of pairs) {
    const scale = 1 + Math.max(0, ...Array.from(b.data, Math.abs));
    for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / scale);
  }
  return worst;
}

test('chunked bounds and J equal the unchunked network on random networks (Dense skips, BN, strided convs; l∞, box, l2), 1e-12', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    noGrad(() => {
      const net = buildNet(spec);
      const set = buildCase(cs, spec.input);
      const full = new DualNetwork(net, set.X, set.epsilon, dualOptionsOf(set));
      // A budget of about two objective columns per pass: the most chunks there can be.
      const perColumn = cs.batch * full.shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0) * 8 * 4;
      const chunked = new ChunkedDualNetwork(net, set.X, set.epsilon, { ...dualOptionsOf(set), memoryBudget: 2 * perColumn });
      const c = randomObjective(cs.batch, 3, full.shapes.at(-1)!, new Rng(cs.seed));
      const pairs: [Tensor, Tensor][] = full.reluBounds().flatMap((b, r): [Tensor, Tensor][] => [[chunked.reluBounds()[r]!.lower, b.lower], [chunked.reluBounds()[r]!.upper, b.upper]]);
      pairs.push([chunked.objective(c), full.objective(c)]);
      const gap = relGap(pairs);
      if (!(gap < 1e-12)) throw new Error(`chunked differs from unchunked by ${gap}`);
      // At least one pass per bounded layer, and the 3 objective columns take 2 passes of 2.
      const expected = full.reluBounds().length + 2;
      if (chunked.passes < expected) throw new Error(`expected at least ${expected} passes, got ${chunked.passes}`);
    });
  }), { seed: 7, numRuns: 60 });
});

test('passes follow the budget: ⌈n_p / units per pass⌉ per bounded layer, ⌈K / columns⌉ for J', () => {
  const rng = new Rng(2);
  const net = new Sequential(new Linear(6, 10, { rng }), new ReLU(), new Linear(10, 4, { rng })).to('float64');
  const X = Tensor.uniform([2, 6], rng, 0, 1, 'float64');
  const bytesPerColumnAtRelu = 2 * (6 + 10) * 8 * 4; // B · (|z_0| + |z_1|) · 8 bytes · overhead 4
  const dual = new ChunkedDualNetwork(net, X, 0.1, { memoryBudget: 6 * bytesPerColumnAtRelu }); // 6 columns = 3 units per pass
  assert.is(dual.passes, Math.ceil(10 / 3));
  noGrad(() => dual.objective(Tensor.randn([2, 5, 4], rng, 0, 1, 'float64'))); // 2·(6+10+4)·32 = 1280 bytes per column: 6·1024/1280 → 4 columns
  assert.is(dual.passes, Math.ceil(10 / 3) + Math.ceil(5 / 4));
});

test('box limits are checked and broadcast once for both paths: a [1]-shaped inputLower, per-pixel limits, a LeakyReLU', () => {
  const rng = new Rng(4);
  const net = new Sequential(new Linear(6, 8, { rng }), new LeakyReLU(0.2), new Linear(8, 3, { rng })).to('float64');
  const X = Tensor.uniform([2, 6], rng, 0.2, 0.8, 'float64');
  const c = Tensor.randn([2, 3, 3], rng, 0, 1, 'float64');
  for (const inputLower of [Tensor.full([1], 0.25, 'float64'), Tensor.full([6], 0.25, 'float64'), 0.25]) {
    const options = { bounded: true, inputLower, inputUpper: Tensor.full([2, 6], 0.7, 'float64') };
    const [full, chunked] = noGrad(() => [new DualNetwork(net, X, 0.1, options).objective(c), new ChunkedDualNetwork(net, X, 0.1, { ...options, memoryBudget: 1 << 20 }).objective(c)]);
    full!.data.forEach((v, i) => assert.ok(Math.abs(v - chunked!.data[i]!) <= 1e-12 * (1 + Math.abs(v)), `${v} vs ${chunked!.data[i]}`));
  }
  for (const make of [(o: object) => new DualNetwork(net, X, 0.1, o), (o: object) => new ChunkedDualNetwork(net, X, 0.1, { ...o, memoryBudget: 1 << 20 })]) {
    assert.throws(() => make({ bounded: true, inputLower: Tensor.zeros([7], 'float64') }), /inputLower must be a number or a tensor broadcastable to X/);
    assert.throws(() => make({ norm: 'l2', bounded: true }), /options.bounded is only supported with norm 'linf'/);
  }
});

test('chunkedCertify gives certify\'s logits and certificates on a conv net, within a 256 KiB budget', () => {
  const rng = new Rng(3);
  const net = new Sequential(new Conv2d(1, 4, 4, { rng, stride: 2, padding: 1 }), new ReLU(), new Conv2d(4, 8, 4, { rng, stride: 2, padding: 1 }), new ReLU(),
    new Flatten(), new Linear(8 * 3 * 3, 20, { rng }), new ReLU(), new Linear(20, 10, { rng })).to('float64');
  const X = Tensor.uniform([2, 1, 12, 12], rng, 0, 1, 'float64');
  const y = [3, 7];
  for (const options of [{}, { bounded: true }, { norm: 'l2' as const }]) {
    const exact = certify(net, 0.02, X, y, options);
    const chunked = chunkedCertify(net, 0.02, X, y, { ...options, memoryBudget: 256 * 1024 });
    assert.ok(relGap([[chunked.logits, exact.logits]]) < 1e-12);
    assert.equal([...chunked.errors], [...exact.errors]);
    assert.equal([...chunked.predictions], [...exact.predictions]);
  }
});

test('errors: a budget below one pair of columns, projections, a non-positive budget', () => {
  const rng = new Rng(4);
  const net = new Sequential(new Linear(6, 10, { rng }), new ReLU(), new Linear(10, 4, { rng })).to('float64');
  const X = Tensor.uniform([2, 6], rng, 0, 1, 'float64');
  assert.throws(() => new ChunkedDualNetwork(net, X, 0.1, { memoryBudget: 100 }), /memoryBudget = 100 bytes is below/);
  assert.throws(() => new ChunkedDualNetwork(net, X, 0.1, { memoryBudget: 0 }), /memoryBudget must be a positive number/);
  assert.throws(() => new ChunkedDualNetwork(net, X, 0.1, { memoryBudget: 1e6, projection: { k: 2 } } as never), /projections are not supported/);
});

test.run();
