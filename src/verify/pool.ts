/**
 * Runs benchmark instances in worker processes (`--jobs N`): each instance is a fresh
 * `worker.ts` child (isolation: a crash or runaway instance costs only its
 * own row), killed at its time limit plus a grace period. Each child writes its VNN-COMP result
 * file; the parent reads the child's JSON line for the answer and times the instance itself.
 * @module
 */
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance, ResultRow } from './results.js';

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
  return self.endsWith('.ts') ? ['--import', 'tsx', join(dirname(self), 'worker.ts')] : [join(dirname(self), 'worker.js')];
}

/** Runs one instance in a child process. */
function runChild(i: Instance, o: PoolOptions): Promise<{ row: ResultRow; detail: string }> {
  const start = Date.now();
  const args = [...workerCommand(), join(o.dir, i.onnx), join(o.dir, i.vnnlib), String(i.timeout), String(o.seed)];
  if (o.resultDir !== undefined) args.push(join(o.resultDir, resultFileName(i)));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, (i.timeout + GRACE_SECONDS) * 1000);
    const finish = (result: ResultRow['result'], detail: string): void => {
      clearTimeout(timer);
      resolve({ row: { onnx: i.onnx, vnnlib: i.vnnlib, result, seconds: (Date.now() - start) / 1000 }, detail });
    };
    child.on('error', (e) => finish('error', e.message));
    child.on('close', () => {
      if (killed) return finish('timeout', `killed after ${i.timeout + GRACE_SECONDS} s`);
      try {
        const json = JSON.parse(out.trim().split('\n').pop() ?? '') as { result: ResultRow['result']; detail: string };
        finish(json.result, json.detail);
      } catch {
        finish('error', (err.trim().split('\n').pop() ?? 'worker failed').slice(0, 300));
      }
    });
  });
}

/** Runs the instances with `jobs` children at a time; resolves with rows in input order. */
export async function runPool(instances: readonly Instance[], o: PoolOptions): Promise<ResultRow[]> {
  const rows: ResultRow[] = new Array(instances.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < instances.length) {
      const k = next++;
      const { row, detail } = await runChild(instances[k]!, o);
      rows[k] = row;
      o.onResult(row, detail);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, instances.length)) }, worker));
  return rows;
}
