// The rounding analysis against measured rounding: on random networks of every family, the float32
// pre-activation bounds and robust logits differ from the float64 ones (same float32 weights and
// data) by no more than the a-priori bounds t̂ and E of the magnitude pass (src/relax/sound/magnitude.ts),
// and those bounds are not vacuous.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../../src/autograd/index.js';
import { DualNetwork } from '../../../src/relax/network.js';
import { robustLogits } from '../../../src/relax/robust-loss.js';
import { roundingModel } from '../../../src/relax/sound/check.js';
import { float64Copy, radius64 } from '../../../src/relax/sound/inputs.js';
import { magnitudePass } from '../../../src/relax/sound/magnitude.js';
import { FAMILIES, randomNetwork } from '../../../src/relax/sound/random-nets.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

for (const family of FAMILIES) {
  test(`${family}: |float32 − float64| of every bound and robust logit is within its proved error`, () => {
    for (const scale of [1, 10]) {
      const { net, input } = randomNetwork(family, 31, scale);
      const net64 = float64Copy(net);
      const X = Tensor.uniform([4, ...input], new Rng(5), 0, 1);
      const X64 = X.to('float64');
      const eps = 0.125; // exact in float32
      const y = [0, 1, 2, 0];
      const [b32, b64] = noGrad(() => [new DualNetwork(net, X, eps).reluBounds(), new DualNetwork(net64, X64, eps).reluBounds()]);
      const pass = magnitudePass(net.layers, X64, radius64(eps, X64), Tensor.scalar(0, 'float64'), roundingModel('float32', 1e4, 1), b32!.map((b) => b.lower));
      b32!.forEach((b, k) => {
        const t = pass.preActivation[k]!.data;
        for (const side of ['lower', 'upper'] as const) {
          b[side].data.forEach((v, i) => {
            const diff = Math.abs(v - b64![k]![side].data[i]!);
            assert.ok(diff <= t[i]! + 1e-12 * (1 + Math.abs(v)), `${family} x${scale} layer ${k} ${side}[${i}]: |Δ| ${diff} > t̂ ${t[i]}`);
          });
        }
      });
      const f32 = noGrad(() => robustLogits(net, eps, X, y));
      const f64 = noGrad(() => robustLogits(net64, eps, X64, y));
      const v = pass.output.data;
      const K = f32.shape[1]!;
      let worst = 0;
      f32.data.forEach((f, i) => {
        const b = Math.floor(i / K);
        const E = v[b * K + y[b]!]! + v[i]!;
        assert.ok(Math.abs(f - f64.data[i]!) <= E, `${family} x${scale} logit ${i}: |Δ| ${Math.abs(f - f64.data[i]!)} > E ${E}`);
        worst = Math.max(worst, E / (1 + Math.abs(f)));
      });
      // Not vacuous: E / (1 + |f|) was 1.6e-4 to 7.6e-4 at scale 1 (logits ~1) and 0.15 to 0.71 at scale 10 (~10³ larger).
      assert.ok(worst < 2e-3 * scale ** 3, `${family} x${scale}: E / (1 + |f|) = ${worst} is vacuous`);
    }
  });
}

test.run();
