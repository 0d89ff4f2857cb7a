/**
 * The long adversarial soundness suite of issue 13 (the CI-sized one: tests/relax/soundness).
 *
 *   npx tsx scripts/soundness-suite.ts [--nets 12] [--examples 4] [--restarts 4] [--steps 20] [--vertices 16] [--seed 1] [--backends js,wasm]
 *
 * Random networks of every family (MLP, leaky ReLU, conv, conv + BatchNorm + AvgPool,
 * DenseSequential) at weight scales 0.01 / 0.1 / 1 / 10 / 100, `--nets` per (family, scale) cycling
 * through l∞, l2 and l∞ ∩ [0, 1]; every robust logit and pre-activation bound attacked in float64
 * (centre, `--vertices` vertices, PGD with `--restarts` × `--steps` per objective, exact MILP by
 * HiGHS on the l∞ MLPs); every float32 certificate of `certify` on each backend checked against
 * all attack points. Prints networks, objectives attacked, points, MILPs, certificates checked,
 * violations and the closest approach ((attack − bound) / max(1, |bound|), ≤ 0 when sound); exit 1
 * on any violation.
 * @module
 */
import { runSoundnessSuite } from '../src/relax/sound/adversarial.js';
import { FAMILIES } from '../src/relax/sound/random-nets.js';
import { backendNames } from '../src/tensor/registry.js';
import { loadLpSolver } from '../src/train/primal-lp.js';

const NUMERIC = ['nets', 'examples', 'restarts', 'steps', 'vertices', 'seed'] as const;

function fail(message: string): never {
  process.stderr.write(`soundness-suite: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Record<(typeof NUMERIC)[number], number> & { backends: string[] } {
  const args = { nets: 12, examples: 4, restarts: 4, steps: 20, vertices: 16, seed: 1, backends: ['js', 'wasm'] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    const name = flag.slice(2);
    if (name === 'backends') args.backends = value.split(',');
    else if ((NUMERIC as readonly string[]).includes(name)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (name === 'seed' ? 0 : 1)) fail(`${flag} must be an integer >= ${name === 'seed' ? 0 : 1}, got ${value}`);
      args[name as (typeof NUMERIC)[number]] = n;
    } else fail(`unknown flag ${flag} (known: ${NUMERIC.map((n) => `--${n}`).join(', ')}, --backends)`);
  }
  for (const b of args.backends) if (!backendNames().includes(b)) fail(`--backends: unknown backend '${b}' (known: ${backendNames().join(', ')})`);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const start = performance.now();
  const stats = runSoundnessSuite({ ...args, families: FAMILIES, scales: [0.01, 0.1, 1, 10, 100], solver: await loadLpSolver() });
  const seconds = (performance.now() - start) / 1000;
  for (const v of stats.violations.slice(0, 20)) process.stdout.write(`violation: ${v}\n`);
  process.stdout.write(`networks ${stats.networks}, objectives attacked ${stats.objectives}, attack points ${stats.points}, MILPs ${stats.milps}, float32 certificates checked ${stats.certificates} (${args.backends.join(', ')}), violations ${stats.violations.length}, closest approach ${stats.closest.toExponential(3)} (${stats.closestAt}), ${seconds.toFixed(0)} s\n`);
  process.exit(stats.violations.length === 0 ? 0 : 1);
}

void main();
