/**
 * `relaxjs bench` / `npm run bench`: the four end-to-end workloads of the PyTorch reference
 * (`../shared/bench/pytorch-reference.json`) and its kernel rows, each timed in a child process of
 * its own (so that the peak RSS is the workload's), with median and minimum over the runs after a
 * warm-up, and the ratio to PyTorch + OpenBLAS (ours / theirs: > 1 means slower).
 * `json` prints one JSON object as the last line:
 * `{"backend", "runs", "workloads": {name: {median_s, min_s, cpu_median_s, peak_rss_mb, pytorch_s, ratio}}, "kernels": {...}}`.
 * @module
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult, ChildTask } from './child.js';
import { KERNEL_NAMES } from './kernels.js';
import { loadPytorchReference, type PytorchReference } from './reference.js';
import { defaultInputs, WORKLOAD_NAMES } from './workloads.js';
import { backendNames, defaultBackendName } from '../tensor/registry.js';
import { nativeBackendAvailable, nativeUnavailableReason } from '../tensor/backends/native/index.js';

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** Backend name (default `RELAXJS_BACKEND`, else the registry's default: wasm when built, else js); `native` needs its addon built. */
  backend?: string;
  /** Timed runs per row after the warm-up (default 3; 1 with `quick`). */
  runs?: number;
  /** One run, no warm-up, kernels on a 512³ product and N = 1000 images, no 4-batch RSS row. */
  quick?: boolean;
  /** Print the JSON object as the last line. */
  json?: boolean;
  /** Only these workload / kernel names (default: all). */
  only?: readonly string[];
  /** The shared folder with models/ and bench/ (default `<repo>/../shared`). */
  sharedDir?: string;
  /** Where lines go (default stdout); progress goes to stderr on a TTY. */
  write?: (line: string) => void;
}

/** One workload's row; `status` 'n/a' when it could not run (the error is in `notes`). */
export interface WorkloadRow {
  status: 'ok' | 'n/a';
  median_s: number | null;
  min_s: number | null;
  cpu_median_s: number | null;
  /** Timed runs behind the median (more than `runs` for short workloads: they are timed for 1 s). */
  timed_runs: number | null;
  peak_rss_mb: number | null;
  pytorch_s: number | null;
  ratio: number | null;
  peak_rss_mb_4_batches?: number | null;
  pytorch_peak_rss_mb_4_batches?: number | null;
  notes: string[];
}

/** One kernel row: the figure (GFLOP/s or ms) of the median and best run. */
export interface KernelRow {
  status: 'ok' | 'n/a';
  unit: string;
  median: number | null;
  best: number | null;
  size: number | null;
  pytorch: number | null;
  /** Slowdown against PyTorch (its GFLOP/s over ours, or our ms over its ms); null when sizes differ. */
  ratio: number | null;
  /** The median figure from CPU time instead of wall time (all threads: a loaded machine inflates wall time, not this). */
  cpu_median: number | null;
  notes: string[];
}

/** Everything {@link runBench} measured. */
export interface BenchReport {
  backend: string;
  runs: number;
  warmup: number;
  workloads: Record<string, WorkloadRow>;
  kernels: Record<string, KernelRow>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const childScript = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs `task` in a child process (`node --import tsx child.ts`) and parses its JSON line. */
function runChild(task: ChildTask): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), childScript, JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ChildResult);
      else reject(new Error(`${task.kind} ${task.name} failed (exit ${code}): ${(err.trim().split('\n').slice(-3).join(' | ') || last).slice(0, 400)}`));
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const round = (x: number, digits = 4): number => Number(x.toPrecision(digits));

async function workloadRow(name: string, base: Omit<ChildTask, 'kind' | 'name'>, ref: PytorchReference | null): Promise<WorkloadRow> {
  const pytorch = ref?.workloads[name] ?? null;
  try {
    const r = await runChild({ ...base, kind: 'workload', name });
    const med = median(r.seconds);
    return { status: 'ok', median_s: round(med), min_s: round(Math.min(...r.seconds)), cpu_median_s: round(median(r.cpuSeconds)), timed_runs: r.seconds.length,
      peak_rss_mb: Math.round(r.maxRssMb), pytorch_s: pytorch, ratio: pytorch ? round(med / pytorch, 3) : null, notes: r.notes };
  } catch (error) {
    return { status: 'n/a', median_s: null, min_s: null, cpu_median_s: null, timed_runs: null, peak_rss_mb: null, pytorch_s: pytorch, ratio: null, notes: [(error as Error).message] };
  }
}

async function kernelRow(name: string, base: Omit<ChildTask, 'kind' | 'name'>, ref: PytorchReference | null): Promise<KernelRow> {
  const pytorch = ref?.kernels[name] ?? null;
  try {
    const r = await runChild({ ...base, kind: 'kernel', name });
    const figures = r.figures ?? [];
    const higherIsBetter = r.unit === 'GFLOP/s';
    const med = median(figures);
    const best = higherIsBetter ? Math.max(...figures) : Math.min(...figures);
    const fullSize = name.startsWith('matmul') ? r.size === 1024 : r.size === 5000;
    const ratio = pytorch && fullSize ? round(higherIsBetter ? pytorch / med : med / pytorch, 3) : null;
    const perSecond = median(figures.map((fig, i) => fig * (higherIsBetter ? r.seconds[i]! : 1 / r.seconds[i]!)));
    const cpu = median(r.cpuSeconds);
    const cpuFigure = round(higherIsBetter ? perSecond / cpu : perSecond * cpu);
    return { status: 'ok', unit: r.unit ?? '', median: round(med), best: round(best), size: r.size ?? null, pytorch, ratio, cpu_median: cpuFigure, notes: fullSize ? [] : ['smaller size (--quick): no ratio'] };
  } catch (error) {
    return { status: 'n/a', unit: '', median: null, best: null, size: null, pytorch, ratio: null, cpu_median: null, notes: [(error as Error).message] };
  }
}

/** Runs the benchmark and prints its table (and the JSON line with `json`). */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const quick = options.quick ?? false;
  const runs = options.runs ?? (quick ? 1 : 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be an integer >= 1, got ${runs}`);
  const sharedDir = options.sharedDir ?? path.resolve(repoRoot, '..', 'shared');
  const ref = loadPytorchReference(path.join(sharedDir, 'bench', 'pytorch-reference.json'));
  const backend = options.backend ?? (process.env.RELAXJS_BACKEND || defaultBackendName());
  if (!backendNames().includes(backend)) throw new Error(`unknown backend '${backend}'; expected one of ${backendNames().join(', ')}`);
  if (backend === 'native' && !nativeBackendAvailable()) throw new Error(`backend 'native' is unavailable: ${nativeUnavailableReason()}`);
  const warmup = quick ? 0 : 1;
  const base = { backend, warmup, runs, quick, inputs: defaultInputs(sharedDir) };
  const wanted = (name: string): boolean => !options.only || options.only.includes(name);
  const unknown = options.only?.filter((n) => !([...WORKLOAD_NAMES, ...KERNEL_NAMES] as string[]).includes(n)) ?? [];
  if (unknown.length > 0) throw new Error(`only: unknown names ${unknown.join(', ')}; expected some of ${[...WORKLOAD_NAMES, ...KERNEL_NAMES].join(', ')}`);
  const progress = (what: string): void => { if (process.stderr.isTTY && !process.env.CI) process.stderr.write(`bench: ${what} ...\n`); };
  const report: BenchReport = { backend, runs, warmup, workloads: {}, kernels: {} };
  if (!ref) write(`(no ${path.join(sharedDir, 'bench', 'pytorch-reference.json')}: no PyTorch figures or ratios)`);
  for (const name of WORKLOAD_NAMES.filter(wanted)) {
    progress(name);
    report.workloads[name] = await workloadRow(name, base, ref);
  }
  const [reluStep, leakyStep] = [report.workloads.train_step_exact_b20, report.workloads.train_step_leaky0_b20];
  if (reluStep?.median_s && leakyStep?.median_s) {
    leakyStep.notes.push(`LeakyReLU(0) / ReLU robust step: ${round(leakyStep.median_s / reluStep.median_s, 3)} (target <= 1.2)`);
  }
  const certifyRow = report.workloads.certify_exact_b50;
  if (certifyRow && certifyRow.status === 'ok' && !quick) {
    progress('certify_exact_b50, 4 batches in one process');
    const r = await runChild({ ...base, warmup: 0, runs: 1, kind: 'certifyBatches', name: '4' }).catch(() => null);
    certifyRow.peak_rss_mb_4_batches = r ? Math.round(r.maxRssMb) : null;
    certifyRow.pytorch_peak_rss_mb_4_batches = ref?.certifyRss4Batches ?? null;
  }
  for (const name of KERNEL_NAMES.filter(wanted)) {
    progress(name);
    report.kernels[name] = await kernelRow(name, { ...base, warmup: Math.max(1, warmup) }, ref);
  }
  printTable(report, write);
  if (options.json) write(JSON.stringify(report));
  return report;
}

const cell = (x: number | null | undefined, width: number, digits = 3): string => (x === null || x === undefined ? 'n/a' : String(round(x, digits))).padStart(width);

/** The human-readable table of a report. */
export function printTable(report: BenchReport, write: (line: string) => void): void {
  const autorange = report.warmup > 0 ? ' (short rows warm up and are timed for 1 s each)' : '';
  write(`backend ${report.backend}: median and min of >= ${report.runs} run(s) after >= ${report.warmup} warm-up${autorange}; PyTorch = OpenBLAS, 2 threads; ratio = our time / PyTorch's (> 1: slower)`);
  if (Object.keys(report.workloads).length > 0) write(`${'workload'.padEnd(26)}${'median s'.padStart(10)}${'min s'.padStart(10)}${'cpu s'.padStart(10)}${'RSS MB'.padStart(9)}${'PyTorch s'.padStart(11)}${'ratio'.padStart(9)}${'runs'.padStart(6)}`);
  for (const [name, r] of Object.entries(report.workloads)) {
    write(`${name.padEnd(26)}${cell(r.median_s, 10)}${cell(r.min_s, 10)}${cell(r.cpu_median_s, 10)}${cell(r.peak_rss_mb, 9, 5)}${cell(r.pytorch_s, 11)}${cell(r.ratio, 9)}${cell(r.timed_runs, 6)}`);
    if (r.peak_rss_mb_4_batches !== undefined) write(`${''.padEnd(26)}peak RSS, 4 batches of 50 in one process: ${cell(r.peak_rss_mb_4_batches, 0, 5)} MB (PyTorch ${cell(r.pytorch_peak_rss_mb_4_batches, 0, 5)} MB)`);
    for (const note of r.notes) write(`${''.padEnd(26)}note: ${note}`);
  }
  if (Object.keys(report.kernels).length === 0) return;
  write('kernel ratio = our ms / PyTorch ms, or PyTorch GFLOP/s / ours for the matmul row (> 1: slower)');
  write(`${'kernel'.padEnd(42)}${'median'.padStart(10)}${'best'.padStart(10)}${'by cpu'.padStart(10)}${'unit'.padStart(9)}${'PyTorch'.padStart(9)}${'ratio'.padStart(9)}`);
  for (const [name, r] of Object.entries(report.kernels)) {
    write(`${name.padEnd(42)}${cell(r.median, 10)}${cell(r.best, 10)}${cell(r.cpu_median, 10)}${r.unit.padStart(9)}${cell(r.pytorch, 9)}${cell(r.ratio, 9)}`);
    for (const note of r.notes) write(`${''.padEnd(42)}note: ${note}`);
  }
}
