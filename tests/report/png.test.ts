import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CLASS_COLORS, crc32, encodePng, rasterizeRegions, UNIT_SQUARE } from '../../src/report/index.js';
import { readPng } from './helpers.js';

test('crc32 matches zlib and the standard check value', () => {
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => crc32(bytes) === zlibCrc32(bytes)), { seed: 7, numRuns: 100 });
});

test('encodePng round-trips any small RGBA image (signature, IHDR, CRCs, pixels)', () => {
  const arb = fc.record({ w: fc.integer({ min: 1, max: 9 }), h: fc.integer({ min: 1, max: 9 }) })
    .chain(({ w, h }) => fc.uint8Array({ minLength: 4 * w * h, maxLength: 4 * w * h }).map((rgba) => ({ w, h, rgba })));
  fc.assert(fc.property(arb, ({ w, h, rgba }) => {
    const png = readPng(encodePng({ width: w, height: h, rgba }));
    assert.equal([png.width, png.height, png.bitDepth, png.colorType], [w, h, 8, 6]);
    assert.equal(png.chunkTypes, ['IHDR', 'IDAT', 'IEND']);
    assert.equal([...png.rgba], [...rgba]);
  }), { seed: 11, numRuns: 60 });
});

test('encodePng rejects a wrong buffer length or size, naming them', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(15) }), /rgba has 15 bytes, expected 4·2·2 = 16/);
  assert.throws(() => encodePng({ width: 0, height: 2, rgba: new Uint8Array(0) }), /width and height must be positive integers, got 0x2/);
});

test('rasterised regions put each class tint on its side of the boundary and dots at the points', () => {
  // left half class 0, right half class 1 (grid row 0 is the top; columns run left to right)
  const size = 4;
  const classes = Array.from({ length: size * size }, (_, k) => (k % size < size / 2 ? 0 : 1));
  const img = rasterizeRegions({ title: 't', extent: UNIT_SQUARE, grid: { size, classes }, points: [{ x: 0.75, y: 0.25, label: 0 }], epsilon: 0.1 }, 200);
  const px = (x: number, y: number) => [...img.rgba.subarray(4 * (y * 200 + x), 4 * (y * 200 + x) + 4)];
  assert.equal(px(20, 20), [...CLASS_COLORS[0]!.region, 255]);
  assert.equal(px(180, 20), [...CLASS_COLORS[1]!.region, 255]);
  // the point (0.75, 0.25) is at pixel (150, 150): its dot has the class-0 point colour
  assert.equal(px(150, 150), [...CLASS_COLORS[0]!.point, 255]);
  // its eps-box (half side 0.1 = 20 px) is outlined in black: left edge at x = 130
  assert.equal(px(130, 150), [0, 0, 0, 255]);
  assert.equal(px(140, 140), [...CLASS_COLORS[1]!.region, 255], 'inside the box, away from dot and edge: region tint');
  const png = readPng(encodePng(img));
  assert.equal([...png.rgba], [...img.rgba]);
});
test.run();
