// The IBP and CROWN-IBP training losses (robust cross-entropy of −m, m the margin bounds of
// c = e_y − e_j) equal auto_LiRPA's `ibp` and `crown_ibp` robust_ce_mean of the reference cases
// (../shared/reference/lirpa; one copy in tests/fixtures/certified always runs), with their
// gradients, in float64: the cases whose nets are Linear / Conv2d / ReLU / Flatten chains, l∞
// (and the l∞ ∩ [0, 1] box), the ones certified training runs on. Also: β and κ mix as stated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backward } from '../../../src/autograd/index.js';
import { loadCase, type MethodCase } from '../../../src/relax/reference-case.js';
import { certifiedLoss, type CertifiedMethod } from '../../../src/train/certified/loss.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const dirs = [join(repoRoot, 'tests', 'fixtures', 'certified'), resolve(repoRoot, '..', 'shared', 'reference', 'lirpa')].filter(existsSync);
const chain = new Set(['Linear', 'Conv2d', 'ReLU', 'Flatten']);
const cases = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as MethodCase] as const))
  .filter(([, c]) => c.input.norm === 'linf' && (c.model as { layers: { type: string }[] }).layers.every((l) => chain.has(l.type)));
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

function close(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1e-12, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-6 * scale));
  assert.ok(worst < 1e-6, `${what}: worst relative error ${worst}`);
}

/** Our loss and gradients for `method` against the reference entry `key`. */
function check(file: string, c: MethodCase, method: CertifiedMethod, key: 'ibp' | 'crown_ibp'): void {
  const expected = c.expected[key]!;
  const loaded = loadCase(c, 'float64');
  const y = Int32Array.from(loaded.y);
  const perturbation = { norm: 'linf' as const, epsilon: loaded.epsilon, ...(loaded.box ? { box: loaded.box } : {}) };
  const r = certifiedLoss(loaded.net, loaded.X, y, { method, perturbation, beta: 1, kappa: 0 });
  close([r.loss.item()], [expected.robust_ce_mean!], `${file} ${key} robust_ce_mean`);
  backward(r.loss);
  for (const [name, p] of loaded.net.namedParameters()) close(p.grad!.data, flat(expected.grad_robust_ce_mean![name]), `${file} ${key} grad ${name}`);
  const errs = flat(expected.robust_err_per_example).map(Number);
  assert.equal(Array.from(r.errors), errs, `${file} ${key} robust_err_per_example`);
}

test('β mixes the CROWN-IBP and IBP margins: the loss at β = 0 is the IBP loss, at β in between it lies between', () => {
  const [, c] = cases[0]!;
  const loaded = loadCase(c, 'float64');
  const y = Int32Array.from(loaded.y);
  const perturbation = { norm: 'linf' as const, epsilon: loaded.epsilon, ...(loaded.box ? { box: loaded.box } : {}) };
  const at = (beta: number) => certifiedLoss(loaded.net, loaded.X, y, { method: 'crown-ibp', perturbation, beta }).loss.item();
  close([at(0)], [c.expected.ibp!.robust_ce_mean!], 'β = 0');
  const [lo, hi] = [at(1), at(0)].sort((a, b) => a - b) as [number, number];
  assert.ok(at(0.5) >= lo - 1e-12 && at(0.5) <= hi + 1e-12, `β = 0.5 gives ${at(0.5)}, outside [${lo}, ${hi}]`);
  // κ = 1 is the clean cross-entropy alone
  const clean = certifiedLoss(loaded.net, loaded.X, y, { method: 'ibp', perturbation, kappa: 1 });
  close([clean.loss.item()], [clean.cleanLoss!], 'κ = 1');
});

test('there are reference cases to check', () => {
  assert.ok(cases.length >= 1);
});

for (const [file, c] of cases) {
  test(`${file}: the IBP loss equals auto_LiRPA's ibp robust_ce_mean, with gradients`, () => check(file, c, 'ibp', 'ibp'));
  test(`${file}: the CROWN-IBP loss (β = 1) equals auto_LiRPA's crown_ibp robust_ce_mean, with gradients`, () => check(file, c, 'crown-ibp', 'crown_ibp'));
}

test.run();
