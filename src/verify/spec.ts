/**
 * The output specification folded into the network: for rows c_r·y + d_r ≤ 0 (the unsafe
 * conjunctions of a VNN-LIB part), the last affine stage y = Σ W x_s + b becomes
 * r = Σ (C W) x_s + (C b + d), exact, so every bound is a bound of the rows themselves
 * (tighter than bounding y and combining, as CROWN does with its specification matrix).
 * @module
 */
import type { PlNetwork } from './network.js';
import type { OutputRow } from './vnnlib.js';

/** Rows of all conjunctions stacked, with the conjunction of each row. */
export interface StackedRows {
  readonly rows: readonly OutputRow[];
  /** conjunctionOf[r] = k. */
  readonly conjunctionOf: Int32Array;
  /** rowsOf[k] = the row indices of conjunction k. */
  readonly rowsOf: readonly number[][];
}

/** Stacks the rows of the conjunctions of one part. */
export function stackRows(conjunctions: readonly (readonly OutputRow[])[]): StackedRows {
  const rows: OutputRow[] = [];
  const owner: number[] = [];
  const rowsOf = conjunctions.map((conj, k) => conj.map((row) => {
    rows.push(row);
    owner.push(k);
    return rows.length - 1;
  }));
  return { rows, conjunctionOf: Int32Array.from(owner), rowsOf };
}

/** The network whose outputs are the rows c_r·f(x) + d_r. */
export function specNetwork(net: PlNetwork, rows: readonly OutputRow[]): PlNetwork {
  const last = net.stages[net.stages.length - 1]!;
  const outputs = last.size;
  if (rows.some((r) => r.c.length !== outputs)) throw new Error(`the property constrains ${rows[0]?.c.length} outputs, the network has ${outputs}`);
  const terms = last.terms.map((term) => {
    const m = term.weight.length / outputs;
    const w = new Float64Array(rows.length * m);
    rows.forEach((row, r) => {
      for (let i = 0; i < outputs; i++) {
        const c = row.c[i]!;
        if (c === 0) continue;
        for (let j = 0; j < m; j++) w[r * m + j]! += c * term.weight[i * m + j]!;
      }
    });
    return { source: term.source, weight: w };
  });
  const bias = Float64Array.from(rows, (row) => row.c.reduce((s, c, i) => s + c * last.bias[i]!, row.d));
  return { inputSize: net.inputSize, stages: [...net.stages.slice(0, -1), { size: rows.length, terms, bias }] };
}

/** The conjunction (index) that all rows' values satisfy (≤ 0), or -1. */
export function satisfiedConjunction(values: ArrayLike<number>, stacked: StackedRows): number {
  return stacked.rowsOf.findIndex((rs) => rs.every((r) => values[r]! <= 0));
}

/** Row values c_r·y + d_r for an output y. */
export function rowValues(y: ArrayLike<number>, rows: readonly OutputRow[]): Float64Array {
  return Float64Array.from(rows, (row) => row.c.reduce((s, c, i) => s + c * y[i]!, row.d));
}
