import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { labelCounts } from '../../src/data/dataset.js';
import {
  encodeIdx,
  FASHION_MNIST_DIR,
  isGzip,
  loadFashionMnist,
  loadIdxDataset,
  loadIdxSplit,
} from '../../src/data/idx.js';

const dir = mkdtempSync(join(tmpdir(), 'relaxjs-idx-'));

/** 3 images of 2x4 pixels with byte values 5, 15, ..., 235; labels [2, 0, 1]. */
const pixels = Uint8Array.from({ length: 24 }, (_, i) => i * 10 + 5);
const labelBytes = Uint8Array.from([2, 0, 1]);

function write(name: string, bytes: Uint8Array, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

function checkTiny(imagesPath: string, labelsPath: string): void {
  const ds = loadIdxDataset(imagesPath, labelsPath);
  assert.is(ds.n, 3);
  assert.equal(ds.shape, [1, 2, 4]);
  assert.equal(Array.from(ds.labels), [2, 0, 1]);
  assert.is(ds.classes, 3);
  ds.images.forEach((v, i) => assert.ok(Math.abs(v - pixels[i] / 255) < 1e-7));
}

test('encodeIdx writes the magic and big-endian dims', () => {
  const bytes = encodeIdx([3, 2, 4], pixels);
  assert.equal(Array.from(bytes.subarray(0, 8)), [0, 0, 8, 3, 0, 0, 0, 3]);
  assert.is(bytes.length, 16 + 24);
  assert.throws(() => encodeIdx([2, 2], pixels), /need 4 bytes, got 24/);
});

test('raw IDX files round-trip', () => {
  checkTiny(write('raw-img', encodeIdx([3, 2, 4], pixels)), write('raw-lbl', encodeIdx([3], labelBytes)));
});

test('gzipped IDX files round-trip (detected by magic, not by name)', () => {
  const img = write('gz-img', encodeIdx([3, 2, 4], pixels), true);
  const lbl = write('gz-lbl.gz', encodeIdx([3], labelBytes), true);
  checkTiny(img, lbl);
  assert.ok(isGzip(gzipSync(Uint8Array.of(1))));
});

test('scale and classes options apply', () => {
  const ds = loadIdxDataset(
    write('s-img', encodeIdx([3, 2, 4], pixels)),
    write('s-lbl', encodeIdx([3], labelBytes)),
    { scale: 1, classes: 10 },
  );
  assert.is(ds.images[1], 15);
  assert.is(ds.classes, 10);
});

test('wrong magic names the file and both values', () => {
  const lbl = write('m-lbl', encodeIdx([3], labelBytes));
  const err = captureError(() => loadIdxDataset(lbl, lbl));
  assert.match(err, 'm-lbl');
  assert.match(err, /expected 0x00000803, found 0x00000801/);
});

test('truncated data and header are reported with expected vs found', () => {
  const full = encodeIdx([3, 2, 4], pixels);
  const lbl = write('t-lbl', encodeIdx([3], labelBytes));
  const short = write('t-img', full.subarray(0, full.length - 5), true);
  assert.match(captureError(() => loadIdxDataset(short, lbl)), /t-img: header dims 3x2x4 need 24 data bytes, found 19/);
  const header = write('t-hdr', full.subarray(0, 10));
  assert.match(captureError(() => loadIdxDataset(header, lbl)), /t-hdr: truncated IDX header: expected 16 bytes, found 10/);
  const long = write('t-long', Uint8Array.from([...full, 0]));
  assert.match(captureError(() => loadIdxDataset(long, lbl)), /need 24 data bytes, found 25/);
});

test('image/label count mismatch names the file and both counts', () => {
  const img = write('c-img', encodeIdx([3, 2, 4], pixels));
  const lbl = write('c-lbl', encodeIdx([2], labelBytes.subarray(0, 2)));
  assert.match(captureError(() => loadIdxDataset(img, lbl)), /c-lbl: label count .* expected 3, found 2/);
});

test('loadIdxSplit finds t10k files with or without .gz', () => {
  const split = mkdtempSync(join(tmpdir(), 'relaxjs-split-'));
  writeFileSync(join(split, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx([3, 2, 4], pixels)));
  writeFileSync(join(split, 't10k-labels-idx1-ubyte'), encodeIdx([3], labelBytes));
  assert.is(loadIdxSplit(split, 'test').n, 3);
  assert.match(captureError(() => loadIdxSplit(split, 'train')), /train-images-idx3-ubyte\.gz/);
  rmSync(split, { recursive: true });
});

test('Fashion-MNIST test split: 10,000 images, 1,000 per class, first label 9', () => {
  if (!existsSync(FASHION_MNIST_DIR)) {
    console.log(`(Fashion-MNIST not installed at ${FASHION_MNIST_DIR}; checks not run)`);
    return;
  }
  const ds = loadFashionMnist('test');
  assert.is(ds.n, 10000);
  assert.equal(ds.shape, [1, 28, 28]);
  assert.is(ds.images.length, 10000 * 784);
  assert.equal(labelCounts(ds), new Array(10).fill(1000));
  assert.is(ds.labels[0], 9); // ankle boot
  assert.equal(Array.from(ds.labels.subarray(0, 5)), [9, 2, 1, 1, 6]);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ds.images) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.is(lo, 0);
  assert.is(hi, 1);
});

test.after(() => rmSync(dir, { recursive: true }));

function captureError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected an error');
}

test.run();
