/**
 * The long thread-safety stress of the `wasm` backend (issue 14; the short one is
 * tests/tensor/wasm-stress.test.ts): for `--minutes`, fresh two-thread runtimes each run
 * `--jobs` seeded kernel calls of mixed kinds and climbing sizes (so the heap grows while the
 * helper starts and between jobs), every result compared bit for bit with one thread; every
 * `--hidden-every`-th run is instead a round of the widened engine race (a growth V8 hides from a
 * starting helper). Prints runs, jobs, threads, minutes, traps and mismatches, and the first
 * failures; exits 1 when any job trapped or differed.
 *
 *   npx tsx scripts/wasm-stress.ts [--minutes 2] [--jobs 60] [--max-size 96] [--hidden-every 5] [--seed 1]
 */
import { emptyTally, hiddenGrowthRound, oneThread, stressRun } from '../tests/helpers/wasm-stress.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`wasm-stress: --${name} must be a non-negative number, got '${process.argv[at + 1] ?? ''}'\n`);
    process.exit(2);
  }
  return value;
}

const minutes = option('minutes', 2), jobs = option('jobs', 60), maxSize = option('max-size', 96);
const hiddenEvery = option('hidden-every', 5), firstSeed = option('seed', 1);
const one = oneThread();
const tally = emptyTally();
const started = performance.now();
let runs = 0, hiddenRounds = 0;
const elapsed = (): number => (performance.now() - started) / 60_000;
while (elapsed() < minutes) {
  const seed = firstSeed + runs;
  if (hiddenEvery > 0 && runs % hiddenEvery === hiddenEvery - 1) {
    await hiddenGrowthRound(seed, one, tally);
    hiddenRounds++;
  } else {
    stressRun(seed, jobs, maxSize, one, tally);
  }
  runs++;
  if (process.stdout.isTTY) process.stdout.write(`\r${runs} runs, ${tally.jobs} jobs, ${tally.traps} traps, ${tally.mismatches} mismatches`);
}
if (process.stdout.isTTY) process.stdout.write('\n');
console.log(`wasm stress: ${runs} runs (${hiddenRounds} hidden-growth rounds), ${tally.jobs} jobs, threads 2 vs 1, `
  + `${elapsed().toFixed(2)} minutes, ${tally.traps} traps, ${tally.mismatches} mismatches`);
for (const message of tally.messages.slice(0, 10)) console.log(`  ${message}`);
process.exit(tally.traps + tally.mismatches > 0 ? 1 : 0);
