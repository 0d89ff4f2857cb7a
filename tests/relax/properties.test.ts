import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DualNetwork } from '../../src/relax/network.js';
import { dualOptionsOf, type PerturbationSet } from '../../src/relax/testing/perturbation.js';
import {
  FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, adjointViolation, exactnessViolation, finitenessViolation, monotonicityViolation,
} from '../../src/relax/testing/properties.js';
import type { DualizableNetwork } from '../../src/relax/network.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/random.js';
import { buildCase, buildNet, caseSpecArb, netSpecArb, randomObjective, soundnessViolation, zeroHalfRows, type LayerSpec } from '../helpers/relax-properties.js';

const SEED = 20241125;
const K = 2;

/** Throws the violation text (so fast-check reports it with the shrunk spec). */
function holds(violation: string | null): void {
  if (violation) throw new Error(violation);
}

function outShape(dual: DualNetwork): readonly number[] {
  return dual.shapes[dual.shapes.length - 1]!;
}

function soundness(set: PerturbationSet, net: DualizableNetwork, rng: Rng, tol = FLOAT64_TOLERANCE): void {
  holds(soundnessViolation(net, set, rng, tol));
}

test('(a) adjointness <forward(x), y> = <x, T(y)> for every dual layer (Dense reads, strided convs with output padding, BN, ReLU)', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec);
    const set = buildCase(cs, spec.input);
    const dual = new DualNetwork(net, set.X, set.epsilon, dualOptionsOf(set));
    holds(adjointViolation(dual, new Rng(cs.seed), { atol: 1e-12, rtol: 1e-12 }));
  }), { seed: SEED, numRuns: 80 });
});

test('the network arbitrary covers multi-read Dense layers, null and identity entries, BN, and convs needing output padding', () => {
  const specs = fc.sample(netSpecArb(), { seed: SEED, numRuns: 300 });
  const flat = (layers: readonly (LayerSpec | null)[]): (LayerSpec | null)[] => layers.flatMap((l) => (l && l.type === 'Dense' ? [l, ...flat(l.ws)] : [l]));
  const all = specs.flatMap((s) => flat(s.layers));
  assert.ok(all.some((l) => l?.type === 'Dense' && l.ws.filter(Boolean).length >= 2), 'a Dense with several reads');
  assert.ok(all.some((l) => l?.type === 'Dense' && l.ws.includes(null)), 'a Dense with a null entry');
  assert.ok(all.some((l) => l?.type === 'Identity'), 'an identity skip');
  assert.ok(all.some((l) => l?.type === 'BatchNorm2d'), 'a BatchNorm2d');
  const needsPadding = specs.some((s) => {
    let shape = s.input;
    return s.layers.some((l) => {
      const conv = l.type === 'Dense' ? l.ws[l.ws.length - 1]! : l;
      if (conv.type !== 'Conv2d') { if (l.type === 'Flatten') shape = [0]; return false; }
      const odd = (shape[1]! + 2 * conv.padding - conv.kernel) % conv.stride !== 0;
      shape = [conv.out, ...shape.slice(1).map((d) => Math.floor((d + 2 * conv.padding - conv.kernel) / conv.stride) + 1)];
      return odd;
    });
  });
  assert.ok(needsPadding, 'a stride-2 conv with (H + 2p − k) not divisible by the stride');
});

test('(b) sampled points (inside, vertices / sphere, box, PGD on cᵀf) stay inside the bounds and above J(c), float64', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    soundness(buildCase(cs, spec.input), buildNet(spec), new Rng(cs.seed + 1));
  }), { seed: SEED, numRuns: 60 });
});

test('(b) float32 smoke: the same soundness with float32 networks and inputs', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    const dtype: DType = 'float32';
    soundness(buildCase(cs, spec.input, dtype), buildNet(spec, dtype), new Rng(cs.seed + 1), FLOAT32_TOLERANCE);
  }), { seed: SEED, numRuns: 15 });
});

test('(c) bounds and J only loosen as ε grows (ε/2 → ε)', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec);
    const [small, large] = [buildCase(cs, spec.input, 'float64', 0.5), buildCase(cs, spec.input)];
    const c = randomObjective(cs.batch, K, net.forward(large.X).shape.slice(1), new Rng(cs.seed), 'float64');
    holds(monotonicityViolation(net, large.X, small.epsilon, large.epsilon, c, dualOptionsOf(large), FLOAT64_TOLERANCE));
  }), { seed: SEED, numRuns: 60 });
});

test('(d) ε = 0: the bounds are the activations and J(c) = cᵀ f(x)', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec);
    const set = buildCase(cs, spec.input);
    const dual = new DualNetwork(net, set.X, 0, dualOptionsOf(set));
    const c = randomObjective(cs.batch, K, outShape(dual), new Rng(cs.seed), 'float64');
    holds(exactnessViolation(net, set.X, c, dualOptionsOf(set), FLOAT64_TOLERANCE));
  }), { seed: SEED, numRuns: 40 });
});

test('(e) degenerate crossing u = l (zeroed weights, constant pre-activations): no NaN in bounds, J or gradients, still sound', () => {
  fc.assert(fc.property(netSpecArb(), caseSpecArb(), fc.nat(), fc.boolean(), (spec, cs, which, zeroBias) => {
    const net = buildNet(spec);
    zeroHalfRows(net, which, zeroBias);
    const set = buildCase(cs, spec.input);
    const dual = new DualNetwork(net, set.X, set.epsilon, dualOptionsOf(set));
    const c = randomObjective(cs.batch, K, outShape(dual), new Rng(cs.seed), 'float64');
    holds(finitenessViolation(net, set.X, set.epsilon, c, dualOptionsOf(set)));
    holds(finitenessViolation(net, set.X, 0, c, dualOptionsOf(set)));
    soundness(set, net, new Rng(cs.seed + 2));
  }), { seed: SEED, numRuns: 40 });
});

test.run();
