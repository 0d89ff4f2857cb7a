// The dual network against the original's reference vectors: ReLU bounds, robust logits,
// per-example and mean robust CE, errors, and the gradient of the mean robust CE for every
// parameter. One case of each family is copied into tests/fixtures/reference and always runs
// (float64 and float32, JSON and checkpoint weights); all of ../shared/reference/public runs
// in float64 when that folder exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStateDict } from '../../src/io/torch.js';
import { compareCase, FLOAT32_CHECK, FLOAT64_CHECK, runCase, type ReferenceCase, type Tolerance } from '../../src/relax/reference-case.js';
import type { StateDict } from '../../src/nn/state-dict.js';
import type { DType } from '../../src/tensor/dtype.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = join(repoRoot, 'tests', 'fixtures', 'reference');
const sharedDir = resolve(repoRoot, '..', 'shared', 'reference', 'public');

const FAMILIES = ['mlp_linf_', 'mlp_linf_bounded_', 'mlp_l2_', 'conv_linf_', 'conv_linf_bounded_', 'conv3ch_nobias_', 'dense_skip_', 'conv_resblock_'];

function load(dir: string, file: string): ReferenceCase {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as ReferenceCase;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

function assertMatches(name: string, c: ReferenceCase, dtype: DType, check: Tolerance, weights?: StateDict): void {
  const failures = compareCase(c, runCase(c, dtype, weights), check).filter((r) => !r.pass);
  assert.equal(failures.map((r) => `${r.field}: ${r.worst}`), [], `${name} (${dtype})`);
}

const fixtures = jsonFiles(fixtureDir);

test('the fixtures hold one case of every reference family, with crossing ReLUs', () => {
  for (const family of FAMILIES) {
    const ok = fixtures.some((f) => f.startsWith(family) && /^\d_[ab]\.json$/.test(f.slice(family.length)));
    assert.ok(ok, `no fixture of family ${family}`);
  }
});

for (const file of fixtures) {
  const c = load(fixtureDir, file);
  test(`fixture ${file}: every field matches in float64`, () => assertMatches(file, c, 'float64', FLOAT64_CHECK));
  test(`fixture ${file}: every field matches in float32`, () => assertMatches(file, c, 'float32', FLOAT32_CHECK));
  const checkpoint = join(fixtureDir, file.replace(/\.json$/, '.torch'));
  if (existsSync(checkpoint)) {
    test(`fixture ${file}: checkpoint weights give the same result`, () => assertMatches(file, c, 'float64', FLOAT64_CHECK, loadStateDict(checkpoint)));
  }
}

test('a wrong value is caught: perturbing one weight breaks the match', () => {
  const c = load(fixtureDir, 'mlp_linf_3_a.json');
  const perturbed = structuredClone(c) as unknown as { state_dict: Record<string, number[][]> };
  perturbed.state_dict['0.weight']![0]![0]! *= 1.001;
  const failures = compareCase(c, runCase(perturbed as unknown as ReferenceCase, 'float64'), FLOAT64_CHECK).filter((r) => !r.pass);
  assert.ok(failures.length > 0);
});

if (existsSync(sharedDir)) {
  const shared = jsonFiles(sharedDir);
  test(`all ${shared.length} public reference cases match in float64`, () => {
    assert.ok(shared.length >= 64, `expected at least 64 cases, found ${shared.length}`);
    for (const file of shared) assertMatches(file, load(sharedDir, file), 'float64', FLOAT64_CHECK);
  });
} else {
  console.log(`relax/reference: ${sharedDir} not found, skipping the full public set (fixtures still run)`);
}

test.run();
