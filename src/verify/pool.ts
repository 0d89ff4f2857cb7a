/**
 * Runs benchmark instances in worker processes (`--jobs N`): each job slot keeps one `worker.ts`
 * child that serves instances over IPC (loaded once), killed and replaced when an instance runs
 * past its time limit plus a grace period or crashes, so one runaway instance costs only its own
 * row. The child writes the VNN-COMP result file; the parent times each instance itself.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance, ResultRow } from './results.js';
import type { WorkerRequest } from './worker.js';

/** Seconds a child may run past its instance's time limit before it is killed. */
export const GRACE_SECONDS = 15;

/** Options of {@link runPool}. */
export interface PoolOptions {
  readonly jobs: number;
  /** Benchmark folder (instance paths are relative to it). */
  readonly dir: string;
  /** Folder for per-instance result files (none when undefined). */
  readonly resultDir: string | undefined;
  readonly seed: number;
  /** Called as each instance ends (in completion order). */
  onResult(row: ResultRow, detail: string): void;
}

/** The per-instance result file name: `<onnx base>__<vnnlib base>.txt`. */
export function resultFileName(i: Instance): string {
  return `${basename(i.onnx).replace(/\.onnx$/, '')}__${basename(i.vnnlib).replace(/\.vnnlib$/, '')}.txt`;
}

/** The worker entry beside this module: `worker.ts` run through tsx from a checkout, else `worker.js`. */
function workerCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  // tsx resolved from here, not from the working directory (a benchmark run from another folder found no tsx: the workers died silently)
  return self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), join(dirname(self), 'worker.ts')] : [join(dirname(self), 'worker.js')];
}

/** A worker process serving instances one at a time; replaced after a kill or crash. */
class Worker {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;

  /** Starts the process if needed and resolves once it has loaded. */
  private start(): Promise<void> {
    if (this.child && this.ready) return this.ready;
    const child = spawn(process.execPath, workerCommand(), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.resume();
    this.child = child;
    this.ready = new Promise((resolve) => child.once('message', () => resolve()));
    child.once('exit', () => { if (this.child === child) this.child = this.ready = undefined; });
    return this.ready;
  }

  /** Runs one instance; the time counts from the request (the process is already loaded). */
  async run(i: Instance, o: PoolOptions): Promise<{ row: ResultRow; detail: string }> {
    await this.start();
    const child = this.child!;
    const start = Date.now();
    const request: WorkerRequest = { model: join(o.dir, i.onnx), property: join(o.dir, i.vnnlib), timeout: i.timeout, seed: o.seed, resultFile: o.resultDir === undefined ? undefined : join(o.resultDir, resultFileName(i)) };
    const answer = await new Promise<{ result: ResultRow['result']; detail: string }>((resolve) => {
      // forget the killed child at once: its 'exit' event comes later, after the next instance may have started
      const timer = setTimeout(() => { this.child = this.ready = undefined; child.kill('SIGKILL'); resolve({ result: 'timeout', detail: `killed after ${i.timeout + GRACE_SECONDS} s` }); }, (i.timeout + GRACE_SECONDS) * 1000);
      const onExit = (): void => { clearTimeout(timer); if (this.child === child) this.child = this.ready = undefined; resolve({ result: 'error', detail: 'the worker process died' }); };
      child.once('exit', onExit);
      child.once('message', (m: { result: ResultRow['result']; detail: string }) => { clearTimeout(timer); child.off('exit', onExit); resolve(m); });
      child.send(request);
    });
    return { row: { onnx: i.onnx, vnnlib: i.vnnlib, result: answer.result, seconds: (Date.now() - start) / 1000 }, detail: answer.detail };
  }

  /** Ends the process. */
  close(): void {
    this.child?.kill();
  }
}

/** Runs the instances with `jobs` children at a time; resolves with rows in input order. */
export async function runPool(instances: readonly Instance[], o: PoolOptions): Promise<ResultRow[]> {
  const rows: ResultRow[] = new Array(instances.length);
  let next = 0;
  const loop = async (worker: Worker): Promise<void> => {
    try {
      while (next < instances.length) {
        const k = next++;
        const { row, detail } = await worker.run(instances[k]!, o);
        rows[k] = row;
        o.onResult(row, detail);
      }
    } finally {
      worker.close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, instances.length)) }, () => loop(new Worker())));
  return rows;
}
