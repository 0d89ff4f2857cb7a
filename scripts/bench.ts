/**
 * `npm run bench [-- options]`: the end-to-end workloads and kernel rows of the PyTorch reference
 * (../shared/bench/pytorch-reference.json), see src/bench/bench.ts.
 *
 *   npx tsx scripts/bench.ts [--backend js|wasm|gpujs|native] [--runs 3] [--quick] [--json]
 *       [--only certify_exact_b50,matmul_1024_gflops] [--shared ../shared]
 */
import { runBench, type BenchOptions } from '../src/bench/bench.js';

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--backend') options.backend = value();
    else if (flag === '--runs') {
      const runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be an integer >= 1, got ${argv[i]}`);
      options.runs = runs;
    } else if (flag === '--quick') options.quick = true;
    else if (flag === '--json') options.json = true;
    else if (flag === '--only') options.only = value().split(',').filter(Boolean);
    else if (flag === '--shared') options.sharedDir = value();
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write('usage: npx tsx scripts/bench.ts [--backend js|wasm|gpujs|native] [--runs 3] [--quick] [--json] [--only name,...] [--shared dir]\n');
      process.exit(0);
    } else fail(`unknown argument ${flag} (see --help)`);
  }
  return options;
}

try {
  await runBench(parseArgs(process.argv.slice(2)));
} catch (error) {
  fail((error as Error).message);
}
