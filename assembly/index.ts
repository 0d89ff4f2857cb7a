// Entry point of the relaxjs WASM SIMD128 kernels (built by `npm run build:wasm`, which `npm
// install` runs). The module imports one shared memory; the host instantiates it once per thread.
// Element-wise kernels are called directly on the main thread; matmul, convolutions and the median are job
// records that `run` executes, so a worker needs only a record's address.
import { matmulJob, matmulScratchBytes } from './matmul';
import { conv2dJob, conv2dTransposeJob, conv2dWeightGradJob, convScratchBytes } from './conv';
import { medianJob, medianScratchBytes } from './median';
import { field } from './job';

export { unary, binary, binaryBroadcast, clamp } from './elementwise';
export { sumAxis, sumOuterInner, productSumAxis } from './reduce';
export { rowDot } from './row-dot';

/** Job kinds (field 0 of a record). */
const enum Job { Matmul = 1, Conv2d = 2, Conv2dTranspose = 3, Conv2dWeightGrad = 4, Median = 5 }

/** First byte the host may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Scratch bytes the job at `job` needs. */
export function scratchBytes(job: usize): usize {
  switch (field(job, 0)) {
    case Job.Matmul: return matmulScratchBytes(job);
    case Job.Median: return medianScratchBytes(job);
    default: return convScratchBytes(job);
  }
}

/** Runs the job record at `job`. */
export function run(job: usize): void {
  switch (field(job, 0)) {
    case Job.Matmul: matmulJob(job); break;
    case Job.Conv2d: conv2dJob(job); break;
    case Job.Conv2dTranspose: conv2dTransposeJob(job); break;
    case Job.Conv2dWeightGrad: conv2dWeightGradJob(job); break;
    case Job.Median: medianJob(job); break;
    default: unreachable();
  }
}
