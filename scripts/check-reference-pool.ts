/**
 * Runs `check-reference.ts` cases in child processes (`--jobs N`): each child is the same script
 * started with {@link WORKER_FLAG}, loads once and checks the cases the parent sends over IPC, one
 * at a time; the parent hands out the largest files first (α-CROWN on the conv and residual cases
 * dominates) and prints each report line in the sorted order of the case names, as soon as every
 * earlier case has reported. A child that dies fails the case it held, and the cases left go to
 * the others. The float64 checks run on the single-threaded js kernels, so two jobs halve the
 * wall time on two cores (the full lirpa folder: 36 s → about 20 s).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The hidden flag that makes check-reference.ts serve cases to a parent. */
export const WORKER_FLAG = '--serve-cases';

/** One case's report line and verdict. */
export interface CaseLine {
  readonly line: string;
  readonly pass: boolean;
}

/** Jobs when `--jobs` is not given: one per core, at most 2 (this machine kind). */
export function defaultJobs(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** In a child: answers each `{ path }` message with that case's {@link CaseLine}; resolves when the parent disconnects. */
export function serveCases(run: (path: string) => CaseLine): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) return Promise.reject(new Error(`${WORKER_FLAG} is internal: it needs a parent process with an IPC channel`));
  process.on('message', (m: { path: string }) => { send({ path: m.path, ...run(m.path) }); });
  send({ ready: true });
  return new Promise((resolve) => { process.once('disconnect', () => resolve()); });
}

/** Starts one child running check-reference.ts with `argv` (tsx resolved from here, as src/verify/pool.ts does). */
function startChild(argv: readonly string[]): ChildProcess {
  const script = fileURLToPath(new URL('./check-reference.ts', import.meta.url));
  return spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...argv], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

/**
 * Checks `paths` with `jobs` children; `onLine` sees each result in the order of `paths`.
 * Resolves with every result in that order.
 */
export async function runInProcesses(paths: readonly string[], jobs: number, argv: readonly string[], onLine: (r: CaseLine) => void): Promise<CaseLine[]> {
  const results = new Map<string, CaseLine>();
  let printed = 0;
  const settle = (path: string, r: CaseLine): void => {
    results.set(path, r);
    while (printed < paths.length && results.has(paths[printed]!)) onLine(results.get(paths[printed++]!)!);
  };
  const queue = [...paths].sort((a, b) => statSync(b).size - statSync(a).size);
  await Promise.all(Array.from({ length: jobs }, () => serveQueue(queue, argv, settle)));
  return paths.map((p) => results.get(p) ?? { line: `FAIL ${p}: not checked`, pass: false });
}

/** One child taking cases from the shared queue until it is empty or the child dies. */
function serveQueue(queue: string[], argv: readonly string[], settle: (path: string, r: CaseLine) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = startChild(argv);
    let current: string | undefined;
    const next = (): void => {
      current = queue.shift();
      if (current === undefined) { child.disconnect(); return; }
      child.send({ path: current });
    };
    child.on('message', (m: { ready?: boolean; path?: string } & Partial<CaseLine>) => {
      if (!m.ready && m.path !== undefined) settle(m.path, { line: m.line ?? `FAIL ${m.path}: no report`, pass: m.pass === true });
      next();
    });
    child.once('exit', (code, signal) => {
      if (current !== undefined) settle(current, { line: `FAIL ${current}: the worker process died (${signal ?? `exit code ${code}`})`, pass: false });
      resolve();
    });
  });
}
