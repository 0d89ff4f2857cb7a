/**
 * A JSON-lines log: one JSON object per line, appended as training goes. Each record carries an
 * `epoch`, so a resumed run can cut the log back to the epochs its checkpoint holds (the cut
 * rewrites the file atomically) and continue appending, leaving the same file an uninterrupted
 * run would have written.
 * @module
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';

/** Any record of the log; `type` says what it is, `epoch` where it belongs. */
export interface LogRecord {
  readonly type: string;
  readonly epoch: number;
  readonly [key: string]: unknown;
}

/** Appends records to a `.jsonl` file. */
export class JsonLinesLog {
  /**
   * Opens the log at `path`: a fresh (empty) file, or, with `keepEpochsBefore`, the existing file
   * cut to the records whose `epoch` is below it (for a resumed run).
   * @throws Error naming the line when an existing line is not a JSON record with an epoch.
   */
  constructor(readonly path: string, keepEpochsBefore?: number) {
    const kept = keepEpochsBefore === undefined || !existsSync(path) ? [] : readRecords(path).filter((r) => r.epoch < keepEpochsBefore);
    writeFileAtomic(path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** Appends one record as a line. */
  append(record: LogRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}

/** Every record of a `.jsonl` file (blank lines skipped). */
export function readRecords(path: string): LogRecord[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
    const record = value as Partial<LogRecord>;
    if (typeof record !== 'object' || record === null || typeof record.epoch !== 'number') throw new Error(`${path}: line ${i + 1} is not a record with a numeric epoch`);
    return record as LogRecord;
  });
}
