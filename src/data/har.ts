/**
 * Loader for UCI-HAR-style whitespace-separated text matrices (Human Activity Recognition
 * Using Smartphones: `X_train.txt` is 7352 x 561 features, `y_train.txt` labels 1..6).
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';

/** A dense matrix read from text, row-major. */
export interface TextMatrix {
  /** Number of (non-blank) rows. */
  readonly rows: number;
  /** Number of values per row. */
  readonly cols: number;
  /** `rows * cols` values, row-major. */
  readonly data: Float32Array;
}

/** Options of {@link loadHar}. */
export interface HarOptions {
  /** Number of features each row must have (default 561, as in UCI HAR). */
  readonly features?: number;
}

/** UCI HAR activity names, by (0-based) label. */
export const HAR_ACTIVITIES: readonly string[] = [
  'WALKING', 'WALKING_UPSTAIRS', 'WALKING_DOWNSTAIRS', 'SITTING', 'STANDING', 'LAYING',
];

/**
 * Parses whitespace-separated numbers, one row per line. Blank lines are ignored; every
 * other line must have as many values as the first.
 *
 * @param text - the file content.
 * @param name - file name used in error messages.
 * @throws Error naming the file and the 1-based line number for a ragged row or a token
 *   that is not a finite number, or when there are no rows at all.
 */
export function parseWhitespaceMatrix(text: string, name: string): TextMatrix {
  const lines = text.split(/\r?\n/);
  let cols = -1;
  let rows = 0;
  let data = new Float32Array(0);
  for (let ln = 0; ln < lines.length; ln++) {
    const trimmed = lines[ln].trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(/\s+/);
    if (cols < 0) {
      cols = tokens.length;
      data = new Float32Array(lines.length * cols);
    } else if (tokens.length !== cols) {
      throw new Error(`${name}:${ln + 1}: expected ${cols} values, found ${tokens.length}`);
    }
    parseRow(tokens, data, rows * cols, name, ln + 1);
    rows++;
  }
  if (rows === 0) throw new Error(`${name}: no data rows`);
  return { rows, cols, data: data.slice(0, rows * cols) };
}

/** Reads a whitespace-separated numeric text file; see {@link parseWhitespaceMatrix}. */
export function loadWhitespaceMatrix(path: string): TextMatrix {
  return parseWhitespaceMatrix(readFileSync(path, 'utf8'), path);
}

/**
 * Loads one split of a UCI HAR folder: `X_<split>.txt` (features) and `y_<split>.txt`
 * (labels 1..6, mapped to 0..5), looked up in `dir` and then in `dir/<split>/` (the layout
 * of the original `UCI HAR Dataset` archive). Returns shape `[features]`, 6 classes.
 *
 * @throws Error for a missing file, a row with the wrong number of features, a label that
 *   is not an integer in 1..6, or a row count mismatch between the two files.
 */
export function loadHar(dir: string, split: 'train' | 'test', options: HarOptions = {}): Dataset {
  const { features = 561 } = options;
  const xPath = findSplitFile(dir, split, `X_${split}.txt`);
  const yPath = findSplitFile(dir, split, `y_${split}.txt`);
  const x = loadWhitespaceMatrix(xPath);
  if (x.cols !== features) {
    throw new Error(`${xPath}: expected ${features} features per row, found ${x.cols}`);
  }
  const labels = harLabels(loadWhitespaceMatrix(yPath), yPath);
  if (labels.length !== x.rows) {
    throw new Error(`${yPath}: expected ${x.rows} labels (rows of ${xPath}), found ${labels.length}`);
  }
  return { images: x.data, labels, n: x.rows, shape: [features], classes: HAR_ACTIVITIES.length };
}

function parseRow(
  tokens: string[],
  out: Float32Array,
  offset: number,
  name: string,
  lineNo: number,
): void {
  for (let j = 0; j < tokens.length; j++) {
    const v = Number(tokens[j]);
    if (!Number.isFinite(v)) {
      throw new Error(`${name}:${lineNo}: value ${j + 1} is "${tokens[j]}", not a finite number`);
    }
    out[offset + j] = v;
  }
}

/** Converts a one-column matrix of labels 1..6 into 0-based labels. */
function harLabels(m: TextMatrix, path: string): Int32Array {
  if (m.cols !== 1) throw new Error(`${path}: expected 1 label per row, found ${m.cols}`);
  const labels = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const y = m.data[i];
    if (!Number.isInteger(y) || y < 1 || y > HAR_ACTIVITIES.length) {
      throw new Error(`${path}: label of row ${i + 1} is ${y}, expected an integer in 1..6`);
    }
    labels[i] = y - 1;
  }
  return labels;
}

function findSplitFile(dir: string, split: string, name: string): string {
  const candidates = [join(dir, name), join(dir, split, name)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`${name} not found; tried ${candidates.join(', ')}`);
  return found;
}
