// The rounding analysis of HardTanh, HardSigmoid and MaxPool2d (src/relax/sound/piecewise.ts)
// against measured rounding: on random networks with these layers (weights ×1 and ×6, so boxes
// cross the kinks and windows tie), every robust logit that IBP, CROWN and CROWN-IBP compute in
// float32 is within the magnitude pass's proved error E_j = v_y + v_j of the float64 one (same
// float32 weights and data), and E is not vacuous. Then `certify` (sound check on) certifies a
// MaxPool net as auto_LiRPA's CROWN does, where it used to withdraw every certificate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { neg, noGrad } from '../../../src/autograd/index.js';
import { modelFromDescription, type LayerDescription, type ModelDescription } from '../../../src/nn/describe.js';
import type { Sequential } from '../../../src/nn/sequential.js';
import { computeBounds } from '../../../src/relax/bounds/compute-bounds.js';
import { loadCase, type MethodCase } from '../../../src/relax/reference-case.js';
import { certify } from '../../../src/relax/robust-loss.js';
import { primalActivations } from '../../../src/relax/primal.js';
import { roundingModel } from '../../../src/relax/sound/check.js';
import { float64Copy, radius64 } from '../../../src/relax/sound/inputs.js';
import { magnitudePass } from '../../../src/relax/sound/magnitude.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const linear = (i: number, o: number): LayerDescription => ({ type: 'Linear', in: i, out: o, bias: true });
const NETS: Record<string, { description: ModelDescription; input: number[] }> = {
  hardTanh: { input: [5], description: { kind: 'Sequential', layers: [linear(5, 8), { type: 'HardTanh', minVal: -0.5, maxVal: 1 }, linear(8, 8), { type: 'HardTanh', minVal: -1, maxVal: 1 }, linear(8, 3)] } },
  hardSigmoid: { input: [5], description: { kind: 'Sequential', layers: [linear(5, 8), { type: 'Hardsigmoid' }, linear(8, 8), { type: 'ReLU' }, linear(8, 3)] } },
  maxPool: {
    input: [1, 6, 6],
    description: { kind: 'Sequential', layers: [
      { type: 'Conv2d', in: 1, out: 3, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'ReLU' }, { type: 'MaxPool2d', kernel: 2, stride: 2, padding: 0 },
      { type: 'Conv2d', in: 3, out: 4, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'MaxPool2d', kernel: 3, stride: 1, padding: 1 }, { type: 'Flatten' }, linear(36, 3),
    ] },
  },
};

function scaled(description: ModelDescription, seed: number, scale: number): Sequential {
  const net = modelFromDescription(description, seed) as Sequential;
  for (const [, t] of net.namedParameters()) t.data.forEach((v, i) => { t.data[i] = v * scale; });
  return net;
}

const logitsOf = (net: Sequential, X: Tensor, epsilon: number, y: number[], method: 'ibp' | 'crown' | 'crown-ibp'): Tensor =>
  noGrad(() => neg(computeBounds(net, X, { norm: 'linf', epsilon }, { method, labels: y }).lower));

for (const [name, { description, input }] of Object.entries(NETS)) {
  test(`${name}: |float32 − float64| of every IBP / CROWN / CROWN-IBP robust logit is within its proved error`, () => {
    for (const scale of [1, 6]) {
      const net = scaled(description, 17, scale);
      const net64 = float64Copy(net) as Sequential;
      const X = Tensor.uniform([4, ...input], new Rng(3), 0, 1);
      const X64 = X.to('float64');
      const eps = 0.125; // exact in float32
      const y = [0, 1, 2, 0];
      // D as check.ts's modelFor: twice the activations' sizes, 8 per layer, 64
      const depth = 2 * noGrad(() => primalActivations(net.layers, X)).reduce((a, t) => a + t.size / 4, 0) + 8 * net.layers.length + 64;
      const v = magnitudePass(net.layers, X64, radius64(eps, X64), Tensor.scalar(0, 'float64'), roundingModel('float32', depth, 1)).output.data;
      for (const method of ['ibp', 'crown', 'crown-ibp'] as const) {
        const f32 = logitsOf(net, X, eps, y, method);
        const f64 = logitsOf(net64, X64, eps, y, method);
        const K = f32.shape[1]!;
        let worst = 0;
        f32.data.forEach((f, i) => {
          const b = Math.floor(i / K);
          const E = v[b * K + y[b]!]! + v[i]!;
          assert.ok(Math.abs(f - f64.data[i]!) <= E, `${name} x${scale} ${method} logit ${i}: |Δ| ${Math.abs(f - f64.data[i]!)} > E ${E}`);
          worst = Math.max(worst, E / (1 + Math.abs(f)));
        });
        assert.ok(worst < 0.05 * scale ** 3, `${name} x${scale} ${method}: E / (1 + |f|) = ${worst} is vacuous`);
      }
    }
  });
}

test('certify (sound check on) keeps the CROWN certificates of a MaxPool net that auto_LiRPA gives, and none IBP does not', () => {
  const file = fileURLToPath(new URL('../../fixtures/lirpa/conv_maxpool_linf_1_a.json', import.meta.url));
  const c = JSON.parse(readFileSync(file, 'utf8')) as MethodCase;
  const { net, X, y } = loadCase(c, 'float32');
  for (const [method, entry] of [['crown', 'crown'], ['crown-ibp', 'crown_ibp'], ['ibp', 'ibp']] as const) {
    const result = certify(net as never, { norm: 'linf', epsilon: c.input.epsilon }, X, y, { method });
    assert.equal(Array.from(result.errors), c.expected[entry]!.robust_err_per_example, method);
    assert.is(result.soundness?.withdrawn.length ?? 0, 0, `${method}: ${result.soundness?.note}`);
  }
});

test.run();
