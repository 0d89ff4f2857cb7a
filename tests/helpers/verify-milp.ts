// Random ONNX MLPs and the exact minimum of a linear function of their output over a box, as a
// MILP (HiGHS, big-M ReLU encoding with interval bounds): the ground truth of the verify
// soundness tests.
import type { ModelData } from 'highs';
import * as assert from 'uvu/assert';
import { loadLpSolver } from '../../src/train/primal-lp.js';
import { seededRandom } from '../../src/verify/attack.js';
import type { InstanceResult } from '../../src/verify/instance.js';
import type { PlNetwork } from '../../src/verify/network.js';
import type { OnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import { buildModel, weights } from './onnx-models.js';

const solver = await loadLpSolver();

/** An MLP d → hidden… → 2 as ONNX (Gemm + Relu). */
export function randomModel(seed: number, d: number, hidden: number[]): Uint8Array {
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
export function exactMin(net: PlNetwork, lower: Float64Array, upper: Float64Array, c: number[], dd: number): number {
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


/**
 * Checks an answer to "unsafe iff y0 − y1 + dd ≤ 0 on [lower, upper]" against the exact minimum
 * of y0 − y1 + dd: sat needs exact ≤ 0 (to 1e-7) and a counterexample in the box that violates on
 * the ONNX graph; unsat needs exact > 0 (to 1e-7). Counts the answers in `tally`.
 */
export function judge(r: InstanceResult, graph: OnnxGraph, lower: Float64Array, upper: Float64Array, dd: number, exact: number, tally: { sat: number; unsat: number; other: number }): void {
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
}
