// The bound engine against the exact LP (HiGHS) on tiny l-inf MLPs: with the same ReLU input
// bounds, same-slope CROWN equals the LP whose lower side is the chord's slope (J(c) is that
// LP's dual), and CROWN / CROWN-IBP / alpha-CROWN / IBP stay at or below the triangle LP (their
// lines lie inside the triangle); the LP stays below c.f at sampled points.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { noGrad } from '../../../src/autograd/index.js';
import type { Sequential } from '../../../src/nn/index.js';
import { computeBounds, type BoundMethod } from '../../../src/relax/bounds/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { loadLpSolver, solvePrimalLp, type LpSolver } from '../../../src/train/primal-lp.js';
import { buildNet, netSpecArb } from '../../helpers/relax-properties.js';

let solver: LpSolver;
test.before(async () => { solver = await loadLpSolver(); });

test('same-slope CROWN = the LP with the chord as lower side; every method <= the triangle LP with its own bounds', () => {
  fc.assert(fc.property(netSpecArb({ conv: false, dense: false, batchNorm: false }), fc.nat(1e6), fc.double({ min: 0.01, max: 0.5, noNaN: true }), fc.boolean(), (spec, seed, epsilon, bounded) => {
    const net = buildNet(spec) as Sequential;
    if (net.kind !== 'sequential') return;
    const rng = new Rng(seed);
    const x0 = Tensor.uniform([1, ...spec.input], rng, 0, 1, 'float64');
    const out = net.forward(x0).size;
    const c = Tensor.randn([1, 1, out], rng, 0, 1, 'float64');
    const p = { norm: 'linf' as const, epsilon, ...(bounded ? { box: { lower: 0, upper: 1 } } : {}) };
    const lpOptions = { bounded };
    noGrad(() => {
      for (const method of ['crown', 'same-slope', 'crown-ibp', 'alpha-crown', 'ibp'] as const) {
        const options = method === 'same-slope' ? { method: 'crown' as BoundMethod, relaxation: 'same-slope' as const } : { method: method as BoundMethod, alpha: { iterations: 3 } };
        const r = computeBounds(net, x0, p, { ...options, specification: c });
        const bounds = r.layers.map((l) => ({ lower: Float64Array.from(l.lower.data), upper: Float64Array.from(l.upper.data) }));
        const J = r.lower.data[0]!;
        const triangle = solvePrimalLp(solver, net, x0, epsilon, c.data, { ...lpOptions, bounds });
        assert.is(triangle.status, 'optimal');
        assert.ok(J <= triangle.value + 1e-7 * (1 + Math.abs(triangle.value)), `${method}: J = ${J} > triangle LP ${triangle.value} (${spec.summary})`);
        if (method === 'same-slope') {
          const chord = solvePrimalLp(solver, net, x0, epsilon, c.data, { ...lpOptions, bounds, lowerSide: 'dual' });
          assert.ok(Math.abs(J - chord.value) <= 1e-6 * (1 + Math.abs(J)), `same-slope J = ${J} vs chord LP ${chord.value} (${spec.summary})`);
        }
      }
    });
  }), { seed: 7, numRuns: 25 });
});

test.run();
