// Properties of the bound engine on random networks with every operator (ReLU, LeakyReLU,
// HardTanh, HardSigmoid, conv, BatchNorm2d, Dense residual adds, MaxPool2d, AvgPool2d) that the soundness
// suite (engine.test.ts) does not cover: degenerate boxes u = l give no NaN in any method's bounds
// or gradients, ε = 0 gives J(c) = cᵀf(x) exactly for every method, the dual's forward columns
// and backward rows give the same bounds, and same-slope CROWN is the dual on conv nets too.
import { test } from 'uvu';
import fc from 'fast-check';
import { backward, matmul, noGrad, reshape, sum } from '../../../src/autograd/index.js';
import { HardSigmoid, HardTanh, LeakyReLU } from '../../../src/nn/index.js';
import { compileNetwork, computeBounds, type BoundMethod } from '../../../src/relax/bounds/index.js';
import type { Perturbation } from '../../../src/relax/perturbation.js';
import { Rng } from '../../../src/tensor/random.js';
import type { Tensor } from '../../../src/tensor/tensor.js';
import { buildCase, buildNet, caseSpecArb, directionViolation, netSpecArb, randomObjective, zeroHalfRows } from '../../helpers/relax-properties.js';

const SEED = 20261206;
const factories = { LeakyReLU: () => new LeakyReLU(0.1), HardTanh: () => new HardTanh(-0.5, 0.7), HardSigmoid: () => new HardSigmoid() };
const activations = ['ReLU', 'LeakyReLU', 'HardTanh', 'HardSigmoid'];
const METHODS: { method: BoundMethod; relaxation?: 'same-slope' }[] = [
  { method: 'ibp' }, { method: 'crown' }, { method: 'crown', relaxation: 'same-slope' }, { method: 'crown-ibp' }, { method: 'alpha-crown' },
];

function fail(message: string): never {
  throw new Error(message);
}

/** c·f(x) `[B, K]` for c `[B, K, ...]`. */
function objective(out: Tensor, c: Tensor): Float64Array {
  const [B, K] = c.shape as [number, number];
  return Float64Array.from(matmul(reshape(c, [B, K, -1]), reshape(out, [B, -1, 1])).data);
}

test('u = l (zeroed rows, and ε = 0): every method\'s bounds, J and parameter gradients are finite; at ε = 0, J(c) = c.f(x)', () => {
  fc.assert(fc.property(netSpecArb({ activations, pools: true }), caseSpecArb(), fc.nat(), fc.boolean(), (spec, cs, which, zeroBias) => {
    const net = buildNet(spec, 'float64', factories);
    zeroHalfRows(net, which, zeroBias);
    const set = buildCase(cs, spec.input);
    const c = randomObjective(cs.batch, 2, compileNetwork(net, set.X).nodes.at(-1)?.shape ?? spec.input, new Rng(cs.seed));
    const exact = noGrad(() => objective(net.forward(set.X), c));
    for (const epsilon of [set.epsilon, 0]) {
      const p: Perturbation = { norm: set.norm, epsilon, ...(set.bounded ? { box: { lower: set.lower ?? 0, upper: set.upper ?? 1 } } : {}) };
      for (const m of METHODS) {
        net.zeroGrad();
        const r = computeBounds(net, set.X, p, { ...m, specification: c, alpha: { iterations: 2 } });
        const name = `${m.method}${m.relaxation ? ' same-slope' : ''} eps ${epsilon === 0 ? 0 : 'set'} (${spec.summary})`;
        if (!r.lower.data.every(Number.isFinite)) fail(`${name}: J not finite: ${Array.from(r.lower.data)}`);
        for (const box of r.layers) if (![...box.lower.data, ...box.upper.data].every(Number.isFinite)) fail(`${name}: ${box.name} box not finite`);
        if (r.lower.requiresGrad) backward(sum(r.lower));
        for (const [n, q] of net.namedParameters()) if (q.grad && !q.grad.data.every(Number.isFinite)) fail(`${name}: gradient of ${n} not finite`);
        if (epsilon === 0) r.lower.data.forEach((v, k) => { if (!(Math.abs(v - exact[k]!) <= 1e-9 * (1 + Math.abs(exact[k]!)))) fail(`${name}: J = ${v} but c.f(x) = ${exact[k]}`); });
      }
    }
  }), { seed: SEED, numRuns: 20 });
});

test('the dual\'s forward columns and backward rows give the same bounds (ReLU, LeakyReLU, HardTanh, HardSigmoid, conv, BN, Dense, AvgPool2d)', () => {
  fc.assert(fc.property(netSpecArb({ activations, pools: 'avg' }), caseSpecArb(), (spec, cs) => {
    const violation = directionViolation(spec, cs, factories, 1e-9);
    if (violation) fail(`${violation} (${spec.summary})`);
  }), { seed: SEED + 1, numRuns: 25 });
});

test('same-slope CROWN is the Wong-Kolter dual on conv nets (BN, Dense residual adds, AvgPool2d; l-inf and the box) wherever their boxes agree', () => {
  // CROWN keeps the reference box of a unit it proves stable (auto_LiRPA's sparse bounds), where
  // the dual back-substitutes every unit; with the same boxes the two are the same sum term by term.
  let compared = 0;
  fc.assert(fc.property(netSpecArb({ pools: 'avg' }), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec);
    const set = buildCase(cs, spec.input);
    if (set.norm !== 'linf') return;
    const p: Perturbation = { norm: 'linf', epsilon: set.epsilon, ...(set.bounded ? { box: { lower: set.lower ?? 0, upper: set.upper ?? 1 } } : {}) };
    const c = randomObjective(cs.batch, 2, compileNetwork(net, set.X).nodes.at(-1)?.shape ?? spec.input, new Rng(cs.seed));
    noGrad(() => {
      const crown = computeBounds(net, set.X, p, { method: 'crown', relaxation: 'same-slope', specification: c });
      const dual = computeBounds(net, set.X, p, { method: 'dual', specification: c });
      const close = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-9 * (1 + Math.abs(x));
      const sameBoxes = crown.layers.length === dual.layers.length && crown.layers.every((b, i) => {
        const d = dual.layers[i]!;
        return b.lower.data.every((v, k) => close(v, d.lower.data[k]!)) && b.upper.data.every((v, k) => close(v, d.upper.data[k]!));
      });
      if (!sameBoxes) return;
      compared++;
      crown.lower.data.forEach((v, k) => { if (!close(v, dual.lower.data[k]!)) fail(`crown ${v} vs dual ${dual.lower.data[k]} (${spec.summary})`); });
    });
  }), { seed: SEED + 2, numRuns: 30 });
  if (compared < 5) fail(`only ${compared} of 30 cases had the same boxes: the property was barely checked`);
});

test.run();
