// The default job, shrunk (100 training digits, 16 hidden units, 2 epochs): the report folder has
// the table, logs, curves and checkpoints; each model's certified error bounds its attack errors
// (the attacks search the same [0,1]-boxed ball); a resumed run reproduces the results.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultRunDir, runMainJob, type MainJobOptions } from '../../src/train/main-job.js';
import { readRecords } from '../../src/train/jsonl.js';

const tiny: MainJobOptions = { trainSize: 100, testSize: 30, epochs: 2, scheduleLength: 1, hidden: 16, pgdIterations: 10, lr: 0.005 };

test('tiny main job: report folder, sound table, resume reproduces it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-main-'));
  try {
    const lines: string[] = [];
    const tasks = new Set<string>();
    const out = join(dir, 'run');
    const r = runMainJob({ ...tiny, outDir: out, log: (l) => lines.push(l), onProgress: (p) => tasks.add(p.task) });
    for (const file of ['table.md', 'results.json', 'training-curve.svg', 'standard.jsonl', 'robust.jsonl', 'standard.ckpt', 'robust.ckpt', 'crown-ibp.ckpt']) assert.ok(existsSync(join(out, file)), file);
    assert.equal([...tasks], ['train-standard', 'evaluate-standard', 'train-robust', 'evaluate-robust', 'train-crown-ibp', 'evaluate-crown-ibp']);
    assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /\| +crown-ibp \(16 hidden\) \|/);
    assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /\| +robust \(16 hidden\) \|/);
    assert.match(lines[0]!, /MLP 784-16-10, embedded MNIST 100 train \/ 30 test digits, l-inf eps 0.1/);
    for (const m of [r.standard, r.robust, r.crownIbp]) {
      const e = m.evaluation;
      assert.ok(e.certifiedError! >= e.pgdError! && e.certifiedError! >= e.fgsError! && e.pgdError! >= e.cleanError, JSON.stringify(e));
    }
    assert.equal(readRecords(join(out, 'robust.jsonl')).filter((x) => x.type === 'epoch').map((x) => x.epoch), [0, 1]);
    const again = runMainJob({ ...tiny, outDir: out, resume: true });
    assert.equal(again.robust.evaluation.certifiedError, r.robust.evaluation.certifiedError);
    assert.equal(again.standard.evaluation.pgdError, r.standard.evaluation.pgdError);
    assert.equal(again.crownIbp.evaluation.certifiedError, r.crownIbp.evaluation.certifiedError);
    assert.throws(() => runMainJob({ ...tiny, outDir: out }), /not empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('default report folder is runs/<date>_<time>', () => {
  assert.is(defaultRunDir(new Date(2026, 0, 2, 3, 4, 5)), join('runs', '2026-01-02_030405'));
});

test.run();
