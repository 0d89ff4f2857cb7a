// MaxPool2d's alpha-CROWN start lines (src/relax/bounds/max-pool.ts): 'first' is CROWN's window
// entry (largest lower bound, first on ties), 'upper' breaks ties of the largest lower bound by
// the largest upper bound; both are one-hot on a real entry (never padding), and the projection
// keeps any weights on the simplex of the real entries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { maxPoolOp } from '../../../src/relax/bounds/max-pool.js';
import { Tensor } from '../../../src/tensor/tensor.js';

/** The window entry (0..K-1) each output's one-hot weights pick, `[P]` for one plane. */
function picks(w: Tensor, K: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < w.size / K; o++) out.push(Array.from(w.data.subarray(o * K, (o + 1) * K)).indexOf(1));
  return out;
}

test('start lines: ties of the largest lower bound go to the first entry (CROWN) or to the largest upper bound', () => {
  const op = maxPoolOp('pool', { kernel: 2, stride: 2, padding: 0 }, [1, 2, 4]);
  // window 0: lower [0, 0, 0, 0] (a ReLU's tie), upper [0, 0.3, 0.1, 0.2]; window 1: lower [0.5, 0.2, 0.5, 0.1], upper [0.6, 0.9, 0.8, 0.7]
  const l = Tensor.from([0, 0, 0.5, 0.2, 0, 0, 0.5, 0.1], [1, 1, 2, 4], 'float64');
  const u = Tensor.from([0, 0.3, 0.6, 0.9, 0.1, 0.2, 0.8, 0.7], [1, 1, 2, 4], 'float64');
  const weights = op.lowerWeights!;
  assert.equal(picks(weights.init(l, u), 4), [0, 0]);
  assert.equal(picks(weights.init(l, u, 'first'), 4), [0, 0]);
  assert.equal(picks(weights.init(l, u, 'upper'), 4), [1, 2]);
});

test('start lines never pick padding, and projected weights stay on the simplex of the real entries', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 16, maxLength: 16 }), (lower, width, raw) => {
    const op = maxPoolOp('pool', { kernel: 2, stride: 2, padding: 1 }, [1, 3, 3]);
    // lower bounds rounded to a few values so that ties occur
    const l = Tensor.from(lower.map((v) => Math.round(v * 2) / 2), [1, 1, 3, 3], 'float64');
    const u = Tensor.from(l.data.map((v, k) => v + width[k]!), [1, 1, 3, 3], 'float64');
    // output o = (r, c) reads rows 2r-1, 2r and columns 2c-1, 2c: entry k = (a, d) is padding where 2r-1+a or 2c-1+d is outside 0..2
    const real = (o: number, k: number): boolean => { const r = 2 * Math.floor(o / 2) - 1 + Math.floor(k / 2); const c = 2 * (o % 2) - 1 + (k % 2); return r >= 0 && r < 3 && c >= 0 && c < 3; };
    for (const ties of ['first', 'upper'] as const) {
      const w = op.lowerWeights!.init(l, u, ties);
      picks(w, 4).forEach((k, o) => assert.ok(k >= 0 && real(o, k), `${ties}: output ${o} picks entry ${k}`));
    }
    const w = Tensor.from(raw, [1, 1, 1, 4, 4], 'float64');
    op.lowerWeights!.project(w);
    for (let o = 0; o < 4; o++) {
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const v = w.data[o * 4 + k]!;
        assert.ok(v >= 0 && (real(o, k) || v === 0), `output ${o} entry ${k}: ${v}`);
        total += v;
      }
      assert.ok(Math.abs(total - 1) < 1e-12, `output ${o}: weights sum to ${total}`);
    }
  }), { seed: 20261206, numRuns: 100 });
});

test.run();
