/**
 * `relaxjs verify`: VNN-COMP style verification of ONNX networks against VNN-LIB properties.
 * One instance (`relaxjs verify <model.onnx> <property.vnnlib>`), a benchmark folder
 * (`--benchmark <dir>`, its `*_instances.csv`, in `--jobs` worker processes, optionally one
 * `--shard i/n` of it, resumable into `--out`), or `--merge` of shard results into one table.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runPool } from '../../verify/pool.js';
import { formatResults, instanceKey, mergeResults, parseShard, readInstances, readResults, readTruth, resultFileText, shardOf, summarize, type Instance, type ResultRow } from '../../verify/results.js';
import { verifyFiles } from '../../verify/run-one.js';
import { writeFileAtomic } from '../../util/fs.js';
import { defineCommand, type CommandContext, type CommandFlags, type RegisteredCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { numberFlag, optionalNumberFlag, stringFlag } from '../flags.js';

const FLAGS = {
  onnx: stringFlag('the network (also the first positional argument)', '<file.onnx>'),
  vnnlib: stringFlag('the property (also the second positional argument)', '<file.vnnlib>'),
  timeout: optionalNumberFlag('seconds for one instance (default 60; with --benchmark the instance file gives it, this caps it)', { min: 0, exclusiveMin: true }),
  result: stringFlag('write the VNN-COMP result file of the single instance here (answer, then the counterexample when sat)', '<file>'),
  benchmark: stringFlag('a VNN-COMP benchmark folder: run every instance of its *_instances.csv', '<dir>'),
  jobs: numberFlag('worker processes for --benchmark', 1, { integer: true, min: 1, max: 64 }),
  shard: stringFlag('run only shard i of n (1 <= i <= n; instances k with k mod n = i-1), for splitting over machines', '<i/n>'),
  merge: stringFlag('merge the results.csv files in this folder and its sub-folders (needs --benchmark for the order)', '<dir>'),
  out: stringFlag('folder for results.csv, per-instance result files and summary.txt; an existing results.csv there is resumed', '<dir>'),
};

const SPEC = defineCommand({
  name: 'verify',
  summary: 'verify ONNX networks against VNN-LIB properties (VNN-COMP answers: sat, unsat, unknown, timeout)',
  details: [
    'relaxjs verify <model.onnx> <property.vnnlib> [--timeout s]: counterexample search (PGD), then bounds',
    '(forward symbolic + CROWN backward, float64), then input-splitting branch and bound until the limit.',
    'sat is said only after a float64 forward pass of the ONNX graph confirms the counterexample.',
    'With --benchmark <dir>: every instance of <dir>/*_instances.csv, in --jobs worker processes;',
    '--out <dir> gets results.csv (onnx,vnnlib,result,seconds), instances/<onnx>__<vnnlib>.txt and summary.txt.',
    'Splitting over machines: --shard i/n on each, then --merge <folder holding the shard outputs>.',
  ],
  examples: [
    'relaxjs verify ../shared/vnncomp2021/test/test_sat.onnx ../shared/vnncomp2021/test/test_prop.vnnlib',
    'relaxjs verify --benchmark ../shared/vnncomp2021/acasxu --jobs 2 --out runs/acasxu',
    'relaxjs verify --benchmark ../shared/vnncomp2021/test --shard 2/3 --out runs/test/shard-2',
    'relaxjs verify --benchmark ../shared/vnncomp2021/test --merge runs/test --out runs/test/all',
  ],
  flags: FLAGS,
  async run(flags, ctx) {
    if (flags.merge !== undefined) return merge(flags, ctx);
    if (flags.benchmark !== undefined) return benchmark(flags, ctx);
    return single(flags, ctx);
  },
});

type Flags = CommandFlags<typeof FLAGS>;

/** One instance. */
function single(flags: Flags, ctx: CommandContext): { text: string; json: unknown } {
  if (flags.onnx === undefined || flags.vnnlib === undefined) throw new UsageError('verify needs <model.onnx> <property.vnnlib>, or --benchmark <dir> (see relaxjs verify --help)');
  for (const [flag, path] of [['<model.onnx>', flags.onnx], ['<property.vnnlib>', flags.vnnlib]] as const) {
    if (!existsSync(ctx.path(path)) || !statSync(ctx.path(path)).isFile()) throw new UsageError(`${flag} ${path}: no such file`);
  }
  const start = Date.now();
  const r = verifyFiles(ctx.path(flags.onnx), ctx.path(flags.vnnlib), flags.timeout ?? 60, start, flags.seed);
  if (flags.result !== undefined) writeFileAtomic(ctx.path(flags.result), resultFileText(r.result, r.counterexample));
  const cex = r.counterexample ? `\n${resultFileText(r.result, r.counterexample).split('\n').slice(1).join('\n')}` : '';
  return {
    text: `${r.result} (${r.seconds.toFixed(2)} s; ${r.detail})${cex}`,
    json: { result: r.result, seconds: r.seconds, detail: r.detail, counterexample: r.counterexample && { x: Array.from(r.counterexample.x), y: Array.from(r.counterexample.y) } },
  };
}

/** Checks --out: a new or empty folder, or one holding a results.csv to resume. */
function prepareOut(ctx: CommandContext, out: string | undefined): { dir?: string; done: ResultRow[] } {
  if (out === undefined) return { done: [] };
  const dir = ctx.path(out);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  const csv = join(dir, 'results.csv');
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(csv)) throw new UsageError(`--out ${out} is not empty and holds no results.csv to resume`);
  mkdirSync(join(dir, 'instances'), { recursive: true });
  ctx.claim('--out', dir);
  return { dir, done: existsSync(csv) ? readResults(csv) : [] };
}

/** A benchmark folder (optionally one shard), resumable. */
async function benchmark(flags: Flags, ctx: CommandContext): Promise<{ text: string; json: unknown }> {
  const dir = ctx.path(flags.benchmark!);
  const all = asUsage(() => readInstances(dir));
  const shard = flags.shard === undefined ? undefined : asUsage(() => parseShard(flags.shard!));
  const mine = shard ? shardOf(all, shard) : all;
  const { dir: outDir, done } = prepareOut(ctx, flags.out);
  const finished = new Map(done.map((r) => [instanceKey(r), r]));
  const todo: Instance[] = mine.filter((i) => !finished.has(instanceKey(i))).map((i) => ({ ...i, timeout: Math.min(i.timeout, flags.timeout ?? Infinity) }));
  if (finished.size > 0) ctx.note(`verify: resuming ${outDir}: ${finished.size} instances already done, ${todo.length} to run`);
  const bar = ctx.progress(`verify${shard ? ` ${flags.shard}` : ''}`, todo.length);
  const write = (): void => {
    if (outDir) writeFileAtomic(join(outDir, 'results.csv'), formatResults(mine.flatMap((i) => finished.get(instanceKey(i)) ?? [])));
  };
  await runPool(todo, {
    jobs: flags.jobs, dir, seed: flags.seed, resultDir: outDir ? join(outDir, 'instances') : undefined,
    onResult: (row, detail) => {
      finished.set(instanceKey(row), row);
      write();
      bar.tick(1, `${row.result} ${row.onnx} ${row.vnnlib}`);
      if (!bar.active) ctx.note(`${row.result.padEnd(7)} ${row.seconds.toFixed(1).padStart(6)} s  ${row.onnx} ${row.vnnlib}  (${detail})`);
    },
  });
  bar.done();
  write();
  const rows = mine.map((i) => finished.get(instanceKey(i))!);
  return report(rows, readTruth(dir), outDir, { benchmark: flags.benchmark, shard: flags.shard ?? null });
}

/** Merges shard results into one table in instance order. */
function merge(flags: Flags, ctx: CommandContext): { text: string; json: unknown } {
  if (flags.benchmark === undefined) throw new UsageError('--merge needs --benchmark <dir> (the instance order and the full list)');
  const dir = ctx.path(flags.benchmark);
  const all = asUsage(() => readInstances(dir));
  const { rows, missing, sources } = asUsage(() => mergeResults(ctx.path(flags.merge!), all));
  const { dir: outDir } = prepareOut(ctx, flags.out);
  if (outDir) writeFileAtomic(join(outDir, 'results.csv'), formatResults(rows));
  const r = report(rows, readTruth(dir), outDir, { merged: sources.length, missing: missing.length });
  const note = missing.length ? `\n${missing.length} instances have no result yet:${missing.map((i) => `\n  ${i.onnx} ${i.vnnlib}`).join('')}` : '';
  return { text: `merged ${sources.length} results.csv files\n${r.text}${note}`, json: r.json };
}

/** Summary text (also summary.txt in --out) and JSON. */
function report(rows: readonly ResultRow[], truth: ReadonlyMap<string, string>, outDir: string | undefined, extra: object): { text: string; json: unknown } {
  const text = summarize(rows, truth);
  if (outDir) writeFileAtomic(join(outDir, 'summary.txt'), text + '\n');
  const count = (r: string): number => rows.filter((x) => x.result === r).length;
  return { text, json: { ...extra, instances: rows.length, sat: count('sat'), unsat: count('unsat'), unknown: count('unknown'), timeout: count('timeout'), error: count('error'), rows } };
}

/** Turns a thrown input error into a usage error (exit 2). */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Leading positional arguments become --onnx and --vnnlib. */
function withPositionals(argv: readonly string[]): string[] {
  const names = ['--onnx', '--vnnlib'];
  const out: string[] = [];
  let k = 0;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--') && (i === 0 || !argv[i - 1]!.startsWith('--') || argv[i - 1]!.includes('=') || isSwitch(argv[i - 1]!)) && k < names.length) out.push(names[k++]!, token);
    else out.push(token);
  }
  return out;
}

/** Switch flags (take no value) of this command and the globals. */
function isSwitch(token: string): boolean {
  return token === '--json';
}

/** The `relaxjs verify` command (see the module doc and its `--help`). */
export const verifyCommand: RegisteredCommand = {
  ...SPEC,
  help: () => SPEC.help().replace('Usage: relaxjs verify [flags]', 'Usage: relaxjs verify <model.onnx> <property.vnnlib> [flags]\n       relaxjs verify --benchmark <dir> [--jobs N] [--shard i/n] [--out dir]'),
  execute: (argv, io) => SPEC.execute(withPositionals(argv), io),
};
