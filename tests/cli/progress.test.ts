import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captureIo } from '../../src/cli/io.js';
import { formatDuration, progressEnabled, renderBar, startProgress, statusLine } from '../../src/cli/progress.js';

test('the bar draws only on a TTY, outside CI, without --json', () => {
  assert.ok(progressEnabled(captureIo({ isTTY: true }), false));
  assert.not.ok(progressEnabled(captureIo({ isTTY: false }), false));
  assert.not.ok(progressEnabled(captureIo({ isTTY: true, env: { CI: 'true' } }), false));
  assert.ok(progressEnabled(captureIo({ isTTY: true, env: { CI: '' } }), false));
  assert.not.ok(progressEnabled(captureIo({ isTTY: true }), true));
  const quiet = captureIo({ isTTY: false });
  const bar = startProgress(quiet, 'x', 3, false);
  bar.tick(); bar.tick(); bar.done();
  assert.equal(quiet.err, []);
});

test('on a TTY it redraws in place with an ETA from the elapsed time, throttled, and clears at the end', () => {
  let clock = 0;
  const io = captureIo({ isTTY: true, now: () => clock });
  const bar = startProgress(io, 'train', 4, false);
  clock = 1000; bar.tick(1, 'loss 0.5');
  clock = 1050; bar.tick(); // within 100 ms: not drawn
  clock = 3000; bar.tick();
  clock = 3010; bar.tick(); // last step: always drawn
  bar.done();
  assert.is(io.err.length, 4);
  assert.ok(io.err[0]!.startsWith('\rtrain ['), io.err[0]);
  assert.ok(io.err[0]!.includes('1/4 25% ETA 0:03 loss 0.5'), io.err[0]);
  assert.ok(io.err[1]!.includes('3/4 75% ETA 0:01'), io.err[1]);
  assert.ok(io.err[2]!.includes('4/4 100% ETA 0:00'), io.err[2]);
  assert.is(io.err[3], '\r\x1b[K');
});

test('renderBar fits the terminal and formatDuration reads like a clock', () => {
  const line = renderBar('a very long label '.repeat(3), 5, 10, 5000, 60);
  assert.ok(line.length <= 59, `${line.length}`);
  assert.is(formatDuration(59_400), '0:59');
  assert.is(formatDuration(3_725_000), '1:02:05');
  assert.is(formatDuration(Number.NaN), '--:--');
  assert.ok(renderBar('x', 0, 10, 0, 80).includes('ETA --:--'));
});
test('statusLine (the scripts\' progress): in place on a terminal, nothing when piped or in CI', () => {
  const piped = captureIo({ isTTY: false });
  const line = statusLine(piped);
  line.update('batch 1/2');
  line.update('batch 2/2');
  line.done();
  assert.equal(piped.err, [], 'no carriage returns into a pipe');
  assert.equal((() => { const ci = captureIo({ isTTY: true, env: { CI: 'true' } }); statusLine(ci).update('x'); return ci.err; })(), []);
  const tty = captureIo({ isTTY: true });
  const drawn = statusLine(tty);
  drawn.update('batch 1/2');
  drawn.done();
  assert.equal(tty.err, ['\rbatch 1/2\x1b[K', '\n']);
});
test.run();
