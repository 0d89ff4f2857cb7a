/**
 * The benchmark's child process: runs one workload (or kernel row) so that its peak RSS is its
 * own, and prints one JSON line `{"seconds": [...], "cpuSeconds": [...], "maxRssMb", "notes"}`.
 * Invoked by {@link runBench} as `node --import tsx child.ts '<json task>'`.
 * @module
 */
import { setBackend } from '../tensor/registry.js';
import { prepareKernel, type KernelName } from './kernels.js';
import { prepareCertifyBatches, prepareWorkload, type PreparedWorkload, type WorkloadInputs, type WorkloadName } from './workloads.js';

/** What the parent asks the child to measure. */
export interface ChildTask {
  readonly kind: 'workload' | 'certifyBatches' | 'kernel';
  readonly name: string;
  readonly backend: string;
  readonly warmup: number;
  readonly runs: number;
  readonly quick: boolean;
  readonly inputs: WorkloadInputs;
}

/** What the child reports. */
export interface ChildResult {
  /** Wall time of each timed run. */
  readonly seconds: number[];
  /** CPU time (user + system, all threads) of each timed run. */
  readonly cpuSeconds: number[];
  /** Peak resident set size of the child, MB. */
  readonly maxRssMb: number;
  readonly notes: string[];
  /** For kernels: the figure of each run (GFLOP/s or ms) and its unit. */
  readonly figures?: number[];
  readonly unit?: string;
  readonly size?: number;
}

function timed(run: () => void, warmup: number, runs: number): { seconds: number[]; cpuSeconds: number[] } {
  for (let i = 0; i < warmup; i++) run();
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    seconds.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  }
  return { seconds, cpuSeconds };
}

function measure(task: ChildTask): ChildResult {
  setBackend(task.backend);
  const rss = (): number => process.resourceUsage().maxRSS / 1024;
  if (task.kind === 'kernel') {
    const kernel = prepareKernel(task.name as KernelName, task.quick);
    const t = timed(kernel.run, task.warmup, task.runs);
    return { ...t, maxRssMb: rss(), notes: [], figures: t.seconds.map(kernel.figure), unit: kernel.unit, size: kernel.size };
  }
  const prepared: PreparedWorkload = task.kind === 'certifyBatches'
    ? prepareCertifyBatches(Number(task.name), task.inputs)
    : prepareWorkload(task.name as WorkloadName, task.inputs);
  return { ...timed(prepared.run, task.warmup, task.runs), maxRssMb: rss(), notes: prepared.notes };
}

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
process.stdout.write(`${JSON.stringify(measure(task))}\n`);
// Worker threads of a backend (wasm) must not keep the child alive.
process.exit(0);
