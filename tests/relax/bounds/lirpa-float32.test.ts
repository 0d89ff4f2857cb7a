// The float32 rule of the auto_LiRPA reference contract (LIRPA_FLOAT32): each deterministic method
// run in float32 on js and wasm (native too when the addon is built) agrees with float64 on the
// same float32-rounded data to 1e-4 relative, entries below 5% of their field's scale judged at
// that scale, with the per-example certificates equal to auto_LiRPA's. The fixtures are the four
// lirpa cases kept in tests/fixtures/lirpa (MaxPool, AvgPool, BatchNorm, residual);
// `scripts/check-reference.ts ../shared/reference/lirpa --float32` runs all 26.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { float32Check, LIRPA_FLOAT32 } from '../../../src/relax/bounds/lirpa-case.js';
import { caseMethods, type MethodCase } from '../../../src/relax/reference-case.js';
import { nativeBackendAvailable } from '../../../src/tensor/backends/native/index.js';
import { withBackend } from '../../../src/tensor/registry.js';

const fixtures = fileURLToPath(new URL('../../fixtures/lirpa', import.meta.url));
const cases = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort()
  .map((f): [string, MethodCase] => [f, JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as MethodCase]);
const BACKENDS = ['js', 'wasm', ...(nativeBackendAvailable() ? ['native'] : [])];

test('the float32 rule is 1e-4 relative with a floor of 5% of the field scale', () => {
  assert.equal(LIRPA_FLOAT32, { tolerance: 1e-4, floorFraction: 5e-2 });
  assert.is(cases.length, 4);
});

for (const backend of BACKENDS) {
  test(`${backend}: every deterministic method of the fixtures meets the float32 rule, and is float32`, () => {
    withBackend(backend, () => {
      for (const [name, c] of cases) {
        for (const method of caseMethods(c).filter((m) => m !== 'alpha_crown')) {
          const { reports } = float32Check(c, method);
          const failed = reports.filter((r) => !r.pass).map((r) => `${r.field}: ${r.worst.toExponential(2)}`);
          assert.equal(failed, [], `${name} ${method}`);
          // Not float64 in disguise: float32 rounding shows in the gradients.
          const grads = reports.find((r) => r.field === 'grad_robust_ce_mean');
          assert.ok(grads !== undefined && grads.worst > 1e-9, `${name} ${method}: gradient error ${grads?.worst} is not a float32 run's`);
        }
      }
    });
  });
}

test.run();
