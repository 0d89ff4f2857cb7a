/**
 * `relaxjs bench`: the benchmark of `npm run bench` (`runBench`, src/bench/bench.ts) behind the
 * CLI's flags — the four workloads of `../shared/bench/pytorch-reference.json` (the original
 * PyTorch library on this machine kind) on exactly its configuration, each in a child process of
 * its own, plus the kernel rows, with our median and minimum, peak RSS and the ratio to PyTorch.
 * @module
 */
import { runBench } from '../../bench/bench.js';
import { KERNEL_NAMES } from '../../bench/kernels.js';
import { WORKLOAD_NAMES } from '../../bench/workloads.js';
import { getBackend } from '../../tensor/registry.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { optionalNumberFlag, stringFlag, switchFlag } from '../flags.js';

const ROW_NAMES: readonly string[] = [...WORKLOAD_NAMES, ...KERNEL_NAMES];

/** The rows named by `--only` (comma-separated), checked against the known ones. */
function onlyRows(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ROW_NAMES.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--only: unknown row ${unknown.join(', ') || '(none given)'}; expected some of ${ROW_NAMES.join(', ')}`);
  }
  return names;
}

/** The `relaxjs bench` command (see the module doc and its `--help`). */
export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'time the PyTorch reference workloads and kernels (as npm run bench) and print the ratios',
  details: [
    'Rows: certify_exact_b50 (exact certificate of 50 Fashion-MNIST test images with fashion_mnist.pth,',
    'plus the peak RSS of 4 batches), train_step_proj50_b50, train_step_exact_b50 and',
    'train_step_standard_b50 (one Adam step of a fresh mnist_model conv net), and the kernel rows',
    'matmul 1024^3, conv2d / conv_transpose2d at N = 5000. Each row runs in its own child process;',
    'median and minimum over --runs runs after a warm-up (short rows warm up and are timed for 1 s),',
    'ratio = ours / PyTorch + OpenBLAS. Without the Debian Fashion-MNIST files or ../shared, seeded',
    'data and weights of the same shapes stand in and the row says so.',
  ],
  examples: ['relaxjs bench', 'relaxjs bench --quick --only train_step_standard_b50,matmul_1024_gflops --json'],
  flags: {
    runs: optionalNumberFlag('timed runs per row after the warm-up (default 3; 1 with --quick)', { integer: true, min: 1 }),
    quick: switchFlag('one run without warm-up, smaller kernel shapes (no kernel ratios), no 4-batch RSS row'),
    only: stringFlag('only these rows, comma-separated (default: all)', '<names>'),
    shared: stringFlag('the shared folder with models/ and bench/ (default ../shared beside the repository)', '<dir>'),
  },
  async run(flags, ctx) {
    const lines: string[] = [];
    const only = onlyRows(flags.only);
    ctx.note('bench: each row runs in a child process; the whole table takes a few minutes');
    const report = await runBench({
      backend: getBackend().name, runs: flags.runs, quick: flags.quick, only,
      sharedDir: flags.shared === undefined ? undefined : ctx.path(flags.shared), write: (line) => lines.push(line),
    });
    return { text: lines.join('\n'), json: { command: 'bench', ...report } };
  },
});
