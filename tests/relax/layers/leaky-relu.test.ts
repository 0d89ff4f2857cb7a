import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { noGrad } from '../../../src/autograd/index.js';
import { describeModel, LeakyReLU, modelFromDescription, ReLU, Sequential } from '../../../src/nn/index.js';
import { relaxLeakyRelu } from '../../../src/relax/layers/leaky-relu.js';
import { DualNetwork } from '../../../src/relax/network.js';
import { dualOptionsOf } from '../../../src/relax/testing/perturbation.js';
import { adjointViolation, exactnessViolation, finitenessViolation, FLOAT64_TOLERANCE, monotonicityViolation } from '../../../src/relax/testing/properties.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { buildCase, buildNet, caseSpecArb, directionViolation, netSpecArb, randomObjective, soundnessViolation, type ActivationFactories } from '../../helpers/relax-properties.js';

// Convex (α in [0, 1) and α < 0) and concave (α > 1) leaky ReLUs, mixed with plain ReLUs.
const factories: ActivationFactories = {
  'LeakyReLU(0.1)': () => new LeakyReLU(0.1),
  'LeakyReLU(-0.5)': () => new LeakyReLU(-0.5),
  'LeakyReLU(2)': () => new LeakyReLU(2),
};
const nets = netSpecArb({ activations: ['LeakyReLU(0.1)', 'ReLU', 'LeakyReLU(-0.5)', 'LeakyReLU(2)'] });

function holds(violation: string | null): void {
  if (violation) throw new Error(violation);
}

test('leaky ReLU passes the property harness: adjointness, sampled containment and weak duality (incl. PGD), ε = 0, monotone, finite', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec, 'float64', factories);
    const set = buildCase(cs, spec.input);
    const options = dualOptionsOf(set);
    const dual = new DualNetwork(net, set.X, set.epsilon, options);
    const c = randomObjective(cs.batch, 2, dual.shapes.at(-1)!, new Rng(cs.seed));
    holds(adjointViolation(dual, new Rng(cs.seed), { atol: 1e-12, rtol: 1e-12 }));
    holds(soundnessViolation(net, set, new Rng(cs.seed + 1)));
    holds(exactnessViolation(net, set.X, c, options, FLOAT64_TOLERANCE));
    holds(monotonicityViolation(net, set.X, buildCase(cs, spec.input, 'float64', 0.5).epsilon, set.epsilon, c, options, FLOAT64_TOLERANCE));
    holds(finitenessViolation(net, set.X, set.epsilon, c, options));
  }), { seed: 31, numRuns: 60 });
});

test('LeakyReLU(0) gives exactly the ReLU dual (bounds and J, 1e-12)', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    noGrad(() => {
      const relu = buildNet(spec);
      const leaky = buildNet(spec, 'float64', { ReLU: () => new LeakyReLU(0) });
      const set = buildCase(cs, spec.input);
      const [a, b] = [new DualNetwork(relu, set.X, set.epsilon, dualOptionsOf(set)), new DualNetwork(leaky, set.X, set.epsilon, dualOptionsOf(set))];
      const c = randomObjective(cs.batch, 2, a.shapes.at(-1)!, new Rng(cs.seed));
      const pairs: [Tensor, Tensor][] = a.reluBounds().flatMap((r, i): [Tensor, Tensor][] => [[r.lower, b.reluBounds()[i]!.lower], [r.upper, b.reluBounds()[i]!.upper]]);
      pairs.push([a.objective(c), b.objective(c)]);
      for (const [x, y] of pairs) {
        for (let i = 0; i < x.size; i++) {
          if (Math.abs(x.data[i]! - y.data[i]!) > 1e-12 * (1 + Math.abs(x.data[i]!))) throw new Error(`ReLU ${x.data[i]} vs LeakyReLU(0) ${y.data[i]}`);
        }
      }
    });
  }), { seed: 32, numRuns: 40 });
});

test('leaky ReLU bounds backwards (rowBounds, windows through its diagonal) equal the forward columns; an explicit backward stays backward', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => holds(noGrad(() => directionViolation(spec, cs, factories)))), { seed: 33, numRuns: 40 });
});

test('relaxation: slopes 1 / α / chord, offsets enclose σ between the two parallel lines', () => {
  const lower = Tensor.from([[0.5, -2, -1, -1, 0]], undefined, 'float64');
  const upper = Tensor.from([[1, -1, 3, 3, 0]], undefined, 'float64');
  for (const alpha of [0.1, 2]) {
    const { d, offsetLow, offsetHigh, crossingIndex } = relaxLeakyRelu(lower, upper, alpha);
    const s = (3 + alpha) / 4;
    assert.equal([...d.data], [1, alpha, s, s, 1]);
    assert.equal([...crossingIndex], [2, 3]);
    const beta = (alpha - s) * -1;
    assert.ok(Math.abs(offsetLow.data[2]! - Math.min(0, beta)) < 1e-15 && Math.abs(offsetHigh.data[2]! - Math.max(0, beta)) < 1e-15);
    for (let x = -1; x <= 3; x += 0.25) {
      const sigma = x >= 0 ? x : alpha * x;
      assert.ok(s * x + offsetLow.data[2]! <= sigma + 1e-12 && sigma <= s * x + offsetHigh.data[2]! + 1e-12, `σ(${x}) outside the band`);
    }
  }
});

test('nn LeakyReLU: forward, description round trip, bad slope', () => {
  const y = new LeakyReLU(0.2).forward(Tensor.from([-2, 0, 3], undefined, 'float64'));
  assert.equal([...y.data], [-0.4, 0, 3]);
  const net = new Sequential(new LeakyReLU(0.3), new ReLU());
  const description = describeModel(net);
  assert.equal(description.layers[0], { type: 'LeakyReLU', negativeSlope: 0.3 });
  assert.is((modelFromDescription(description).layers[0] as LeakyReLU).negativeSlope, 0.3);
  assert.throws(() => new LeakyReLU(Number.NaN), /negativeSlope must be a finite number/);
});

test.run();
