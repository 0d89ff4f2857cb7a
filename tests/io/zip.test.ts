import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32, isZip, readZipDirectory, readZipEntry } from '../../src/io/zip.js';

const fixture = (p: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url))));
// Written by torch.save (zip format: data descriptors, zip64 end record, STORED, 64-byte padding).
const TORCH_ZIP = 'reference/conv3ch_nobias_0_a.torch';
// Written by Python's zipfile: DEFLATE entries plus one STORED entry, folder 'some_prefix'.
const DEFLATE_ZIP = 'io/strided_zip_p4.torch';

test('crc32 check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('torch-written zip: names, sizes from the central directory, STORED data', () => {
  const bytes = fixture(TORCH_ZIP);
  assert.ok(isZip(bytes));
  const dir = readZipDirectory(bytes);
  assert.equal([...dir.keys()], [
    'conv3ch_nobias_0_a/data.pkl', 'conv3ch_nobias_0_a/data/0', 'conv3ch_nobias_0_a/data/1',
    'conv3ch_nobias_0_a/data/2', 'conv3ch_nobias_0_a/data/3', 'conv3ch_nobias_0_a/data/4',
    'conv3ch_nobias_0_a/version',
  ]);
  const w = dir.get('conv3ch_nobias_0_a/data/0')!;
  assert.is(w.method, 0);
  assert.is(w.size, 4 * 3 * 4 * 4 * 8); // float64 conv weight [4, 3, 4, 4]
  assert.is(readZipEntry(bytes, w).length, w.size);
  const version = readZipEntry(bytes, dir.get('conv3ch_nobias_0_a/version')!);
  assert.is(new TextDecoder().decode(version), '3\n');
});

test('DEFLATE entries are inflated and CRC-checked', () => {
  const bytes = fixture(DEFLATE_ZIP);
  const dir = readZipDirectory(bytes);
  const pkl = dir.get('some_prefix/data.pkl')!;
  assert.is(pkl.method, 8);
  const data = readZipEntry(bytes, pkl);
  assert.is(data.length, pkl.size);
  assert.equal([...data.subarray(0, 2)], [0x80, 0x04]); // PROTO 4
  assert.is(dir.get('some_prefix/byteorder')!.method, 0);
});

test('zip64 end record is honoured when the classic one is saturated', () => {
  const bytes = fixture(TORCH_ZIP).slice();
  const view = new DataView(bytes.buffer);
  const eocd = bytes.length - 22;
  assert.is(view.getUint32(eocd, true), 0x06054b50);
  view.setUint16(eocd + 8, 0xffff, true);
  view.setUint16(eocd + 10, 0xffff, true);
  view.setUint32(eocd + 16, 0xffffffff, true);
  assert.is(readZipDirectory(bytes).size, 7);
});

test('truncated archive: end of central directory not found', () => {
  const bytes = fixture(TORCH_ZIP);
  assert.throws(() => readZipDirectory(bytes.subarray(0, bytes.length - 30)), /end of central directory not found/);
  assert.throws(() => readZipDirectory(bytes.subarray(0, 10)), /end of central directory not found/);
});

test('corrupt data is caught by the CRC (STORED) or by inflate (DEFLATE)', () => {
  const stored = fixture(TORCH_ZIP).slice();
  const entry = readZipDirectory(stored).get('conv3ch_nobias_0_a/data/1')!;
  const view = new DataView(stored.buffer);
  const start = entry.localHeaderOffset + 30 + view.getUint16(entry.localHeaderOffset + 26, true) +
    view.getUint16(entry.localHeaderOffset + 28, true);
  stored[start + 5]! ^= 0x40;
  assert.throws(() => readZipEntry(stored, entry), /data\/1: CRC-32 mismatch/);

  const deflated = fixture(DEFLATE_ZIP).slice();
  const pkl = readZipDirectory(deflated).get('some_prefix/data.pkl')!;
  deflated.fill(0xff, pkl.localHeaderOffset + 60, pkl.localHeaderOffset + 80);
  assert.throws(() => readZipEntry(deflated, pkl), /data\.pkl: (bad DEFLATE data|CRC-32 mismatch|expected)/);
});

test.run();
