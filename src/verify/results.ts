/**
 * VNN-COMP benchmark files: the instance list (`<dir>/*_instances.csv`: onnx, vnnlib, timeout),
 * deterministic shards, the results table (`onnx,vnnlib,result,seconds`, paths as written in the
 * instance list), merging shard tables, the counterexample file, and the summary.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One instance, paths as written in the instance file (relative to the benchmark folder). */
export interface Instance {
  readonly onnx: string;
  readonly vnnlib: string;
  readonly timeout: number;
}

/** A result row. */
export interface ResultRow {
  readonly onnx: string;
  readonly vnnlib: string;
  readonly result: 'sat' | 'unsat' | 'unknown' | 'timeout' | 'error';
  readonly seconds: number;
}

/** Header of results.csv. */
export const RESULTS_HEADER = 'onnx,vnnlib,result,seconds';
const RESULTS = new Set(['sat', 'unsat', 'unknown', 'timeout', 'error']);

/** Every instance of `<dir>/*_instances.csv` (files in name order, rows in file order). */
export function readInstances(dir: string): Instance[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--benchmark: ${dir} is not a folder`);
  const files = readdirSync(dir).filter((f) => f.endsWith('_instances.csv')).sort();
  if (files.length === 0) throw new Error(`--benchmark: ${dir} has no *_instances.csv file`);
  return files.flatMap((file) => readFileSync(join(dir, file), 'utf8').split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === '') return [];
    const cells = line.split(',').map((c) => c.trim());
    const timeout = Number(cells[2]);
    if (cells.length < 3 || !cells[0] || !cells[1] || !(timeout > 0)) throw new Error(`${file}:${i + 1}: expected 'onnx,vnnlib,timeout' with a timeout > 0, got '${line}'`);
    return [{ onnx: cells[0], vnnlib: cells[1], timeout }];
  }));
}

/** Parses `i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) throw new Error(`--shard must be i/n with 1 <= i <= n (e.g. 2/3), got ${text}`);
  return { index, count };
}

/** Shard i of n: the instances at positions k with k mod n = i − 1 (deterministic, balanced). */
export function shardOf<T>(items: readonly T[], shard: { index: number; count: number }): T[] {
  return items.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The key of an instance (or row). */
export function instanceKey(i: { onnx: string; vnnlib: string }): string {
  return `${i.onnx}\u0000${i.vnnlib}`;
}

/** Reads a results.csv (throws naming file and line on a malformed row). */
export function readResults(path: string): ResultRow[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0] !== RESULTS_HEADER) throw new Error(`${path}: the first line must be '${RESULTS_HEADER}'`);
  return lines.slice(1).map((line, i) => {
    const [onnx, vnnlib, result, seconds] = line.split(',');
    if (!onnx || !vnnlib || !RESULTS.has(result ?? '') || !(Number(seconds) >= 0)) throw new Error(`${path}:${i + 2}: malformed row '${line}'`);
    return { onnx, vnnlib, result: result as ResultRow['result'], seconds: Number(seconds) };
  });
}

/** The table text, rows in the given order. */
export function formatResults(rows: readonly ResultRow[]): string {
  return [RESULTS_HEADER, ...rows.map((r) => `${r.onnx},${r.vnnlib},${r.result},${r.seconds.toFixed(3)}`)].join('\n') + '\n';
}

/** Every results.csv in `dir` and its sub-folders (one level), merged in instance order; duplicates must agree. */
export function mergeResults(dir: string, order: readonly Instance[]): { rows: ResultRow[]; missing: Instance[]; sources: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--merge: ${dir} is not a folder`);
  const sources = [join(dir, 'results.csv'), ...readdirSync(dir).sort().map((d) => join(dir, d, 'results.csv'))].filter((p) => existsSync(p));
  if (sources.length === 0) throw new Error(`--merge: no results.csv in ${dir} or its sub-folders`);
  const byKey = new Map<string, ResultRow>();
  for (const path of sources) {
    for (const row of readResults(path)) {
      const seen = byKey.get(instanceKey(row));
      if (seen && seen.result !== row.result) throw new Error(`--merge: ${row.onnx} ${row.vnnlib} is ${seen.result} in one shard and ${row.result} in ${path}`);
      byKey.set(instanceKey(row), row);
    }
  }
  const rows = order.flatMap((i) => byKey.get(instanceKey(i)) ?? []);
  return { rows, missing: order.filter((i) => !byKey.has(instanceKey(i))), sources };
}

/** The VNN-COMP result file: the answer on the first line, then the assignment when sat. */
export function resultFileText(result: string, cex?: { x: ArrayLike<number>; y: ArrayLike<number> }): string {
  if (!cex) return `${result}\n`;
  const pairs = [...Array.from(cex.x, (v, i) => `(X_${i} ${v})`), ...Array.from(cex.y, (v, j) => `(Y_${j} ${v})`)];
  return `${result}\n(${pairs.join('\n ')})\n`;
}

/** Counts per answer, total and median seconds, and (with a truth table) correct/wrong. */
export function summarize(rows: readonly ResultRow[], truth?: ReadonlyMap<string, string>): string {
  const count = (r: string): number => rows.filter((x) => x.result === r).length;
  const seconds = rows.map((r) => r.seconds).sort((a, b) => a - b);
  const median = seconds.length ? (seconds[(seconds.length - 1) >> 1]! + seconds[seconds.length >> 1]!) / 2 : 0;
  const lines = [
    `${rows.length} instances: ${count('sat')} sat, ${count('unsat')} unsat, ${count('unknown')} unknown, ${count('timeout')} timeout, ${count('error')} error`,
    `time: total ${seconds.reduce((a, b) => a + b, 0).toFixed(1)} s, median ${median.toFixed(2)} s`,
  ];
  if (truth && truth.size > 0) {
    const answered = rows.filter((r) => (r.result === 'sat' || r.result === 'unsat') && truth.has(instanceKey(r)));
    const wrong = answered.filter((r) => truth.get(instanceKey(r)) !== r.result);
    lines.push(`against truth.csv: ${answered.length - wrong.length} correct, ${wrong.length} wrong${wrong.map((r) => `\n  WRONG: ${r.onnx} ${r.vnnlib} ${r.result}`).join('')}`);
  }
  return lines.join('\n');
}

/** `<dir>/truth.csv` (onnx, vnnlib, timeout, truth, ...) as a key → answer map, when present. */
export function readTruth(dir: string): Map<string, string> {
  const path = join(dir, 'truth.csv');
  if (!existsSync(path)) return new Map();
  const rows = readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '').map((l) => l.split(','));
  return new Map(rows.map((c) => [instanceKey({ onnx: c[0]!, vnnlib: c[1]! }), c[3]!]));
}
