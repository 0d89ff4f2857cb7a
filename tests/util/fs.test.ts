import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../../src/util/fs.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'relaxjs-fs-'));

test('writeFileAtomic writes text and bytes, creates parents, replaces, leaves no temp file', () => {
  const dir = scratch();
  try {
    const path = join(dir, 'a', 'b', 'report.md');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, 'second ✓');
    assert.is(readFileSync(path, 'utf8'), 'second ✓');
    writeFileAtomic(join(dir, 'x.bin'), Uint8Array.from([1, 2, 255]));
    assert.equal([...readFileSync(join(dir, 'x.bin'))], [1, 2, 255]);
    assert.equal(readdirSync(join(dir, 'a', 'b')), ['report.md']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic onto a directory fails and leaves nothing behind', () => {
  const dir = scratch();
  try {
    mkdirSync(join(dir, 'taken'));
    assert.throws(() => writeFileAtomic(join(dir, 'taken'), 'x'));
    assert.equal(readdirSync(dir), ['taken']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeDirAtomic creates the whole folder at once, refuses a non-empty one, overwrites on request', () => {
  const dir = scratch();
  try {
    const out = join(dir, 'run');
    writeDirAtomic(out, { 'report.md': '# r', 'charts/curve.svg': '<svg/>' });
    assert.equal(readdirSync(out).sort(), ['charts', 'report.md']);
    assert.throws(() => writeDirAtomic(out, { 'x.md': 'x' }), /already exists and is not empty; pass --overwrite/);
    writeDirAtomic(out, { 'new.md': 'n' }, true);
    assert.equal(readdirSync(out), ['new.md']);
    assert.equal(readdirSync(dir), ['run'], 'no staging or aside folder left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeDirAtomic with a bad file name writes nothing', () => {
  const dir = scratch();
  try {
    assert.throws(() => writeDirAtomic(join(dir, 'run'), { 'ok.md': 'x', '../escape.md': 'y' }), /must stay inside the folder/);
    assert.equal(readdirSync(dir), []);
    writeFileSync(join(dir, 'keep'), 'k');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
test.run();
