// alpha-CROWN on MaxPool nets (src/relax/bounds/alpha-crown.ts): against auto_LiRPA's alpha-CROWN
// on the lirpa case whose window ties made one start fall short (example 0 of
// conv_maxpool_linf_0_a: one start -0.151059, auto_LiRPA -0.151355, the triangle LP with CROWN's
// intermediate bounds -0.152148), and on a hand-made window whose CROWN line is a dead unit,
// where the true minimum is known.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { noGrad } from '../../../src/autograd/index.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../../src/nn/index.js';
import { computeBounds } from '../../../src/relax/bounds/index.js';
import { compareMethod, runMethod } from '../../../src/relax/bounds/lirpa-case.js';
import type { MethodCase } from '../../../src/relax/reference-case.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

test('conv_maxpool_linf_0_a example 0: alpha-CROWN (100 steps, lr 0.1) at or below auto_LiRPA\'s on every margin', () => {
  const file = new URL('../../fixtures/lirpa-alpha/conv_maxpool_linf_0_a.example0.json', import.meta.url);
  const c = JSON.parse(readFileSync(file, 'utf8')) as MethodCase;
  const [report] = compareMethod(c, 'alpha_crown', runMethod(c, 'alpha_crown', 'float64'), { tolerance: 1e-4, floorFraction: 0 });
  assert.ok(report!.pass, `worst (ours - auto_LiRPA) / (1 + |auto_LiRPA|) = ${report!.worst}`);
});

/** f_0 - f_1 = max_W relu(x) - (x_1 + 5) / 2 over x in X +- 1, X = [[-3, 0], [-3, -3]]: the minimum is -2.5 at x_1 = 0. */
function deadFirstNet(): { net: Sequential; X: Tensor } {
  const conv = new Conv2d(1, 2, 1, { rng: new Rng(1) });
  conv.weight.data.set([1, 1]);
  conv.bias!.data.set([0, 5]); // channel A: x, window [dead, unstable, dead, dead]; channel B: x + 5, whose window max is x_1 + 5 exactly
  const linear = new Linear(2, 2, { rng: new Rng(2) });
  linear.weight.data.set([1, -0.5, 0, 0]);
  linear.bias!.data.set([0, 0]);
  const net = new Sequential(conv, new ReLU(), new MaxPool2d(2), new Flatten(), linear).to('float64');
  return { net, X: Tensor.from([-3, 0, -3, -3], [1, 1, 2, 2], 'float64') };
}

test('a window whose CROWN line is a dead unit: CROWN -3, alpha-CROWN within 0.05 of the true minimum -2.5 and never above it', () => {
  const { net, X } = deadFirstNet();
  const p = { norm: 'linf' as const, epsilon: 1 };
  noGrad(() => {
    const truth = Math.min(...Array.from({ length: 201 }, (_, k) => { const x = -1 + k / 100; return Math.max(0, x) - (x + 5) / 2; }));
    const crown = computeBounds(net, X, p, { method: 'crown', labels: [0] }).lower.data[1]!;
    assert.ok(Math.abs(crown + 3) < 1e-12, `CROWN ${crown}`);
    for (const iterations of [20, 100]) {
      const alpha = computeBounds(net, X, p, { method: 'alpha-crown', labels: [0], alpha: { iterations } }).lower.data[1]!;
      assert.ok(alpha <= truth + 1e-12, `${iterations} iterations: alpha-CROWN ${alpha} above the minimum ${truth}`);
      assert.ok(alpha > truth - 0.05, `${iterations} iterations: alpha-CROWN ${alpha}, CROWN ${crown}`);
    }
  });
});

test.run();
