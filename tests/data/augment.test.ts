import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { augmentBatch, formatAugment, parseAugment, translate } from '../../src/data/augment.js';
import { Rng } from '../../src/tensor/random.js';

/** A [C, H, W] image whose pixel (c, y, x) holds 1 + 100 c + 10 y + x (never 0). */
function labelled(c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(k * h + y) * w + x] = 1 + 100 * k + 10 * y + x;
  return out;
}

/** The expected translation, written pixel by pixel: out(c, y, x) = in(c, y - dy, x - dx), else 0. */
function translatedByHand(image: Float32Array, [c, h, w]: number[], dx: number, dy: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sy = y - dy;
    const sx = x - dx;
    out.push(sy >= 0 && sy < h && sx >= 0 && sx < w ? image[(k * h + sy) * w + sx]! : 0);
  }
  return out;
}

test('translate moves a single pixel by (dx, dy) and zero-fills', () => {
  const image = new Float32Array(5 * 6);
  image[2 * 6 + 3] = 7; // (y, x) = (2, 3)
  const out = translate(image, [1, 5, 6], 2, -1);
  assert.is(out.length, 30);
  assert.is(out[1 * 6 + 5], 7); // (2 - 1, 3 + 2)
  assert.is(out.reduce((s, v) => s + v, 0), 7);
  assert.is(image[2 * 6 + 3], 7, 'input untouched');
});

test('translate matches the pixel-by-pixel definition for every shift, channels included', () => {
  const shape = [2, 4, 5];
  const image = labelled(2, 4, 5);
  for (let dy = -5; dy <= 5; dy++) for (let dx = -6; dx <= 6; dx++) {
    assert.equal(Array.from(translate(image, shape, dx, dy)), translatedByHand(image, shape, dx, dy), `dx ${dx}, dy ${dy}`);
  }
});

test('translate by (0, 0) is a copy; a shift past the border gives zeros', () => {
  const image = labelled(1, 3, 3);
  assert.equal(Array.from(translate(image, [1, 3, 3], 0, 0)), Array.from(image));
  assert.equal(Array.from(translate(image, [1, 3, 3], 3, 0)), new Array(9).fill(0));
});

test('translate overwrites stale values in out', () => {
  const out = new Float32Array(9).fill(-1);
  translate(labelled(1, 3, 3), [1, 3, 3], 1, 1, out);
  assert.equal(Array.from(out), [0, 0, 0, 0, 1, 2, 0, 11, 12]);
});

test('augmentBatch keeps the shape, shifts each image by at most k, and leaves the input alone', () => {
  const shape = [1, 7, 7];
  const images = new Float32Array(4 * 49);
  for (let b = 0; b < 4; b++) images[b * 49 + 3 * 7 + 3] = b + 1; // one pixel at the centre
  const before = images.slice();
  const out = augmentBatch(images, shape, parseAugment('shift2'), new Rng(5));
  assert.is(out.length, images.length);
  assert.equal(Array.from(images), Array.from(before));
  const moves = new Set<string>();
  for (let b = 0; b < 4; b++) {
    const at = out.subarray(b * 49, (b + 1) * 49).findIndex((v) => v === b + 1);
    const [y, x] = [Math.floor(at / 7), at % 7];
    assert.ok(Math.abs(y - 3) <= 2 && Math.abs(x - 3) <= 2, `image ${b} moved to (${y}, ${x})`);
    moves.add(`${x - 3},${y - 3}`);
  }
  assert.ok(moves.size > 1, 'shifts differ between images');
});

test('augmentBatch draws dx then dy per image from the rng, so it is deterministic for a seed', () => {
  const shape = [1, 6, 6];
  const images = new Float32Array(3 * 36);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37) % 11;
  const a = augmentBatch(images, shape, { kind: 'shift', maxShift: 1 }, new Rng(9));
  const b = augmentBatch(images, shape, { kind: 'shift', maxShift: 1 }, new Rng(9));
  assert.equal(Array.from(a), Array.from(b));
  const rng = new Rng(9);
  for (let k = 0; k < 3; k++) {
    const dx = rng.int(3) - 1;
    const dy = rng.int(3) - 1;
    const expected = translatedByHand(images.subarray(k * 36, (k + 1) * 36), shape, dx, dy);
    assert.equal(Array.from(a.subarray(k * 36, (k + 1) * 36)), expected, `image ${k}`);
  }
  const other = augmentBatch(images, shape, { kind: 'shift', maxShift: 1 }, new Rng(10));
  assert.not.equal(Array.from(other), Array.from(a));
});

test("augmentBatch with 'none' returns an equal copy", () => {
  const images = labelled(1, 2, 2);
  const out = augmentBatch(images, [1, 2, 2], parseAugment('none'), new Rng(0));
  assert.equal(Array.from(out), Array.from(images));
  assert.is.not(out, images);
});

test('parseAugment reads none and shift<k>, and names the flag on bad input', () => {
  assert.equal(parseAugment('shift2'), { kind: 'shift', maxShift: 2 });
  assert.is(formatAugment(parseAugment('shift12')), 'shift12');
  assert.is(formatAugment(parseAugment('none')), 'none');
  for (const bad of ['shift0', 'shift', 'shift-1', 'rotate', '']) assert.throws(() => parseAugment(bad), /--augment/);
});

test('bad shapes and shifts are rejected with the expected form', () => {
  assert.throws(() => translate(new Float32Array(8), [1, 3, 3], 0, 0), /\[C, H, W\]/);
  assert.throws(() => translate(new Float32Array(9), [9], 0, 0), /\[C, H, W\]/);
  assert.throws(() => translate(new Float32Array(9), [1, 3, 3], 0.5, 0), /integers/);
  assert.throws(() => translate(new Float32Array(9), [1, 3, 3], 0, 0, new Float32Array(4)), /out must have 9/);
  assert.throws(() => augmentBatch(new Float32Array(10), [1, 3, 3], parseAugment('shift1'), new Rng(0)), /multiple of the sample size 9/);
});

test.run();
