/**
 * What `relaxjs train` shows and writes: a progress bar per pass, a status line per epoch, the
 * original-format logs, the weights of the best epoch, and the report folder. Epochs and batches
 * are counted from 1 in everything a person reads (tables, lines, logs, plots, JSON).
 *
 * With `--checkpoint`, the log lines also go to `<checkpoint>.log.jsonl` as they are made, so a
 * resumed run's `train.log` / `test.log` still hold the epochs before the interruption: the file is
 * cut back to the epochs the checkpoint holds ({@link JsonLinesLog}) and continued.
 * @module
 */
import { existsSync } from 'node:fs';
import { saveCheckpoint, type CheckpointTensor } from '../io/checkpoint.js';
import type { StateDict } from '../nn/index.js';
import { lineChartSvg, markdownTable, percent } from '../report/index.js';
import type { EpochLog, PassMeans, TrainProgress } from '../train/fit.js';
import { architectureOf } from '../train/checkpoint.js';
import { JsonLinesLog, readRecords } from '../train/jsonl.js';
import type { BatchRecord } from '../train/trainer.js';
import type { FolderEntry } from '../util/fs.js';
import type { CommandContext } from './command.js';
import type { CliModel } from './model.js';
import type { Progress } from './progress.js';

/** The side log of a checkpoint's run. */
export const sideLogPath = (checkpoint: string): string => `${checkpoint}.log.jsonl`;

/** The original trainer's log line, counted from 1: `epoch batch [robust_ce robust_err] ce err`. */
export function logLine(r: BatchRecord): string {
  const head = `${r.epoch + 1} ${r.batch + 1}`;
  return r.robustLoss !== undefined ? `${head} ${r.robustLoss} ${r.robustError} ${r.loss} ${r.error}` : `${head} ${r.loss} ${r.error}`;
}

/** The robust (certified) or PGD error of a pass, when it has one. */
export const attackError = (m: PassMeans | undefined): number | undefined => m?.robustError ?? m?.pgdError;

/**
 * Follows a training run: bars, log lines (kept in memory and, with a checkpoint, in its side
 * log), the weights of the epoch with the lowest test error bound, a status line per epoch.
 */
export class RunRecorder {
  readonly logs = { train: [] as string[], test: [] as string[] };
  best: { error: number; epoch: number; state: StateDict };
  private bar: Progress;
  private readonly side: JsonLinesLog | null;

  /** @param resumeFrom - epochs a resumed checkpoint holds (its side log is kept up to them). */
  constructor(private readonly model: CliModel, private readonly ctx: CommandContext, checkpoint: string | undefined, resumeFrom: number | undefined) {
    this.best = { error: Infinity, epoch: -1, state: model.stateDict() };
    this.bar = ctx.progress('', 0);
    const path = checkpoint && sideLogPath(checkpoint);
    const keep = path && resumeFrom !== undefined && existsSync(path) ? resumeFrom : undefined;
    this.side = path ? new JsonLinesLog(path, keep) : null;
    if (path && keep !== undefined) for (const r of readRecords(path)) this.logs[r.type === 'test' ? 'test' : 'train'].push(String(r.line));
  }

  progress(p: TrainProgress): void {
    if (p.batch === 1) {
      this.bar.done();
      this.bar = this.ctx.progress(`epoch ${p.epoch + 1}/${p.epochs} ${p.phase}`, p.batches);
    }
    this.bar.tick(1, p.phase === 'train' ? `loss ${(p.record.robustLoss ?? p.record.loss).toFixed(4)}` : '');
    const line = logLine(p.record);
    this.logs[p.phase].push(line);
    this.side?.append({ type: p.phase, epoch: p.epoch, line });
  }

  epoch(entry: EpochLog): void {
    this.bar.done();
    const err = entry.test ? (attackError(entry.test) ?? entry.test.error) : Infinity;
    if (err < this.best.error) this.best = { error: err, epoch: entry.epoch, state: this.model.stateDict() };
    this.ctx.note(epochLine(entry));
  }
}

function epochLine(e: EpochLog): string {
  const extra = e.test?.robustError !== undefined ? ` robust err ${percent(e.test.robustError)}` : e.test?.pgdError !== undefined ? ` PGD err ${percent(e.test.pgdError)}` : '';
  return `epoch ${e.epoch + 1}: eps ${e.epsilon.toPrecision(3)} lr ${e.lr.toExponential(2)} | test err ${percent(e.test?.error)}${extra}`;
}

/** The per-epoch table (epochs from 1). */
export function summaryTable(history: readonly EpochLog[]): string {
  const rows = history.map((r) => [String(r.epoch + 1), r.epsilon.toPrecision(3), r.train.loss.toFixed(4), percent(r.train.error),
    r.train.robustLoss?.toFixed(4) ?? '—', percent(r.train.robustError), percent(r.test?.error), percent(attackError(r.test))]);
  return markdownTable(['epoch', 'eps', 'train loss', 'train err', 'train robust loss', 'train robust err', 'test err', 'test robust/PGD err'], rows, Array(8).fill('right'));
}

/** The history as people read it: epochs counted from 1. */
export const historyFromOne = (history: readonly EpochLog[]): EpochLog[] => history.map((h) => ({ ...h, epoch: h.epoch + 1 }));

/** A state dict as checkpoint tensors (same shapes and data). */
function checkpointTensors(sd: StateDict): Map<string, CheckpointTensor> {
  return new Map([...sd].map(([name, e]) => [name, { shape: [...e.shape], data: e.data }]));
}

/** What the report folder records about the run. */
export interface TrainSummary {
  readonly model: string;
  readonly method: string;
  readonly data: string;
  /** Settings a later command needs (perturbation, ...), stored in the checkpoints' meta. */
  readonly settings: Record<string, unknown>;
  readonly history: readonly EpochLog[];
}

/** The files of the report folder: weights (with their architecture), logs, history, charts, report. */
export function trainFiles(model: CliModel, best: RunRecorder['best'], json: TrainSummary & Record<string, unknown>, logs: RunRecorder['logs'], text: string): Record<string, FolderEntry> {
  const h = json.history;
  const series = (name: string, pick: (r: EpochLog) => number | undefined) => ({ name, points: h.map((r) => [r.epoch + 1, pick(r) ?? Number.NaN] as [number, number]) });
  const drawn = (list: ReturnType<typeof series>[]) => list.filter((s) => s.points.some((p) => Number.isFinite(p[1])));
  const meta = { model: json.model, method: json.method, data: json.data, architecture: architectureOf(model), settings: json.settings };
  const chart = (what: string, yLabel: string, list: ReturnType<typeof series>[], yRange?: [number, number]) =>
    lineChartSvg({ title: `${json.model} ${json.method}: ${what}`, xLabel: 'epoch', yLabel, series: drawn(list), integerX: true, ...(yRange ? { yRange } : {}) });
  return {
    'model.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(model.stateDict()), { ...meta, epoch: h.length }),
    'best.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(best.state), { ...meta, epoch: best.epoch + 1, err: best.error }),
    'train.log': logs.train.join('\n') + '\n',
    'test.log': logs.test.join('\n') + '\n',
    'history.json': JSON.stringify({ ...json, history: historyFromOne(h) }, null, 2) + '\n',
    'loss.svg': chart('loss', 'cross-entropy', [
      series('train loss', (r) => r.train.loss), series('train robust loss', (r) => r.train.robustLoss), series('test loss', (r) => r.test?.loss), series('test robust loss', (r) => r.test?.robustLoss),
    ]),
    'error.svg': chart('error', 'error', [
      series('train err', (r) => r.train.error), series('train robust err', (r) => r.train.robustError), series('test err', (r) => r.test?.error), series('test robust/PGD err', (r) => attackError(r.test)),
    ], [0, 1]),
    'report.md': `# relaxjs train (${json.method}, ${json.model}, ${json.data})\n\n${text}\nBest epoch ${best.epoch + 1} (test error bound ${percent(best.error)}).\n\n![loss](loss.svg)\n![error](error.svg)\n`,
  };
}
