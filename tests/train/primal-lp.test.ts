// The exact primal LP (HiGHS) against the dual bound on tiny random nets: J(c) ≤ LP ≤ cᵀ f(x')
// for attack and sampled points x', and J(c) = the LP whose crossing ReLUs have the dual's fixed
// lower slope d = u/(u − ℓ) (J is exactly that LP's dual), to solver tolerance.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { DualNetwork } from '../../src/relax/index.js';
import { pgdPoint, samplePoint, type PerturbationSet } from '../../src/relax/testing/perturbation.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadLpSolver, solvePrimalLp, type LpSolver } from '../../src/train/primal-lp.js';
import { mlp } from './helpers.js';

const solver: LpSolver = await loadLpSolver();
const TOL = 1e-7;

function objectiveAt(net: Sequential, x: Tensor, c: readonly number[]): number {
  const f = net.forward(x).data;
  return c.reduce((a, ck, k) => a + ck * f[k]!, 0);
}

const caseArb = fc.record({
  seed: fc.integer({ min: 0, max: 1e6 }),
  d: fc.integer({ min: 2, max: 5 }),
  hidden: fc.array(fc.integer({ min: 2, max: 7 }), { minLength: 1, maxLength: 2 }),
  epsilon: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
  bounded: fc.boolean(),
});

const gaps: number[] = [];

test('random MLPs: J(c) = LP with the dual slope ≤ triangle LP ≤ cᵀf at PGD, sampled and LP points', () => {
  fc.assert(fc.property(caseArb, ({ seed, d, hidden, epsilon, bounded }) => {
    const rng = new Rng(seed);
    const net = mlp(d, hidden, 3, seed).to('float64').eval();
    const x0 = new Tensor(Float64Array.from({ length: d }, () => rng.next()), [1, d]);
    const c = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    const J = new DualNetwork(net, x0, epsilon, { bounded }).objective(Tensor.from(c, [1, 1, 3], 'float64')).data[0]!;
    const lp = solvePrimalLp(solver, net, x0, epsilon, c, { bounded });
    const lpDual = solvePrimalLp(solver, net, x0, epsilon, c, { bounded, lowerSide: 'dual' });
    assert.equal([lp.status, lpDual.status], ['optimal', 'optimal']);
    const scale = 1 + Math.abs(J);
    assert.ok(Math.abs(J - lpDual.value) <= TOL * scale, `J ${J} vs LP with the dual slope ${lpDual.value}`);
    assert.ok(J <= lp.value + TOL * scale, `J ${J} > LP ${lp.value}`);
    gaps.push(lp.value - J);
    const set: PerturbationSet = { X: x0, epsilon, norm: 'linf', bounded };
    const points = [new Tensor(lp.x, [1, d]), samplePoint(set, 'extreme', rng), samplePoint(set, 'interior', rng)];
    for (let s = 0; s < 3; s++) points.push(pgdPoint(net, set, Tensor.from(c, [1, 3], 'float64'), { steps: 20, rng }));
    for (const x of points) {
      for (let i = 0; i < d; i++) {
        const lo = bounded ? Math.max(0, x0.data[i]! - epsilon) : x0.data[i]! - epsilon;
        const hi = bounded ? Math.min(1, x0.data[i]! + epsilon) : x0.data[i]! + epsilon;
        assert.ok(x.data[i]! >= lo - 1e-9 && x.data[i]! <= hi + 1e-9, `point coordinate ${i} = ${x.data[i]} outside [${lo}, ${hi}]`);
      }
      assert.ok(lp.value <= objectiveAt(net, x, c) + TOL * scale, `LP ${lp.value} > cᵀf(x') = ${objectiveAt(net, x, c)}`);
    }
  }), { seed: 2024, numRuns: 40 });
  assert.ok(gaps.some((g) => g > 1e-6), 'the triangle LP is strictly tighter than J on some case (the fixed slope is not always optimal)');
});

test('a small conv net: its affine segments come from the conv layers and J(c) = the dual-slope LP', () => {
  const rng = new Rng(3);
  const net = new Sequential(new Conv2d(1, 2, 2, { rng, stride: 2 }), new ReLU(), new Flatten(), new Linear(8, 4, { rng }), new ReLU(), new Linear(4, 3, { rng })).to('float64').eval();
  const x0 = new Tensor(Float64Array.from({ length: 16 }, () => rng.next()), [1, 1, 4, 4]);
  const c = [1, -1, 0];
  for (const bounded of [false, true]) {
    const J = new DualNetwork(net, x0, 0.15, { bounded }).objective(Tensor.from(c, [1, 1, 3], 'float64')).data[0]!;
    const lpDual = solvePrimalLp(solver, net, x0, 0.15, c, { bounded, lowerSide: 'dual' });
    const lp = solvePrimalLp(solver, net, x0, 0.15, c, { bounded });
    assert.ok(Math.abs(J - lpDual.value) <= TOL * (1 + Math.abs(J)), `J ${J} vs ${lpDual.value}`);
    assert.ok(J <= lp.value + TOL && lp.value <= objectiveAt(net, new Tensor(lp.x, [1, 1, 4, 4]), c) + TOL);
  }
});

test('bad input: the l2 ball is not an LP, and unsupported layers are named', () => {
  const net = mlp(2, [3], 2, 0).to('float64');
  const x0 = Tensor.from([0.5, 0.5], [1, 2], 'float64');
  assert.throws(() => solvePrimalLp(solver, net, x0, 0.1, [1, -1], { norm: 'l2' }), /only the l∞ ball/);
  assert.throws(() => solvePrimalLp(solver, net, x0, 0.1, [1, -1, 0]), /c has 3 entries for 2 outputs/);
});

test.run();
