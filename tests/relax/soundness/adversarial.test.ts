// The seeded adversarial soundness suite, CI-sized (a few seconds): random networks of every family
// (MLP, leaky ReLU, conv, conv + BatchNorm + AvgPool, DenseSequential) at weight scales 0.1 and 10,
// under l∞, l2 and the l∞ ball ∩ [0, 1]; every robust logit and pre-activation bound attacked in
// float64 (centre, vertices, PGD with restarts, exact MILP on the l∞ MLPs), and every float32
// certificate of `certify` on the js and wasm backends checked against the attack points.
// The long version: scripts/soundness-suite.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSoundnessSuite } from '../../../src/relax/sound/adversarial.js';
import { FAMILIES } from '../../../src/relax/sound/random-nets.js';
import { loadLpSolver } from '../../../src/train/primal-lp.js';
import { backendNames, getBackend, setBackend } from '../../../src/tensor/registry.js';

test('no bound is beaten by an attack, no float32 certificate by a counterexample', async () => {
  const before = getBackend();
  const solver = await loadLpSolver();
  const stats = runSoundnessSuite({
    seed: 13, families: FAMILIES, scales: [0.1, 10], nets: 3, examples: 2, restarts: 2, steps: 8, vertices: 4, solver,
    backends: backendNames().filter((b) => b === 'js' || b === 'wasm'),
  });
  setBackend(before);
  assert.is(stats.networks, FAMILIES.length * 2 * 3);
  assert.ok(stats.objectives > 100, `only ${stats.objectives} objectives attacked`);
  assert.ok(stats.milps > 0, 'no MILP ran');
  assert.ok(stats.certificates > 0, 'no float32 certificate to check');
  assert.equal(stats.violations, [], stats.violations.slice(0, 3).join('\n'));
  assert.ok(stats.closest <= 1e-9, `closest approach ${stats.closest} at ${stats.closestAt}`);
});

test.run();
