// The benchmark harness: option checks, the reference file reader, the table, and one real
// quick run of the cheapest workload in a child process (JSON last line with the reference's names).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { printTable, runBench, type BenchReport } from '../../src/bench/bench.js';
import { loadPytorchReference } from '../../src/bench/reference.js';

test('unknown names and bad run counts are refused with the expected names', async () => {
  try { await runBench({ only: ['certify_b50'] }); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /unknown names certify_b50; expected some of certify_exact_b50/); }
  try { await runBench({ runs: 0 }); assert.unreachable(); } catch (e) { assert.match((e as Error).message, /runs must be an integer >= 1, got 0/); }
});

test('the reference reader takes openblas_s, the 4-batch RSS and the kernel rows; absent file gives null', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-'));
  const file = path.join(dir, 'ref.json');
  writeFileSync(file, JSON.stringify({ workloads: { certify_exact_b50: { openblas_s: 0.9, peak_rss_mb_4_batches: 1600 }, x: { debian_default_s: 3 } }, kernels_openblas_2threads: { matmul_1024_gflops: 372 } }));
  assert.equal(loadPytorchReference(file), { workloads: { certify_exact_b50: 0.9 }, certifyRss4Batches: 1600, kernels: { matmul_1024_gflops: 372 } });
  assert.is(loadPytorchReference(path.join(dir, 'missing.json')), null);
  writeFileSync(file, '{');
  assert.throws(() => loadPytorchReference(file), /ref\.json: not valid JSON/);
});

test('the table prints n/a for missing figures and the ratio', () => {
  const report: BenchReport = { backend: 'js', runs: 3, warmup: 1, kernels: {}, workloads: {
    certify_exact_b50: { status: 'ok', median_s: 2, min_s: 1.5, cpu_median_s: 2, timed_runs: 3, peak_rss_mb: 400, pytorch_s: 0.894, ratio: 2.24, notes: [] },
    train_step_proj50_b50: { status: 'n/a', median_s: null, min_s: null, cpu_median_s: null, timed_runs: null, peak_rss_mb: null, pytorch_s: 0.843, ratio: null, notes: ['no projections'] },
  } };
  const lines: string[] = [];
  printTable(report, (l) => lines.push(l));
  assert.match(lines.find((l) => l.startsWith('certify_exact_b50'))!, /2\s+1\.5\s+2\s+400\s+0\.894\s+2\.24\s+3$/);
  assert.match(lines.find((l) => l.startsWith('train_step_proj50_b50'))!, /n\/a\s+n\/a\s+n\/a\s+n\/a\s+0\.843\s+n\/a\s+n\/a$/);
  assert.ok(lines.some((l) => l.includes('note: no projections')));
});

test('the kernel table says which way its ratio goes: PyTorch GFLOP/s / ours for the matmul row (issue 14)', () => {
  const report: BenchReport = { backend: 'wasm', runs: 3, warmup: 1, workloads: {}, kernels: {
    matmul_1024_gflops: { status: 'ok', unit: 'GFLOP/s', median: 50, best: 55, size: 1024, pytorch: 350, ratio: 7, cpu_median: 25, notes: [] },
  } };
  const lines: string[] = [];
  printTable(report, (l) => lines.push(l));
  assert.ok(lines.some((l) => l.includes('PyTorch GFLOP/s / ours for the matmul row')), lines.join('\n'));
  assert.not.ok(lines.some((l) => l.includes('ratio = ours / PyTorch')));
});

test('a quick run of train_step_standard_b50 in a child process ends with the JSON line', async () => {
  const lines: string[] = [];
  const report = await runBench({ quick: true, json: true, only: ['train_step_standard_b50'], write: (l) => lines.push(l) });
  const row = report.workloads.train_step_standard_b50!;
  assert.is(row.status, 'ok', row.notes.join('; '));
  assert.ok(row.median_s! > 0 && row.peak_rss_mb! > 10);
  assert.is(row.timed_runs, 1, 'quick mode times exactly one run');
  const last = JSON.parse(lines[lines.length - 1]!) as BenchReport;
  assert.equal(Object.keys(last.workloads), ['train_step_standard_b50']);
  assert.equal(Object.keys(last.workloads.train_step_standard_b50!).filter((k) => ['median_s', 'min_s', 'peak_rss_mb', 'ratio'].includes(k)).sort(), ['median_s', 'min_s', 'peak_rss_mb', 'ratio']);
});

test.run();
