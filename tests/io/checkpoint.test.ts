import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_MAGIC, loadCheckpoint, saveCheckpoint, type CheckpointTensor } from '../../src/io/checkpoint.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-ckpt-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Values as strings that tell -0 from 0 and compare NaN equal. */
const exact = (a: Float32Array | Float64Array): string[] => [...a].map((x) => (Object.is(x, -0) ? '-0' : String(x)));

function sample(): Map<string, CheckpointTensor> {
  return new Map<string, CheckpointTensor>([
    ['0.weight', { shape: [2, 3], data: new Float32Array([1, -2.5, 3.25, 1e-8, -0, 7]) }],
    ['0.bias', { shape: [3], data: new Float64Array([Math.PI, -1e300, 5e-324]) }],
    ['scalar', { shape: [], data: new Float64Array([42]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ['odd', { shape: [1], data: new Float32Array([0.1]) }], // 4 bytes: next tensor needs padding
    ['last', { shape: [2], data: new Float64Array([NaN, Infinity]) }],
  ]);
}

test('round trip: names in order, shapes, dtypes, exact values, meta', () => {
  withDir((dir) => {
    const path = join(dir, 'model.rjs');
    const meta = { epoch: 3, eps: 0.1, arch: { layers: ['Linear', 'ReLU'] } };
    saveCheckpoint(path, sample(), meta);
    const back = loadCheckpoint(path);
    assert.equal(back.meta, meta);
    assert.equal([...back.tensors.keys()], [...sample().keys()]);
    for (const [name, t] of sample()) {
      const got = back.tensors.get(name)!;
      assert.equal(got.shape, t.shape, name);
      assert.is(got.data.constructor, t.data.constructor, name);
      assert.equal(exact(got.data), exact(t.data), name);
    }
  });
});

test('layout: magic, 8-byte aligned data, documented header fields', () => {
  withDir((dir) => {
    const path = join(dir, 'm.rjs');
    saveCheckpoint(path, sample());
    const bytes = readFileSync(path);
    assert.is(bytes.subarray(0, 8).toString('latin1'), CHECKPOINT_MAGIC);
    const length = Number(bytes.readBigUInt64LE(8));
    assert.is((16 + length) % 8, 0);
    const header = JSON.parse(bytes.subarray(16, 16 + length).toString('utf8')) as {
      version: number; tensors: { name: string; dtype: string; offset: number; byteLength: number }[];
    };
    assert.is(header.version, 1);
    for (const e of header.tensors) assert.is(e.offset % 8, 0, e.name);
    assert.equal(header.tensors.map((e) => e.dtype), ['float32', 'float64', 'float64', 'float32', 'float32', 'float64']);
  });
});

test('atomic write: replaces the file, leaves no temporary file', () => {
  withDir((dir) => {
    const path = join(dir, 'm.rjs');
    writeFileSync(path, 'old contents');
    saveCheckpoint(path, sample(), { v: 2 });
    assert.equal(readdirSync(dir), ['m.rjs']);
    assert.equal(loadCheckpoint(path).meta, { v: 2 });
  });
});

test('failed save: no temporary file, old file untouched', () => {
  withDir((dir) => {
    const path = join(dir, 'm.rjs');
    writeFileSync(path, 'old contents');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => saveCheckpoint(path, sample(), cyclic));
    const bad = new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]);
    assert.throws(() => saveCheckpoint(path, bad), /tensor w: shape \[2,2\] needs 4 values, data has 3/);
    assert.equal(readdirSync(dir), ['m.rjs']);
    assert.is(readFileSync(path, 'utf8'), 'old contents');
  });
});

test('bad magic, truncated header, truncated data, corrupt header: clear errors', () => {
  withDir((dir) => {
    const path = join(dir, 'm.rjs');
    saveCheckpoint(path, sample());
    const good = readFileSync(path);
    const bad = join(dir, 'bad.rjs');
    const expectError = (bytes: Uint8Array, pattern: RegExp): void => {
      writeFileSync(bad, bytes);
      assert.throws(() => loadCheckpoint(bad), (e: Error) => e.message.startsWith(`${bad}: `) && pattern.test(e.message));
    };
    expectError(Buffer.from('PK\x03\x04 not ours'), /bad magic number/);
    expectError(good.subarray(0, 5), /bad magic number/);
    expectError(good.subarray(0, 40), /truncated header/);
    expectError(good.subarray(0, good.length - 4), /truncated tensor last: expected 16 bytes, found 12/);
    const corrupt = Buffer.from(good);
    corrupt[16] = 0x21; // '{' -> '!'
    expectError(corrupt, /corrupt header/);
  });
});

test.run();
