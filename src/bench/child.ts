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

/**
 * Short workloads (a 10 ms training step) are measured like `timeit`'s autorange: the warm-up
 * goes on until it has taken {@link SETTLE_S} (so the JIT has compiled the hot paths, at most
 * {@link MAX_EXTRA_RUNS} runs), and the timed runs go on until they have taken SETTLE_S too (same cap).
 * Long workloads keep exactly `warmup` and `runs` repetitions. `extend = false` (quick mode) never extends.
 */
const SETTLE_S = 1;
const MAX_EXTRA_RUNS = 100;

function timed(run: () => void, warmup: number, runs: number, extend: boolean): { seconds: number[]; cpuSeconds: number[] } {
  const warmStart = performance.now();
  for (let i = 0; i < warmup || (extend && i < MAX_EXTRA_RUNS && performance.now() - warmStart < SETTLE_S * 1000); i++) run();
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let spent = 0;
  while (seconds.length < runs || (extend && seconds.length < MAX_EXTRA_RUNS && spent < SETTLE_S)) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    seconds.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    spent += seconds[seconds.length - 1]!;
  }
  return { seconds, cpuSeconds };
}

function measure(task: ChildTask): ChildResult {
  setBackend(task.backend);
  const rss = (): number => process.resourceUsage().maxRSS / 1024;
  if (task.kind === 'kernel') {
    const kernel = prepareKernel(task.name as KernelName, task.quick);
    const t = timed(kernel.run, task.warmup, task.runs, !task.quick);
    return { ...t, maxRssMb: rss(), notes: [], figures: t.seconds.map(kernel.figure), unit: kernel.unit, size: kernel.size };
  }
  const prepared: PreparedWorkload = task.kind === 'certifyBatches'
    ? prepareCertifyBatches(Number(task.name), task.inputs)
    : prepareWorkload(task.name as WorkloadName, task.inputs);
  return { ...timed(prepared.run, task.warmup, task.runs, !task.quick && task.kind === 'workload'), maxRssMb: rss(), notes: prepared.notes };
}

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
process.stdout.write(`${JSON.stringify(measure(task))}\n`);
// Worker threads of a backend (wasm) must not keep the child alive.
process.exit(0);
