import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHar, loadWhitespaceMatrix, parseWhitespaceMatrix } from '../../src/data/har.js';

const dir = mkdtempSync(join(tmpdir(), 'relaxjs-har-'));

/** A HAR-style row: 561 values in UCI's `  2.8858451e-001 -2.0294171e-002 ...` format. */
function harRow(seed: number, features = 561): string {
  return Array.from({ length: features }, (_, j) => ` ${((seed * 7 + j) % 19 / 10 - 0.9).toExponential(7)}`).join('');
}

test('parses whitespace matrices with mixed spacing, exponents, CRLF and blank lines', () => {
  const m = parseWhitespaceMatrix('  1 2.5e-001\t-3\r\n\n4  5 6e1\n\n', 'm.txt');
  assert.is(m.rows, 2);
  assert.is(m.cols, 3);
  assert.equal(Array.from(m.data), [1, 0.25, -3, 4, 5, 60]);
});

test('ragged rows and non-numbers report the line number', () => {
  assert.throws(() => parseWhitespaceMatrix('1 2\n\n3\n', 'r.txt'), /r\.txt:3: expected 2 values, found 1/);
  assert.throws(() => parseWhitespaceMatrix('1 2\n3 x4\n', 'n.txt'), /n\.txt:2: value 2 is "x4", not a finite number/);
  assert.throws(() => parseWhitespaceMatrix('1 NaN\n', 'nan.txt'), /nan\.txt:1: value 2/);
  assert.throws(() => parseWhitespaceMatrix('\n  \n', 'e.txt'), /no data rows/);
});

test('loadHar reads X/y, maps labels 1..6 to 0..5, shape [561]', () => {
  const split = join(dir, 'test');
  mkdirSync(split);
  writeFileSync(join(split, 'X_test.txt'), [0, 1, 2, 3].map((s) => harRow(s)).join('\n') + '\n');
  writeFileSync(join(split, 'y_test.txt'), '5\n1\n6\n2\n');
  const ds = loadHar(dir, 'test');
  assert.is(ds.n, 4);
  assert.equal(ds.shape, [561]);
  assert.is(ds.classes, 6);
  assert.equal(Array.from(ds.labels), [4, 0, 5, 1]);
  assert.is(ds.images.length, 4 * 561);
  const row1 = loadWhitespaceMatrix(join(split, 'X_test.txt')).data.subarray(561, 2 * 561);
  assert.equal(Array.from(ds.images.subarray(561, 2 * 561)), Array.from(row1));
  assert.ok(Math.abs(ds.images[561] - ((7 % 19) / 10 - 0.9)) < 1e-6);
});

test('loadHar errors: wrong feature count, bad label, count mismatch, missing file', () => {
  const d = mkdtempSync(join(tmpdir(), 'relaxjs-har-bad-'));
  writeFileSync(join(d, 'X_train.txt'), `${harRow(0, 10)}\n${harRow(1, 10)}\n`);
  writeFileSync(join(d, 'y_train.txt'), '1\n7\n');
  assert.throws(() => loadHar(d, 'train'), /expected 561 features per row, found 10/);
  assert.throws(() => loadHar(d, 'train', { features: 10 }), /label of row 2 is 7/);
  writeFileSync(join(d, 'y_train.txt'), '1\n');
  assert.throws(() => loadHar(d, 'train', { features: 10 }), /expected 2 labels .* found 1/);
  assert.throws(() => loadHar(d, 'test'), /X_test\.txt not found/);
  rmSync(d, { recursive: true });
});

test.after(() => rmSync(dir, { recursive: true }));

test.run();
