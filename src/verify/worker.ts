/**
 * The worker process of `relaxjs verify --benchmark`. It imports only `src/verify` (fast start)
 * and serves instances over the IPC channel one at a time: it receives
 * `{ model, property, timeout, seed, resultFile? }`, verifies, writes the VNN-COMP result file,
 * and answers `{ result, seconds, detail }`. The parent kills it when an instance overruns.
 * @module
 */
import { writeFileAtomic } from '../util/fs.js';
import { resultFileText } from './results.js';
import { verifyFiles } from './run-one.js';

/** A request from the parent. */
export interface WorkerRequest {
  readonly model: string;
  readonly property: string;
  readonly timeout: number;
  readonly seed: number;
  readonly resultFile?: string;
}

process.on('message', (m: WorkerRequest) => {
  const r = verifyFiles(m.model, m.property, m.timeout, Date.now(), m.seed);
  if (m.resultFile) writeFileAtomic(m.resultFile, resultFileText(r.result, r.counterexample));
  process.send?.({ result: r.result, seconds: r.seconds, detail: r.detail });
});
process.send?.({ ready: true });
