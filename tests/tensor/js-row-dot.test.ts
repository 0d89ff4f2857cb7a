// The js backend's fused rowDot kernel against a naive loop (every map, shared x or w, no w,
// float32 and float64), and its float32 rounding against the unary + matmul it replaces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RowDotSpec, RowMap } from '../../src/tensor/backend.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import { Rng } from '../../src/tensor/random.js';
import { assertAllClose } from '../helpers/gradcheck.js';

const maps: RowMap[] = ['identity', 'relu', 'abs', 'square'];
const f = (v: number, map: RowMap): number => (map === 'relu' ? Math.max(v, 0) : map === 'abs' ? Math.abs(v) : map === 'square' ? v * v : v);

function naive(x: ArrayLike<number>, w: ArrayLike<number> | null, s: RowDotSpec, map: RowMap): number[] {
  const out: number[] = [];
  for (let b = 0; b < s.batch; b++) {
    for (let p = 0; p < s.groups; p++) {
      for (let q = 0; q < s.rows; q++) {
        let sum = 0;
        for (let j = 0; j < s.length; j++) {
          const xv = x[(((s.xShared ? 0 : b) * s.groups + p) * s.rows + q) * s.length + j]!;
          sum += f(xv, map) * (w ? w[((s.wShared ? 0 : b) * s.groups + p) * s.length + j]! : 1);
        }
        out.push(sum);
      }
    }
  }
  return out;
}

test('rowDot equals the naive sum for every map, shared operands and no weight (float64)', () => {
  const rng = new Rng(3);
  for (const map of maps) {
    for (const [xShared, wShared, weighted] of [[false, false, true], [true, false, true], [false, true, true], [false, false, false], [true, true, true]] as const) {
      const spec: RowDotSpec = { batch: 3, groups: 2, rows: 4, length: 7, xShared, wShared };
      const x = rng.fillNormal(new Float64Array((xShared ? 1 : 3) * 2 * 4 * 7));
      x[5] = 0;
      const w = weighted ? rng.fillNormal(new Float64Array((wShared ? 1 : 3) * 2 * 7)) : null;
      assertAllClose(jsBackend.rowDot(x, w, spec, map), naive(x, w, spec, map), 1e-12, 1e-12, `${map} x${xShared ? ' shared' : ''} w${weighted ? (wShared ? ' shared' : '') : ' none'}`);
    }
  }
});

test('float32 rowDot equals unary + matmul (weighted) and unary + sum reduction (plain) bit for bit', () => {
  const rng = new Rng(4);
  const x = rng.fillUniform(new Float32Array(2 * 5 * 300), -1, 1);
  const w = rng.fillUniform(new Float32Array(2 * 300), -1, 1);
  const spec: RowDotSpec = { batch: 2, groups: 1, rows: 5, length: 300, xShared: false, wShared: false };
  const mm = { batch: 2, m: 5, n: 1, k: 300, transA: false, transB: false, aBatchStride: 1500, bBatchStride: 300 };
  for (const map of ['identity', 'relu'] as const) {
    const mapped = map === 'relu' ? jsBackend.unary('relu', x) : x;
    assert.equal(Array.from(jsBackend.rowDot(x, w, spec, map)), Array.from(jsBackend.matmul(mapped, w, mm)), map);
  }
  const sums = jsBackend.reduce('sum', jsBackend.unary('abs', x), [2, 5, 300], 2);
  assert.equal(Array.from(jsBackend.rowDot(x, null, spec, 'abs')), Array.from(sums));
  assert.instance(jsBackend.rowDot(x, w, spec, 'abs'), Float32Array);
});

test.run();
