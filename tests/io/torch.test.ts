import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadCascadeStateDicts, loadStateDict, loadTorchCheckpoint, parseTorchCheckpoint,
  type TorchTensor, type TorchValue,
} from '../../src/io/torch.js';
import { crc32, readZipDirectory } from '../../src/io/zip.js';

const fixturePath = (p: string): string => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const fixture = (p: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(p)));

// Made by tests/fixtures/io/make_fixtures.py (pickle + a fake torch module, in torch's layouts).
const STRIDED = ['io/strided_legacy.torch', 'io/strided_zip_p4.torch', 'io/strided_zip_p5.torch'];
const LEGACY_REF = 'reference/conv3ch_nobias_0_b.torch';
const ZIP_REF = 'reference/conv3ch_nobias_0_a.torch';

const get = (v: TorchValue, key: string): TorchValue => (v as Map<string, TorchValue>).get(key)!;
const plain = (t: TorchValue): object => {
  const { dtype, shape, data } = t as TorchTensor;
  return { dtype, shape, data: [...data], array: data.constructor.name };
};

for (const file of STRIDED) {
  test(`${file}: offsets, strides, shared storages, dtypes, parameter`, () => {
    const sd = get(loadTorchCheckpoint(fixturePath(file)), 'state_dict');
    assert.equal([...(sd as Map<string, TorchValue>).keys()], ['t', 'b', 'p', 'n', 'h', 'm', 's', 'v']);
    assert.equal(plain(get(sd, 't')), { dtype: 'float64', shape: [3, 2], data: [1, 5, 2, 6, 3, 7], array: 'Float64Array' });
    assert.equal(plain(get(sd, 'b')), { dtype: 'float64', shape: [4], data: [8, 9, 10, 11], array: 'Float64Array' });
    assert.equal(plain(get(sd, 'p')), { dtype: 'float32', shape: [2], data: [0.5, -1.25], array: 'Float32Array' });
    assert.equal(plain(get(sd, 'n')), { dtype: 'int64', shape: [2], data: [-3, 2 ** 40], array: 'Float64Array' });
    assert.equal(plain(get(sd, 'h')), { dtype: 'float16', shape: [2], data: [1.5, -0.0625], array: 'Float32Array' });
    assert.equal(plain(get(sd, 'm')), { dtype: 'bool', shape: [1, 2], data: [1, 0], array: 'Float64Array' });
    assert.equal(plain(get(sd, 's')), { dtype: 'float64', shape: [], data: [7], array: 'Float64Array' });
    const legacy = file.includes('legacy'); // legacy storage views: 'v' sees root[1:3]
    assert.equal((get(sd, 'v') as TorchTensor).data, new Float64Array(legacy ? [21, 22] : [20, 21]));
  });

  test(`${file}: other values and unknown classes`, () => {
    const v = loadTorchCheckpoint(fixturePath(file));
    assert.equal(get(v, 'args'), { kind: 'object', className: 'argparse.Namespace', args: [], state: new Map([['lr', 0.1]]) });
    assert.is(get(v, 'note'), 'ok');
    assert.equal(get(v, file.includes('legacy') ? 'legacy' : 'zip'), [1, [2, 3]]);
    assert.equal([...loadStateDict(fixturePath(file)).keys()], ['t', 'b', 'p', 'n', 'h', 'm', 's', 'v']);
    assert.is(loadCascadeStateDicts(fixturePath(file)).length, 1);
  });
}

/** Every error must be an Error whose message starts with the file name. */
function throwsNamed(bytes: Uint8Array, pattern: RegExp, what: string): void {
  try {
    parseTorchCheckpoint(bytes, 'x.pth');
  } catch (e) {
    assert.instance(e, Error, what);
    assert.match((e as Error).message, /^x\.pth: /, what);
    assert.match((e as Error).message, pattern, what);
    return;
  }
  assert.unreachable(`${what}: no error`);
}

test('truncated at any byte: a named error, never a crash or a silent success', () => {
  for (const file of [STRIDED[0]!, STRIDED[1]!, LEGACY_REF, ZIP_REF]) {
    const bytes = fixture(file);
    for (let n = 0; n < bytes.length; n++) throwsNamed(bytes.subarray(0, n), /./, `${file} cut at ${n}`);
  }
});

test('truncated legacy storage: says which storage, how many bytes expected and found', () => {
  const bytes = fixture(LEGACY_REF);
  throwsNamed(bytes.subarray(0, bytes.length - 12), /truncated storage 4 \(key 651197856\): expected 48 bytes, found 36/, 'cut');
  throwsNamed(bytes.subarray(0, 875), /truncated storage 0 \(key 640882064\): missing its size header/, 'header');
});

test('bad magic number / not a checkpoint', () => {
  throwsNamed(new TextEncoder().encode('hello world'), /bad magic number/, 'text');
  throwsNamed(new Uint8Array([0x80, 0x02, 0x4b, 0x05, 0x2e]), /bad magic number/, 'pickle of 5');
  throwsNamed(new Uint8Array(0), /bad magic number/, 'empty');
});

test('unsupported storage type is named', () => {
  const bytes = fixture(LEGACY_REF);
  const text = Buffer.from(bytes).toString('latin1').replace('torch\nDoubleStorage', 'torch\nQuirkyStorage');
  throwsNamed(new Uint8Array(Buffer.from(text, 'latin1')), /unsupported storage type torch\.QuirkyStorage/, 'type');
});

/** Rewrites a STORED zip entry in place (same length) and fixes its CRC in the central directory. */
function patchStored(bytes: Uint8Array, name: string, edit: (data: Uint8Array) => void): void {
  const entry = readZipDirectory(bytes).get(name)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const at = entry.localHeaderOffset;
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  edit(bytes.subarray(start, start + entry.size));
  const central = Buffer.from(bytes).lastIndexOf(Buffer.from(name)) - 46;
  view.setUint32(central + 16, crc32(bytes.subarray(start, start + entry.size)), true);
}

test('zip: storage shorter than the tensor needs, or missing', () => {
  const short = fixture(ZIP_REF).slice();
  patchStored(short, 'conv3ch_nobias_0_a/data.pkl', (pkl) => {
    const i = Buffer.from(pkl).indexOf(Buffer.from("X\x01\x00\x00\x002q\x17h\x07K\x06", 'latin1'));
    pkl[i + 11] = 7; // storage '2' claims 7 elements, its entry holds 6
  });
  throwsNamed(short, /truncated storage 2: expected 56 bytes, found 48/, 'short');

  const missing = fixture(ZIP_REF).slice();
  const cd = Buffer.from(missing).lastIndexOf(Buffer.from('conv3ch_nobias_0_a/data/3'));
  missing[cd + 'conv3ch_nobias_0_a/data/'.length] = 'Z'.charCodeAt(0);
  throwsNamed(missing, /storage 3 missing from the archive/, 'missing');
});

test('loadTorchCheckpoint names the file on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-io-'));
  try {
    const path = join(dir, 'broken.pth');
    const bytes = fixture(LEGACY_REF);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    assert.throws(() => loadTorchCheckpoint(path), (e: Error) => e.message.startsWith(`${path}: truncated storage`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
