// ReLU-splitting branch and bound (inputs above the input-splitting threshold) against the exact
// MILP (HiGHS): never a wrong sat/unsat on random networks with 20-40 inputs, counterexamples
// valid on the ONNX graph; a property the first bound pass cannot prove that the search proves
// (and does not prove when stopped after the root); the deadline is honoured on a hard instance;
// the root's alpha-optimised intermediate ranges are tighter and still contain sampled values.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/verify/attack.js';
import { INPUT_SPLIT_MAX_DIM, verifyInstance } from '../../src/verify/instance.js';
import { extractNetwork, forwardPl, type PlNetwork } from '../../src/verify/network.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import { reluSplitBab } from '../../src/verify/relu-bab.js';
import { optimiseRanges } from '../../src/verify/relu-ranges.js';
import { specNetwork, stackRows } from '../../src/verify/spec.js';
import { boundRows } from '../../src/verify/symbolic.js';
import type { VnnProperty } from '../../src/verify/vnnlib.js';
import { exactMin, judge, randomModel } from '../helpers/verify-milp.js';

/** A box of half-width `radius` around a random point, and sampled extremes of y0 − y1 on it. */
function region(net: PlNetwork, seed: number, d: number, radius: number): { lower: Float64Array; upper: Float64Array; smin: number; smax: number } {
  const rand = seededRandom(seed);
  const centre = Float64Array.from({ length: d }, () => 2 * rand() - 1);
  const lower = centre.map((c) => c - radius);
  const upper = centre.map((c) => c + radius);
  const values = Array.from({ length: 300 }, () => {
    const y = forwardPl(net, lower.map((l, j) => l + rand() * (upper[j]! - l))).output;
    return y[0]! - y[1]!;
  });
  return { lower, upper, smin: Math.min(...values), smax: Math.max(...values) };
}

/** The one-row property: unsafe iff y0 − y1 + dd ≤ 0 on the box. */
function property(d: number, lower: Float64Array, upper: Float64Array, dd: number): VnnProperty {
  return { inputs: d, outputs: 2, parts: [{ lower, upper, conjunctions: [[{ c: Float64Array.from([1, -1]), d: dd }]] }] };
}

test('ReLU-split verify agrees with the exact MILP on random networks with 20-40 inputs', () => {
  const tally = { sat: 0, unsat: 0, other: 0 };
  fc.assert(fc.property(fc.record({
    seed: fc.integer({ min: 0, max: 1e6 }), d: fc.integer({ min: 20, max: 40 }),
    hidden: fc.array(fc.integer({ min: 6, max: 12 }), { minLength: 1, maxLength: 2 }), percent: fc.integer({ min: -30, max: 30 }),
  }), ({ seed, d, hidden, percent }) => {
    assert.ok(d > INPUT_SPLIT_MAX_DIM);
    const graph = loadOnnxGraph(randomModel(seed, d, hidden));
    const net = extractNetwork(graph);
    const { lower, upper, smin, smax } = region(net, seed + 1, d, 0.05);
    // the threshold is placed around the exact minimum (±30 % of the sampled spread), so both answers occur
    const dd = -(exactMin(net, lower, upper, [1, -1], 0) + (percent / 100) * (smax - smin));
    const r = verifyInstance(graph, net, property(d, lower, upper, dd), { timeoutSeconds: 3, seed });
    const exact = exactMin(net, lower, upper, [1, -1], dd);
    judge(r, graph, lower, upper, dd, exact, tally);
  }), { seed: 5, numRuns: 25 });
  assert.ok(tally.sat >= 4 && tally.unsat >= 4, `both answers must occur: ${JSON.stringify(tally)}`);
});

/** A random net and a threshold that puts the row's exact minimum at 30 % of the root bound's gap above 0. */
function gapInstance(seed: number): { net: PlNetwork; lower: Float64Array; upper: Float64Array; dd: number; rootLower: number } | undefined {
  const d = 30;
  const net = extractNetwork(loadOnnxGraph(randomModel(seed, d, [12, 12])));
  const { lower, upper } = region(net, seed + 1, d, 0.08);
  const exact = exactMin(net, lower, upper, [1, -1], 0);
  const root = boundRows(specNetwork(net, [{ c: Float64Array.from([1, -1]), d: 0 }]), lower, upper).lower[0]!;
  if (!(exact - root > 0.05)) return undefined;
  const dd = -exact + 0.3 * (exact - root);
  return { net, lower, upper, dd, rootLower: root + dd };
}

test('a property the first bound pass cannot prove is proved by ReLU splitting (and not by the root alone)', () => {
  let checked = 0;
  const passes: number[] = [];
  for (let seed = 1; seed < 40 && checked < 4; seed++) {
    const g = gapInstance(seed);
    if (!g) continue;
    checked++;
    const stacked = stackRows([[{ c: Float64Array.from([1, -1]), d: g.dd }]]);
    const spec = specNetwork(g.net, stacked.rows);
    assert.ok(g.rootLower < 0, 'the root bound must be inconclusive');
    const rootOnly = reluSplitBab(spec, stacked, g.lower, g.upper, Date.now() + 10_000, { maxPasses: 2, rootIterations: 0, rangeIterations: 0 });
    assert.is(rootOnly.kind, 'unknown', `seed ${seed}: the root alone (no splits) must not decide`);
    const full = reluSplitBab(spec, stacked, g.lower, g.upper, Date.now() + 20_000);
    assert.is(full.kind, 'unsat', `seed ${seed}: ${JSON.stringify(full)}`);
    passes.push(full.boxes);
  }
  assert.ok(checked >= 3, `too few instances with a gap: ${checked}`);
  assert.ok(passes.some((p) => p > 2), `some proof must need splits, not only the optimised root: ${passes}`);
});

test('the deadline is honoured on a hard instance', () => {
  const d = 50;
  const net = extractNetwork(loadOnnxGraph(randomModel(7, d, [40, 40, 40])));
  const { lower, upper, smin, smax } = region(net, 8, d, 0.3);
  // unsafe iff y0 − y1 ≤ smin − (smax − smin): far below every sampled value, far above the root bound
  const stacked = stackRows([[{ c: Float64Array.from([1, -1]), d: -smin + (smax - smin) }]]);
  const spec = specNetwork(net, stacked.rows);
  assert.ok(boundRows(spec, lower, upper).lower[0]! < -(smax - smin), 'the root bound must be far from proof');
  const start = Date.now();
  const r = reluSplitBab(spec, stacked, lower, upper, start + 500);
  const elapsed = Date.now() - start;
  assert.is(r.kind, 'timeout', 'the instance is meant to be too hard for 500 ms');
  assert.ok(elapsed < 500 + 1500, `took ${elapsed} ms on a 500 ms deadline`);
});

test('alpha-optimised intermediate ranges are inside the CROWN ranges, tighter somewhere, and contain sampled pre-activations', () => {
  const d = 30;
  const net = extractNetwork(loadOnnxGraph(randomModel(3, d, [16, 16, 16])));
  const { lower, upper } = region(net, 4, d, 0.15);
  const crown = boundRows(net, lower, upper).ranges;
  const ranges = crown.map((r) => ({ lo: Float64Array.from(r.lo), hi: Float64Array.from(r.hi) }));
  assert.ok(optimiseRanges(net, lower, upper, ranges, 20, Date.now() + 20_000) >= 1);
  let tighter = 0;
  ranges.forEach((r, k) => r.lo.forEach((lo, i) => {
    assert.ok(lo >= crown[k]!.lo[i]! && r.hi[i]! <= crown[k]!.hi[i]!, `layer ${k} unit ${i} widened`);
    if (lo > crown[k]!.lo[i]! + 1e-9 || r.hi[i]! < crown[k]!.hi[i]! - 1e-9) tighter++;
  }));
  assert.ok(tighter > 0, 'no range got tighter');
  const rand = seededRandom(5);
  for (let s = 0; s < 300; s++) {
    const x = lower.map((l, j) => (s < 100 ? (rand() < 0.5 ? l : upper[j]!) : l + rand() * (upper[j]! - l)));
    forwardPl(net, x).pre.slice(0, -1).forEach((z, k) => z.forEach((v, i) => {
      assert.ok(v >= ranges[k]!.lo[i]! - 1e-9 && v <= ranges[k]!.hi[i]! + 1e-9, `sample outside layer ${k} unit ${i}`);
    }));
  }
});

test.run();
