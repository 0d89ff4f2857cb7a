// The 2D toy experiment, shrunk (16-wide layers, 300 steps, 40×40 grid) to run in seconds: the
// robust network certifies more of the 12 points than the standard one, the pictures show the
// models' own predictions, and the side-by-side PNG has both panels.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmax, noGrad } from '../../src/autograd/index.js';
import { gridCentres } from '../../src/report/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runToy2d, sideBySide } from '../../src/train/toy2d.js';

test('standard vs robust on the toy points: the robust net is certified on more points at ε = r/2', () => {
  const e = runToy2d({ hidden: 16, steps: 300, gridSize: 40 });
  assert.is(e.data.n, 12);
  assert.is(e.epsilon, 0.08);
  assert.ok(e.robust.certifiedError < e.standard.certifiedError, `robust ${e.robust.certifiedError} vs standard ${e.standard.certifiedError}`);
  assert.ok(e.robust.losses.at(-1)! < e.robust.losses[0]!, 'the robust loss decreases');
  for (const run of [e.standard, e.robust]) {
    const predicted = noGrad(() => argmax(run.model.forward(new Tensor(gridCentres(40), [1600, 2])), 1));
    assert.equal(Array.from(run.grid.classes), Array.from(predicted));
    assert.is(run.picture.points.length, 12);
  }
  assert.match(e.svg.robust, /^<svg[\s\S]*<\/svg>\s*$/);
  assert.equal(Array.from(e.png.subarray(1, 4)), [0x50, 0x4e, 0x47]); // "PNG"
});

test('sideBySide places panels left to right with a white gap', () => {
  const red = { width: 2, height: 1, rgba: Uint8Array.from([255, 0, 0, 255, 255, 0, 0, 255]) };
  const out = sideBySide([red, red], 1);
  assert.equal([out.width, out.height], [5, 1]);
  assert.equal(Array.from(out.rgba.subarray(8, 12)), [255, 255, 255, 255]);
  assert.equal(Array.from(out.rgba.subarray(12, 16)), [255, 0, 0, 255]);
});

test.run();
