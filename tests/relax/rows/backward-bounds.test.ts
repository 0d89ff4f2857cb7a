// Backward rows (src/relax/rows): the bounds computed backwards, with windowed rows through
// convolutions, equal the forward columns' bounds (the original algorithm) on random networks and
// input sets, and so do J and its gradient; the window plan and the direction choice behave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { backward, noGrad } from '../../../src/autograd/index.js';
import { modelFromDescription } from '../../../src/nn/describe.js';
import { DualNetwork, type DualizableNetwork, type DualNetworkOptions } from '../../../src/relax/network.js';
import { robustLoss } from '../../../src/relax/robust-loss.js';
import { planRows } from '../../../src/relax/rows/backward-bounds.js';
import { dualOptionsOf } from '../../../src/relax/testing/perturbation.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { buildCase, buildNet, caseSpecArb, netSpecArb, randomObjective } from '../../helpers/relax-properties.js';

/** Largest |a − b| / (1 + max |b|) over paired tensors. */
function relGap(pairs: [Tensor, Tensor][]): number {
  let worst = 0;
  for (const [a, b] of pairs) {
    assert.equal(a.shape, b.shape);
    const scale = 1 + Math.max(0, ...Array.from(b.data, Math.abs));
    for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / scale);
  }
  return worst;
}

/** Bounds and J in both directions; the backward network must really have bounded backwards. */
function bothDirections(net: DualizableNetwork, X: Tensor, eps: number | Tensor, options: DualNetworkOptions, c: Tensor): number {
  return noGrad(() => {
    const fwd = new DualNetwork(net, X, eps, { ...options, boundDirection: 'forward' });
    const bwd = new DualNetwork(net, X, eps, { ...options, boundDirection: 'backward' });
    assert.ok(fwd.boundDirections.every((d) => d === 'forward'));
    // A ReLU on the input itself (layer 0) has nothing to run back through: it is bounded forwards.
    const expected = net.layers.flatMap((l, i) => (l.kind === 'relu' ? [i === 0 ? 'forward' : 'backward'] : []));
    assert.equal(bwd.boundDirections, expected);
    const pairs = fwd.reluBounds().flatMap((f, i): [Tensor, Tensor][] => [[bwd.reluBounds()[i]!.lower, f.lower], [bwd.reluBounds()[i]!.upper, f.upper]]);
    return relGap([...pairs, [bwd.objective(c), fwd.objective(c)]]);
  });
}

test('random networks (Dense skips, strided convs; l∞, box, l2, per-example and per-dimension ε): backward = forward within 1e-11', () => {
  fc.assert(fc.property(netSpecArb({ batchNorm: false }), caseSpecArb(), fc.integer({ min: 0, max: 1000 }), (spec, cs, seed) => {
    const net = buildNet(spec);
    const set = buildCase(cs, spec.input);
    const outShape = noGrad(() => net.forward(set.X)).shape.slice(1);
    const c = randomObjective(set.X.shape[0]!, 3, outShape, new Rng(seed));
    const gap = bothDirections(net, set.X, set.epsilon, dualOptionsOf(set), c);
    assert.ok(gap <= 1e-11, `gap ${gap}`);
  }), { numRuns: 60, seed: 5 });
});

const conv = (i: number, o: number, k: number, s: number, p: number, bias = true) => ({ type: 'Conv2d', in: i, out: o, kernel: k, stride: s, padding: p, bias });
// Odd, non-square images; kernels that do not divide; two convolutions in a row (windows masked
// between them); a conv without bias; an Identity inside the windowed chain.
const convChain = modelFromDescription({
  kind: 'Sequential',
  layers: [conv(2, 3, 3, 1, 1), conv(3, 3, 3, 2, 1, false), { type: 'ReLU' }, { type: 'Identity' }, conv(3, 4, 2, 1, 0), { type: 'ReLU' },
    conv(4, 2, 3, 3, 2), { type: 'ReLU' }, { type: 'Flatten' }, { type: 'Linear', in: 2 * 2 * 3, out: 3, bias: true }],
}, 3).to('float64');

for (const [name, options, eps] of [
  ['l∞ ball', { norm: 'linf' }, 0.15],
  ['l∞ ball ∩ [0,1]', { norm: 'linf', bounded: true }, 0.2],
  ['l2 ball', { norm: 'l2' }, 0.6],
] as const) {
  test(`conv chain on 2x9x11 (windows, masks, densify), ${name}: backward = forward within 1e-11`, () => {
    const rng = new Rng(11);
    const X = Tensor.uniform([3, 2, 9, 11], rng, 0, 1, 'float64');
    const dual = noGrad(() => new DualNetwork(convChain, X, eps, { ...options, boundDirection: 'backward' }));
    assert.ok(dual.reluBounds().some(({ lower, upper }) => lower.data.some((l, i) => l < 0 && upper.data[i]! > 0)), 'no crossing unit: weak test');
    assert.ok(bothDirections(convChain, X, eps, options, randomObjective(3, 4, [3], rng)) <= 1e-11);
  });
}

test('per-dimension ε on the conv chain: backward = forward', () => {
  const rng = new Rng(12);
  const X = Tensor.uniform([2, 2, 9, 11], rng, 0, 1, 'float64');
  const eps = Tensor.uniform([2, 2, 9, 11], rng, 0, 0.2, 'float64');
  assert.ok(bothDirections(convChain, X, eps, {}, randomObjective(2, 3, [3], rng)) <= 1e-11);
  assert.ok(bothDirections(convChain, X, eps, { bounded: true }, randomObjective(2, 3, [3], rng)) <= 1e-11);
});

test('the robust loss and its gradient are the same in both directions (float64)', () => {
  const rng = new Rng(13);
  const X = Tensor.uniform([3, 2, 9, 11], rng, 0, 1, 'float64');
  const y = [0, 2, 1];
  const grads = (['forward', 'backward'] as const).map((boundDirection) => {
    convChain.zeroGrad();
    const { loss } = robustLoss(convChain, 0.1, X, y, { boundDirection });
    backward(loss);
    return [loss, ...convChain.parameters().map((p) => p.grad!)];
  });
  assert.ok(relGap(grads[1]!.map((g, i): [Tensor, Tensor] => [g, grads[0]![i]!])) <= 1e-10);
});

test('float32: the same uncertified examples in both directions', () => {
  const net = convChain.to('float32');
  const rng = new Rng(14);
  const X = Tensor.uniform([8, 2, 9, 11], rng, 0, 1, 'float32');
  const y = Array.from({ length: 8 }, (_, i) => i % 3);
  const [fwd, bwd] = (['forward', 'backward'] as const).map((d) => noGrad(() => robustLoss(net, 0.05, X, y, { boundDirection: d })));
  assert.equal(Array.from(bwd!.errors), Array.from(fwd!.errors));
  assert.ok(relGap([[bwd!.logits, fwd!.logits]]) <= 1e-4);
  convChain.to('float64');
});

test('window plan of the Fashion-MNIST conv net: windows through conv-ReLU-conv, dense rows after a Linear', () => {
  const net = modelFromDescription({
    kind: 'Sequential',
    layers: [conv(1, 16, 4, 2, 1), { type: 'ReLU' }, conv(16, 32, 4, 2, 1), { type: 'ReLU' }, { type: 'Flatten' },
      { type: 'Linear', in: 1568, out: 100, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 100, out: 10, bias: true }],
  }, 0);
  const X = Tensor.uniform([2, 1, 28, 28], new Rng(1));
  const dual = noGrad(() => new DualNetwork(net, X, 0.1));
  assert.equal(dual.boundDirections, ['backward', 'backward', 'backward']);
  const plan = planRows(dual.layers, dual.shapes, 3);
  assert.equal(plan.map((g) => g && [g.positions, g.features, g.height]), [[49, 100, 10], [49, 256, 4], [49, 256, 4]]);
  assert.equal(planRows(dual.layers, dual.shapes, 6), [null, null, null, null, null, null]);
  assert.equal(planRows(dual.layers, dual.shapes, 1).map((g) => g && g.features), [16]);
});

test('projections bound forwards only; forward is honoured when asked', () => {
  const net = modelFromDescription({ kind: 'Sequential', layers: [{ type: 'Linear', in: 8, out: 6, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 6, out: 2, bias: true }] }, 1).to('float64');
  const X = Tensor.uniform([2, 8], new Rng(2), 0, 1, 'float64');
  assert.equal(noGrad(() => new DualNetwork(net, X, 0.1, { projection: { k: 4 } })).boundDirections, ['forward']);
  assert.equal(noGrad(() => new DualNetwork(net, X, 0.1, { boundDirection: 'forward' })).boundDirections, ['forward']);
  assert.equal(noGrad(() => new DualNetwork(net, X, 0.1, { boundDirection: 'backward' })).boundDirections, ['backward']);
});

test.run();
