// The bound engine (src/relax/bounds): every method is sound on random networks with every
// operator (J(c) <= c.f(x') at sampled, extreme and PGD points; each layer's box contains the
// activations; HardSigmoid also on nets with weights x6, where its kinks at +-3 are crossed, and
// on boxes u = l exactly at a kink), alpha-CROWN is never looser than CROWN, same-slope CROWN is the Wong-Kolter dual,
// IBP is exact on a single linear layer, and the auto_LiRPA fixture cases match per method.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backward, matmul, noGrad, reshape } from '../../../src/autograd/index.js';
import { certify, robustLoss } from '../../../src/relax/robust-loss.js';
import { Conv2d, Flatten, HardSigmoid, HardTanh, LeakyReLU, Linear, MaxPool2d, ReLU, Sequential } from '../../../src/nn/index.js';
import { compileNetwork, computeBounds, evaluate, type BoundMethod } from '../../../src/relax/bounds/index.js';
import { compareMethod, runMethod } from '../../../src/relax/bounds/lirpa-case.js';
import type { MethodCase } from '../../../src/relax/reference-case.js';
import type { Perturbation } from '../../../src/relax/perturbation.js';
import type { PerturbationSet } from '../../../src/relax/testing/perturbation.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { buildCase, buildNet, caseSpecArb, netSpecArb, randomObjective, samplePoints, type CaseSpec, type NetSpec } from '../../helpers/relax-properties.js';

const SEED = 20261205;
const factories = { LeakyReLU: () => new LeakyReLU(0.1), HardTanh: () => new HardTanh(-0.5, 0.7), HardSigmoid: () => new HardSigmoid() };
const activations = ['ReLU', 'LeakyReLU', 'HardTanh', 'HardSigmoid'];
const METHODS: { method: BoundMethod; relaxation?: 'same-slope' }[] = [
  { method: 'ibp' }, { method: 'crown' }, { method: 'crown', relaxation: 'same-slope' }, { method: 'crown-ibp' }, { method: 'alpha-crown' },
];

function perturbationOf(set: PerturbationSet): Perturbation {
  return { norm: set.norm, epsilon: set.epsilon, ...(set.bounded ? { box: { lower: set.lower ?? 0, upper: set.upper ?? 1 } } : {}) };
}

/** c.f(x) `[B, K]` for c `[B, K, n]`. */
function objective(out: Tensor, c: Tensor): Float64Array {
  const [B, K] = c.shape as [number, number];
  return Float64Array.from(matmul(reshape(c, [B, K, -1]), reshape(out, [B, -1, 1])).data);
}

/**
 * Every method on one random case (weights times `weightScale`): J(c) <= c.f(x') at the sampled
 * points and every layer box contains the activations; throws naming the method and the net.
 */
function checkMethods(spec: NetSpec, cs: CaseSpec, weightScale = 1): void {
  const net = buildNet(spec, 'float64', factories, weightScale);
  const set = buildCase(cs, spec.input);
  const p = perturbationOf(set);
  const rng = new Rng(cs.seed);
  const graph = compileNetwork(net, set.X);
  const outShape = graph.nodes[graph.nodes.length - 1]?.shape ?? spec.input;
  const c = randomObjective(set.X.shape[0]!, 2, outShape, rng);
  const points = samplePoints(net, set, c, rng);
  noGrad(() => {
    for (const m of METHODS) {
      const method = `${m.method}${m.relaxation ? ' same-slope' : ''}`;
      const r = computeBounds(net, set.X, p, { ...m, specification: c, alpha: { iterations: 3 } });
      for (const x of points) {
        const values: Tensor[] = [x];
        for (let i = 1; i < graph.nodes.length; i++) values.push(evaluate(graph.nodes[i]!.op, graph.nodes[i]!.inputs.map((j) => values[j]!)));
        objective(values[values.length - 1]!, c).forEach((v, k) => {
          if (!(r.lower.data[k]! <= v + 1e-9 * (1 + Math.abs(v)))) throw new Error(`${method}: J = ${r.lower.data[k]} > c.f(x') = ${v} (${spec.summary})`);
        });
        let layer = 0;
        graph.nodes.forEach((node, i) => {
          if (!node || (node.op.kind !== 'elementwise' && node.op.kind !== 'pool') || i === 0) return;
          const box = r.layers[layer++]!;
          values[node.inputs[0]!]!.data.forEach((v, k) => {
            if (!(box.lower.data[k]! <= v + 1e-9 * (1 + Math.abs(v)) && v <= box.upper.data[k]! + 1e-9 * (1 + Math.abs(v)))) {
              throw new Error(`${method}: ${box.name} box [${box.lower.data[k]}, ${box.upper.data[k]}] misses ${v} (${spec.summary})`);
            }
          });
        });
      }
    }
  });
}

test('every method: J(c) <= c.f(x\') and every layer box contains the activations (random nets with ReLU, LeakyReLU, HardTanh, HardSigmoid, conv, BN, Dense, MaxPool2d, AvgPool2d)', () => {
  fc.assert(fc.property(netSpecArb({ activations, pools: true }), caseSpecArb(), (spec, cs) => checkMethods(spec, cs)), { seed: SEED, numRuns: 25 });
});

test('HardSigmoid nets with weights x6 (pre-activations cross its kinks at +-3): every method sound, alpha-CROWN >= CROWN', () => {
  let crossed = 0;
  fc.assert(fc.property(netSpecArb({ activations: ['HardSigmoid', 'ReLU', 'HardSigmoid'], pools: true }), caseSpecArb(), (spec, cs) => {
    checkMethods(spec, cs, 6);
    const net = buildNet(spec, 'float64', factories, 6);
    const set = buildCase(cs, spec.input);
    const y = Array.from({ length: set.X.shape[0]! }, () => 0);
    noGrad(() => {
      const crown = computeBounds(net, set.X, perturbationOf(set), { method: 'crown', labels: y });
      const alpha = computeBounds(net, set.X, perturbationOf(set), { method: 'alpha-crown', labels: y, alpha: { iterations: 4 } }).lower.data;
      // α's start is CROWN's slopes through the tensor path ([B, R, ...S] broadcasts, another summation order): equal up to rounding
      alpha.forEach((v, k) => assert.ok(v >= crown.lower.data[k]! - 1e-12 * (1 + Math.abs(v)) || Object.is(v, crown.lower.data[k]), `alpha ${v} < crown ${crown.lower.data[k]} (${spec.summary})`));
      const crosses = (l: number, u: number): boolean => (l < -3 && u > -3) || (l < 3 && u > 3);
      if (crown.layers.some((b) => b.name === 'HardSigmoid' && b.lower.data.some((l, k) => crosses(l, b.upper.data[k]!)))) crossed++;
    });
  }), { seed: SEED + 3, numRuns: 40 });
  assert.ok(crossed >= 6, `only ${crossed} of 40 nets crossed a HardSigmoid kink: the kinks were barely checked`);
});

test('a box u = l exactly at a kink (HardTanh at lo and hi, HardSigmoid at -3 and 3): every method gives J = c.f(x)', () => {
  for (const [make, at] of [[() => new HardTanh(-0.5, 1), -0.5], [() => new HardTanh(-0.5, 1), 1], [() => new HardSigmoid(), -3], [() => new HardSigmoid(), 3]] as const) {
    const [a, b] = [new Linear(1, 1, { rng: new Rng(1) }), new Linear(1, 1, { rng: new Rng(2) })];
    const net = new Sequential(a, make(), b).to('float64');
    a.weight.data[0] = 0;
    a.bias!.data[0] = at;
    const X = Tensor.from([[0.3]], undefined, 'float64');
    noGrad(() => {
      const exact = net.forward(X).data[0]!;
      for (const sign of [1, -1]) {
        const c = Tensor.from([[[sign]]], undefined, 'float64');
        for (const m of METHODS) {
          const J = computeBounds(net, X, { norm: 'linf', epsilon: 0.1 }, { ...m, specification: c }).lower.data[0]!;
          assert.ok(Math.abs(J - sign * exact) <= 1e-12, `${m.method}${m.relaxation ? ' same-slope' : ''} at ${at} (c = ${sign}): J = ${J}, c.f(x) = ${sign * exact}`);
        }
      }
    });
  }
});

test('alpha-CROWN is never looser than CROWN, and CROWN-IBP returns the pure IBP bound beside its own (every operator)', () => {
  fc.assert(fc.property(netSpecArb({ activations, pools: true }), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec, 'float64', factories);
    const set = buildCase(cs, spec.input);
    const p = perturbationOf(set);
    const y = Array.from({ length: set.X.shape[0]! }, () => 0);
    noGrad(() => {
      const crown = computeBounds(net, set.X, p, { method: 'crown', labels: y }).lower.data;
      const alpha = computeBounds(net, set.X, p, { method: 'alpha-crown', labels: y, alpha: { iterations: 4 } }).lower.data;
      alpha.forEach((v, k) => assert.ok(v >= crown[k]! || Object.is(v, crown[k]), `alpha ${v} < crown ${crown[k]}`));
      const mixed = computeBounds(net, set.X, p, { method: 'crown-ibp', labels: y });
      const ibp = computeBounds(net, set.X, p, { method: 'ibp', labels: y });
      assert.equal(Array.from(mixed.ibpLower!.data), Array.from(ibp.lower.data));
    });
  }), { seed: SEED + 1, numRuns: 15 });
});

test('same-slope CROWN equals the Wong-Kolter dual on ReLU nets (l-inf, box and l2 on MLPs)', () => {
  fc.assert(fc.property(netSpecArb({ conv: false }), caseSpecArb(), (spec, cs) => {
    const net = buildNet(spec);
    const set = buildCase(cs, spec.input);
    const p = perturbationOf(set);
    const c = randomObjective(set.X.shape[0]!, 2, compileNetwork(net, set.X).nodes.at(-1)?.shape ?? spec.input, new Rng(cs.seed));
    noGrad(() => {
      const crown = computeBounds(net, set.X, p, { method: 'crown', relaxation: 'same-slope', specification: c }).lower.data;
      const dual = computeBounds(net, set.X, p, { method: 'dual', specification: c }).lower.data;
      crown.forEach((v, k) => assert.ok(Math.abs(v - dual[k]!) <= 1e-9 * (1 + Math.abs(v)), `crown ${v} vs dual ${dual[k]}`));
    });
  }), { seed: SEED + 2, numRuns: 30 });
});

test('IBP is exact on one linear layer with the specification merged (W\' = c^T W)', () => {
  const net = new Sequential(new Linear(3, 2, { rng: new Rng(1) })).to('float64');
  const X = Tensor.from([[0.2, -0.1, 0.5]], undefined, 'float64');
  const r = noGrad(() => computeBounds(net, X, { norm: 'linf', epsilon: 0.1 }, { method: 'ibp', labels: [0] }));
  const W = net.layers[0]!.kind === 'linear' ? net.layers[0]!.weight.data : new Float64Array();
  const b = net.layers[0]!.kind === 'linear' ? net.layers[0]!.bias!.data : new Float64Array();
  // c = e_0 - e_1: min over the box of (W_0 - W_1) x + b_0 - b_1
  let v = b[0]! - b[1]!;
  for (let i = 0; i < 3; i++) { const w = W[i]! - W[3 + i]!; v += w * X.data[i]! - 0.1 * Math.abs(w); }
  assert.ok(Math.abs(r.lower.data[1]! - v) < 1e-12, `${r.lower.data[1]} vs ${v}`);
  assert.is(r.lower.data[0], 0);
});

test('non-finite bounds fail closed (a NaN or infinite input box gives -Infinity, never a certificate)', () => {
  const net = new Sequential(new Linear(2, 3, { rng: new Rng(2) }), new LeakyReLU(0), new Linear(3, 2, { rng: new Rng(3) })).to('float64');
  const X = Tensor.from([[0.1, 0.2]], undefined, 'float64');
  const r = noGrad(() => computeBounds(net, X, { norm: 'linf', epsilon: 0.1, box: { lower: -1e308, upper: 1e308 } }, { method: 'crown', labels: [0] }));
  assert.ok(Number.isFinite(r.lower.data[1]!));
  assert.throws(() => computeBounds(net, X, { norm: 'linf', epsilon: Number.NaN }, { method: 'crown', labels: [0] }), /epsilon/);
  assert.throws(() => computeBounds(net, X, { norm: 'l2', epsilon: 0.1, box: { lower: 0, upper: 1 } }, { method: 'ibp', labels: [0] }), /box/);
  assert.throws(() => computeBounds(net, X, { norm: 'linf', epsilon: 0.1 }, { method: 'ibp' }), /labels/);
});

const fixtureDir = join(fileURLToPath(new URL('../../..', import.meta.url)), 'tests', 'fixtures', 'lirpa');
for (const file of existsSync(fixtureDir) ? readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort() : []) {
  test(`auto_LiRPA fixture ${file}: ibp, crown, crown_same_slope, crown_ibp to 1e-8 in float64`, () => {
    const c = JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as MethodCase;
    for (const method of ['ibp', 'crown', 'crown_same_slope', 'crown_ibp'] as const) {
      if (!c.expected[method]) continue;
      const reports = compareMethod(c, method, runMethod(c, method, 'float64'), { tolerance: 1e-8, floorFraction: 1e-6 });
      for (const r of reports) assert.ok(r.pass, `${method} ${r.field}: ${r.worst}`);
    }
  });
}

test('MaxPool2d: IBP exact on the pool, CROWN and alpha-CROWN (optimised window weights) sound at sampled points, alpha >= CROWN', () => {
  const rng = new Rng(11);
  const net = new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8, 3, { rng })).to('float64');
  const X = Tensor.uniform([2, 1, 4, 4], rng, 0, 1, 'float64');
  const p = { norm: 'linf' as const, epsilon: 0.15 };
  const y = [0, 1];
  noGrad(() => {
    const crown = computeBounds(net, X, p, { method: 'crown', labels: y }).lower.data;
    const alpha = computeBounds(net, X, p, { method: 'alpha-crown', labels: y, alpha: { iterations: 15 } }).lower.data;
    const ibp = computeBounds(net, X, p, { method: 'ibp', labels: y }).lower.data;
    alpha.forEach((v, k) => assert.ok(v >= crown[k]!, `alpha ${v} < crown ${crown[k]}`));
    for (let t = 0; t < 200; t++) {
      const Xp = Tensor.from(X.data.map((v) => v + 0.15 * (2 * rng.next() - 1)), X.shape, 'float64');
      const f = net.forward(Xp).data;
      for (let b = 0; b < 2; b++) for (let j = 0; j < 3; j++) {
        const margin = f[b * 3 + y[b]!]! - f[b * 3 + j]!;
        for (const [name, bound] of [['crown', crown], ['alpha', alpha], ['ibp', ibp]] as const) assert.ok(bound[b * 3 + j]! <= margin + 1e-12, `${name} ${bound[b * 3 + j]} > ${margin}`);
      }
    }
  });
});

test('robustLoss and certify take the method: differentiable for each, dual by default, certificates only where every margin is negative', () => {
  const net = new Sequential(new Linear(4, 6, { rng: new Rng(5) }), new LeakyReLU(0), new Linear(6, 3, { rng: new Rng(6) })).to('float64');
  const X = Tensor.uniform([3, 4], new Rng(7), 0, 1, 'float64');
  const y = [0, 1, 2];
  const dual = robustLoss(net, 0.05, X, y).logits.data;
  const same = robustLoss(net, 0.05, X, y, { method: 'dual' }).logits.data;
  assert.equal(Array.from(dual), Array.from(same));
  for (const method of ['ibp', 'crown', 'crown-ibp', 'alpha-crown'] as const) {
    net.zeroGrad();
    const r = robustLoss(net, 0.05, X, y, { method, alpha: { iterations: 2 } });
    backward(r.loss);
    assert.ok(net.parameters().some((p) => p.grad && p.grad.data.some((v) => v !== 0)), `${method}: no gradient`);
    const c = certify(net, 0.05, X, y, { method, sound: false });
    c.errors.forEach((e, b) => assert.is(e, Array.from({ length: 3 }, (_, j) => j).some((j) => j !== y[b] && !(c.logits.data[b * 3 + j]! < 0)) ? 1 : 0));
  }
});

test.run();
