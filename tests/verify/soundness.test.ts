// Soundness of `verifyInstance` against an exact MILP (HiGHS, big-M ReLU encoding) on random tiny
// ONNX networks and properties: never a wrong sat or unsat, and every counterexample is inside
// the box and satisfies the property on the ONNX graph's forward pass. Thresholds are drawn near
// the sampled minimum, so both answers occur (the test counts them).
import fc from 'fast-check';
import type { ModelData } from 'highs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadLpSolver } from '../../src/train/primal-lp.js';
import { seededRandom } from '../../src/verify/attack.js';
import { verifyInstance } from '../../src/verify/instance.js';
import { extractNetwork, forwardPl, type PlNetwork } from '../../src/verify/network.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import type { VnnProperty } from '../../src/verify/vnnlib.js';
import { buildModel, weights } from '../helpers/onnx-models.js';

const solver = await loadLpSolver();

/** An MLP d → hidden… → 2 as ONNX (Gemm + Relu). */
function randomModel(seed: number, d: number, hidden: number[]): Uint8Array {
  const rand = seededRandom(seed);
  const sizes = [d, ...hidden, 2];
  const nodes = [];
  const inits: Record<string, { dims: number[]; values: number[] }> = {};
  let prev = 'x';
  for (let k = 0; k + 1 < sizes.length; k++) {
    inits[`w${k}`] = weights(rand, [sizes[k + 1]!, sizes[k]!], 1);
    inits[`b${k}`] = weights(rand, [sizes[k + 1]!], 0.5);
    const last = k + 2 === sizes.length;
    nodes.push({ op: 'Gemm', inputs: [prev, `w${k}`, `b${k}`], output: last ? 'y' : `z${k}`, attrs: { transB: 1 } });
    if (!last) nodes.push({ op: 'Relu', inputs: [`z${k}`], output: `r${k}` });
    prev = `r${k}`;
  }
  return buildModel([1, d], nodes, inits);
}

/** Exact min over the box of c·f(x) + dd, as a MILP with interval big-M bounds. */
function exactMin(net: PlNetwork, lower: Float64Array, upper: Float64Array, c: number[], dd: number): number {
  const colLower = [...lower];
  const colUpper = [...upper];
  const integrality: (0 | 1)[] = Array.from(lower, () => 0 as const);
  const rows: { idx: number[]; val: number[]; lo: number; hi: number }[] = [];
  let src = Array.from(lower, (_, j) => j);
  let lo = Array.from(lower);
  let hi = Array.from(upper);
  const inf = solver.infinity;
  const col = (l: number, u: number, int: 0 | 1): number => { colLower.push(l); colUpper.push(u); integrality.push(int); return colLower.length - 1; };
  net.stages.forEach((stage, k) => {
    const W = stage.terms[0]!.weight;
    const m = src.length;
    const zl: number[] = [];
    const zh: number[] = [];
    const zc = Array.from({ length: stage.size }, (_, i) => {
      let l = stage.bias[i]!;
      let h = stage.bias[i]!;
      for (let j = 0; j < m; j++) { const w = W[i * m + j]!; l += Math.min(w * lo[j]!, w * hi[j]!); h += Math.max(w * lo[j]!, w * hi[j]!); }
      zl.push(l); zh.push(h);
      const z = col(-inf, inf, 0);
      rows.push({ idx: [z, ...src], val: [1, ...Array.from({ length: m }, (_, j) => -W[i * m + j]!)], lo: stage.bias[i]!, hi: stage.bias[i]! });
      return z;
    });
    if (k === net.stages.length - 1) { src = zc; return; }
    src = zc.map((z, i) => {
      const l = zl[i]!; const h = zh[i]!;
      if (h <= 0) return col(0, 0, 0);
      const y = col(Math.max(0, l), Math.max(0, h), 0);
      if (l >= 0) { rows.push({ idx: [y, z], val: [1, -1], lo: 0, hi: 0 }); return y; }
      const a = col(0, 1, 1);
      rows.push({ idx: [y, z], val: [1, -1], lo: 0, hi: inf });
      rows.push({ idx: [y, a], val: [1, -h], lo: -inf, hi: 0 });
      rows.push({ idx: [y, z, a], val: [1, -1, -l], lo: -inf, hi: -l });
      return y;
    });
    lo = zl.map((v) => Math.max(0, v));
    hi = zh.map((v) => Math.max(0, v));
  });
  const n = colLower.length;
  const cost = new Array<number>(n).fill(0);
  src.forEach((z, i) => { cost[z] = c[i]!; });
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of rows) { indices.push(...r.idx); values.push(...r.val); starts.push(indices.length); }
  const model: ModelData = { numCols: n, numRows: rows.length, colCost: cost, colLower, colUpper, rowLower: rows.map((r) => r.lo), rowUpper: rows.map((r) => r.hi), integrality, matrix: { format: 'csr', numRows: rows.length, numCols: n, starts, indices, values } };
  return solver.withModel(model, (m) => {
    m.options.set({ output_flag: false, mip_rel_gap: 0, mip_abs_gap: 1e-12, primal_feasibility_tolerance: 1e-9 });
    m.run();
    return m.getObjectiveValue() + dd;
  });
}

test('verify agrees with the exact MILP on random tiny networks; counterexamples are valid', () => {
  const tally = { sat: 0, unsat: 0, other: 0 };
  fc.assert(fc.property(fc.record({
    seed: fc.integer({ min: 0, max: 1e6 }), d: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 2 }), percent: fc.integer({ min: -25, max: 8 }),
  }), ({ seed, d, hidden, percent }) => {
    const graph = loadOnnxGraph(randomModel(seed, d, hidden));
    const net = extractNetwork(graph);
    const rand = seededRandom(seed + 1);
    const lower = Float64Array.from({ length: d }, () => -1 + rand());
    const upper = Float64Array.from(lower, (l) => l + 0.2 + rand());
    const c = [1, -1];
    const samples = Array.from({ length: 200 }, () => { const y = forwardPl(net, lower.map((l, j) => l + rand() * (upper[j]! - l))).output; return y[0]! - y[1]!; });
    const smin = Math.min(...samples);
    const smax = Math.max(...samples);
    const dd = -(smin + (percent / 100) * (smax - smin)); // unsafe iff y0 - y1 + dd <= 0
    const property: VnnProperty = { inputs: d, outputs: 2, parts: [{ lower, upper, conjunctions: [[{ c: Float64Array.from(c), d: dd }]] }] };
    const r = verifyInstance(graph, net, property, { timeoutSeconds: 2, seed });
    const exact = exactMin(net, lower, upper, c, dd);
    if (r.result === 'sat') {
      tally.sat++;
      assert.ok(exact <= 1e-7, `sat but the exact minimum is ${exact}`);
      const x = r.counterexample!.x;
      x.forEach((v, j) => assert.ok(v >= lower[j]! && v <= upper[j]!, 'counterexample outside the box'));
      const y = evaluate(graph, x);
      assert.ok(y[0]! - y[1]! + dd <= 0, 'counterexample does not violate the property');
    } else if (r.result === 'unsat') {
      tally.unsat++;
      assert.ok(exact > -1e-7, `unsat but the exact minimum is ${exact}`);
    } else tally.other++;
  }), { seed: 11, numRuns: 30 });
  assert.ok(tally.sat >= 5 && tally.unsat >= 5, `both answers must occur: ${JSON.stringify(tally)}`);
});

test.run();
