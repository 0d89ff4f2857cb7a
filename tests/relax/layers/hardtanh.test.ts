import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { noGrad } from '../../../src/autograd/index.js';
import { HardTanh } from '../../../src/nn/index.js';
import { relaxHardTanhSameSlope } from '../../../src/relax/layers/hardtanh.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { caseSpecArb, directionViolation, elementwiseViolation, netSpecArb, type ActivationFactories } from '../../helpers/relax-properties.js';

const factories: ActivationFactories = { 'HardTanh(-0.5,1)': () => new HardTanh(-0.5, 1), 'HardTanh(0,0.3)': () => new HardTanh(0, 0.3) };
const nets = netSpecArb({ activations: ['HardTanh(-0.5,1)', 'ReLU', 'HardTanh(0,0.3)'] });

function holds(violation: string | null): void {
  if (violation) throw new Error(violation);
}

test('HardTanh dual passes the property harness: adjointness, sampled and PGD containment, weak duality, ε = 0, finite', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => holds(elementwiseViolation(spec, cs, factories))), { seed: 41, numRuns: 40 });
});

test('HardTanh dual: forward columns and backward rows give the same bounds (1e-10); explicit backward stays backward', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => holds(noGrad(() => directionViolation(spec, cs, factories)))), { seed: 42, numRuns: 30 });
});

test('relaxation: parallel lines enclose σ on [ℓ, u] (dense grid), slopes 0 / 1 / chord, no NaN at u = ℓ', () => {
  const l = Tensor.from([[-2, -2, -0.2, 0.5, 1.5, -0.3, 0.4]], undefined, 'float64');
  const u = Tensor.from([[-1, 2, 0.6, 0.9, 3, -0.3, 0.4]], undefined, 'float64');
  const { d, offsetLow, offsetHigh } = relaxHardTanhSameSlope(l, u, -0.5, 1);
  assert.equal(Array.from(d.data).map((v) => Math.round(v * 1e6) / 1e6), [0, 0.375, 1, 1, 0, 1, 1]);
  for (let j = 0; j < l.size; j++) {
    for (let s = 0; s <= 200; s++) {
      const x = l.data[j]! + (u.data[j]! - l.data[j]!) * s / 200;
      const y = Math.min(Math.max(x, -0.5), 1) - d.data[j]! * x;
      assert.ok(y >= offsetLow.data[j]! - 1e-12 && y <= offsetHigh.data[j]! + 1e-12, `unit ${j} at ${x}: ${y} not in [${offsetLow.data[j]}, ${offsetHigh.data[j]}]`);
    }
  }
  assert.ok([d, offsetLow, offsetHigh].every((t) => t.data.every(Number.isFinite)));
});

test.run();
