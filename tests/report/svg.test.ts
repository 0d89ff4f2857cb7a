import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeXml, gridCentres, histogram, histogramSvg, lineChartSvg, niceTicks, regionsSvg, UNIT_SQUARE } from '../../src/report/index.js';
import { checkWellFormedXml } from './helpers.js';

test('the well-formedness checker itself rejects broken XML', () => {
  assert.throws(() => checkWellFormedXml('<svg><g></svg>'), /closes the wrong element/);
  assert.throws(() => checkWellFormedXml('<svg><text>a & b</text></svg>'), /bad entity/);
  assert.throws(() => checkWellFormedXml('<svg a=1></svg>'), /malformed tag/);
  assert.throws(() => checkWellFormedXml('<svg></svg><svg></svg>'), /more than one root/);
  assert.equal(checkWellFormedXml('<svg><g a="1"/><text>&lt;x&gt;</text></svg>'), ['svg', 'g', 'text']);
});

test('line chart: well-formed, one polyline per series, titles escaped, NaN breaks the line', () => {
  const svg = lineChartSvg({
    title: 'loss <robust> & clean', xLabel: 'epoch', yLabel: 'value',
    series: [
      { name: 'robust "loss"', points: [[0, 2], [1, 1.5], [2, 1]] },
      { name: 'clean', points: [[0, 1], [1, Number.NaN], [2, 0.5], [3, 0.4]] },
    ],
  });
  const names = checkWellFormedXml(svg);
  assert.is(names[0], 'svg');
  assert.is(names.filter((n) => n === 'polyline').length, 2, 'clean splits into a single point (a dot) and a 2-point line');
  assert.is(names.filter((n) => n === 'circle').length, 1);
  assert.ok(svg.includes('loss &lt;robust&gt; &amp; clean'));
  assert.ok(svg.includes('robust &quot;loss&quot;'));
  assert.throws(() => lineChartSvg({ title: '', xLabel: '', yLabel: '', series: [] }), /series must not be empty/);
});

test('line chart maps data to pixels monotonically (larger y is higher up)', () => {
  const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[0, 0], [10, 1]] }] });
  const pts = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number));
  assert.ok(pts[1]![0]! > pts[0]![0]!, 'x grows to the right');
  assert.ok(pts[1]![1]! < pts[0]![1]!, 'y grows upward');
});

test('niceTicks covers the range with 1-2-5 steps', () => {
  assert.equal(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(0, 19, 6), [0, 5, 10, 15, 20]);
  const t = niceTicks(0.013, 0.087, 5);
  assert.ok(t[0]! <= 0.013 && t[t.length - 1]! >= 0.087);
  assert.equal(niceTicks(2, 2, 4).length >= 2, true);
});

test('histogram: half-open bins, max in the last bin, out-of-range and NaN dropped', () => {
  const h = histogram([0, 0.1, 0.25, 0.5, 0.99, 1, 1.5, Number.NaN, -1], 4, [0, 1]);
  assert.equal(h.edges, [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(h.counts, [2, 1, 1, 2]);
  const svg = histogramSvg(h, { title: 'certified radius', xLabel: 'eps' });
  assert.is(checkWellFormedXml(svg).filter((n) => n === 'rect').length, 2 + 4, 'background + frame + one bar per non-empty bin');
  assert.throws(() => histogram([1], 0), /bins must be a positive integer, got 0/);
});

test('regions: well-formed, one eps-box and one dot per point, runs merged per row', () => {
  const size = 10;
  const centres = gridCentres(size);
  const classes = Array.from({ length: size * size }, (_, k) => (centres[2 * k]! + centres[2 * k + 1]! > 1 ? 1 : 0));
  const points = [{ x: 0.2, y: 0.2, label: 0 }, { x: 0.8, y: 0.7, label: 1 }];
  const svg = regionsSvg({ title: 'toy', extent: UNIT_SQUARE, grid: { size, classes }, points, epsilon: 0.08 });
  const names = checkWellFormedXml(svg);
  assert.is(names.filter((n) => n === 'circle').length, 2 + 2, 'one dot per point and per class in the legend');
  // background + clip rect + at most 2 runs per row + 2 eps boxes + frame + legend (2 class swatches, 1 eps-box)
  const rects = names.filter((n) => n === 'rect').length;
  assert.ok(rects <= 3 + 2 * size + 2 + 3 && rects >= 3 + size + 2 + 3, `${rects} rects`);
  assert.ok(svg.includes('>class 0<') && svg.includes('>class 1<') && svg.includes('ε-box, ε = 0.08'), 'the legend names the classes and the box');
  assert.throws(() => regionsSvg({ title: 't', extent: UNIT_SQUARE, grid: { size: 3, classes: [0] }, points: [], epsilon: 0 }), /grid.classes has 1 entries, expected size² = 9/);
});

test('line chart: integerX ticks only whole epochs (issue 14); legendBelow grows the picture instead of covering the plot', () => {
  const series = [{ name: 'train', points: [[1, 0.5], [1.5, 0.4], [2, 0.3], [3, 0.2]] as [number, number][] }];
  const ticks = (svg: string) => [...svg.matchAll(/text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]!).filter((t) => /^[\d.]+$/.test(t));
  const plain = lineChartSvg({ title: 't', xLabel: 'epoch', yLabel: 'e', series });
  assert.ok(ticks(plain).some((t) => t.includes('.')), `fractional ticks without the option: ${ticks(plain)}`);
  const whole = lineChartSvg({ title: 't', xLabel: 'epoch', yLabel: 'e', series, integerX: true, legendBelow: true });
  assert.equal(ticks(whole), ['1', '2', '3']);
  assert.match(whole, /height="(4[1-9]\d)"/);
});

test('gridCentres: row 0 is the top, columns left to right, cell centres', () => {
  const c = gridCentres(2);
  assert.equal([...c], [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25]);
});

test('escapeXml escapes all five specials', () => {
  assert.is(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});
test.run();
