/**
 * Thread safety of the `wasm` backend (issue 14, item 1): many short kernel calls of mixed sizes and
 * kinds on two threads, bit for bit equal to one thread, while the shared heap keeps growing; fresh
 * runtimes that grow the heap while their helper thread starts; and the engine race behind the
 * intermittent "kernel trapped on worker 1": V8 (Node 20) misses a growth of a shared memory that
 * lands while a worker is still deserializing it, so the worker's atomics and `memory.fill` trap
 * above the old end. The last test widens that window (a large value sent ahead of the memory) and
 * grows the heap inside it: before the fix it trapped in most runs; the worker now refreshes its
 * view when a job needs more memory than it sees. The long version is scripts/wasm-stress.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { bigConvTranspose, bigMatmul, checkJob, emptyTally, FORCED, hiddenGrowthRound, oneThread, spin, stressRun, type StressTally } from '../helpers/wasm-stress.js';

const one = oneThread();

const assertClean = (tally: StressTally, label: string): void => {
  assert.ok(tally.jobs > 0, `${label}: jobs ran`);
  assert.equal(tally.messages, [], `${label}: ${tally.jobs} jobs, ${tally.traps} traps, ${tally.mismatches} mismatches`);
};

test('mixed kernel calls of climbing sizes: two threads equal one thread bit for bit while the heap grows', () => {
  const tally = emptyTally();
  for (const seed of [1, 2]) stressRun(seed, 50, 72, one, tally);
  assertClean(tally, 'stress');
});

test('fresh runtimes that grow the heap while their helper thread starts', () => {
  const tally = emptyTally();
  for (let r = 0; r < 3; r++) {
    const two = createWasmBackend({ threads: 2, ...FORCED });
    two.unary('neg', new Float32Array(8));
    spin(5 * r);
    checkJob(bigConvTranspose(r, 2000 + 100 * r), two, one, tally);
    checkJob(bigMatmul(r, 700 + 40 * r), two, one, tally);
  }
  assertClean(tally, 'fresh runtimes');
});

test('a heap growth that the engine hides from a starting helper thread does not trap', async () => {
  const tally = emptyTally();
  for (let r = 0; r < 3; r++) await hiddenGrowthRound(r, one, tally);
  assertClean(tally, 'hidden growth');
});

test.run();
