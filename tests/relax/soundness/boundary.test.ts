// Case 4 of issue 13: float32 rounding at the certification boundary. On small random networks
// (weights rounded to float32), bisect in float64 for the smallest ε the float64 bound does not
// certify and probe ε·(1 + δ). The unchecked float32 bound certifies some probes that float64 with
// its rigorous error bound does not (the wrong certificates of the issue: this is what made the
// test fail before the sound check); `certify` (sound by default) must certify none of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modelFromDescription } from '../../../src/nn/describe.js';
import { certify } from '../../../src/relax/robust-loss.js';
import { boundaryEpsilon, probeExample, type ProbeResult } from '../../../src/relax/sound/probe.js';
import { float64Copy } from '../../../src/relax/sound/inputs.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const families = {
  mlp: { kind: 'Sequential', layers: [{ type: 'Linear', in: 6, out: 12, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 12, out: 12, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 12, out: 3, bias: true }] },
  dense: {
    kind: 'DenseSequential',
    layers: [{ type: 'Linear', in: 6, out: 10, bias: true }, { type: 'ReLU' },
      { type: 'Dense', ws: [{ type: 'Linear', in: 6, out: 10, bias: false }, null, { type: 'Linear', in: 10, out: 10, bias: true }] }, { type: 'ReLU' },
      { type: 'Linear', in: 10, out: 3, bias: true }],
  },
} as const;

function probes(family: keyof typeof families, seed: number, examples: number): ProbeResult[] {
  const net32 = modelFromDescription(families[family], seed);
  const net64 = float64Copy(net32);
  const rng = new Rng(seed + 100);
  const out: ProbeResult[] = [];
  for (let e = 0; e < examples; e++) {
    const x32 = Tensor.uniform([1, 6], rng, -1, 1);
    const x64 = x32.to('float64');
    const y = certify(net64, 0, x64, [0], { sound: false }).predictions[0]!;
    const eps = boundaryEpsilon(net64, x64, y);
    if (eps !== null) out.push(...probeExample(net32, net64, x32, x64, y, eps, {}, [0, 1e-7, 1e-6]));
  }
  return out;
}

test('near the boundary, certify (sound) never certifies what float64 with its error bound does not; the fast float32 path did', () => {
  const all = [...probes('mlp', 1, 10), ...probes('dense', 2, 10)];
  assert.ok(all.length >= 40, `only ${all.length} probes`);
  const unsoundFast = all.filter((p) => p.fast32 && !p.rigorous64);
  const unsoundCertify = all.filter((p) => p.sound32 && !p.rigorous64);
  assert.ok(unsoundFast.length > 0, 'the unchecked float32 path certified no probe beyond the float64 boundary: the test would not catch the defect');
  assert.is(unsoundCertify.length, 0, `certify claimed ${unsoundCertify.length} certificates float64 does not support: ${JSON.stringify(unsoundCertify.slice(0, 3))}`);
});

test.run();
