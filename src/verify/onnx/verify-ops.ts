/**
 * The operator-network phase of one instance (`../instance.ts`) for graphs that are not
 * densified: PGD on the operator network, then per input box CROWN and α-CROWN bounds of the
 * property rows (`bound.ts`). A box is excluded when every unsafe conjunction has a row proven
 * positive; boxes left open get more random-start PGD until the search deadline. Candidates are
 * re-checked by the caller's `confirm` (the ONNX graph's float64 forward pass) before `sat` is said.
 * @module
 */
import { stackRows } from '../spec.js';
import type { VnnProperty } from '../vnnlib.js';
import { pgdOperators } from './attack.js';
import { boundRows } from './bound.js';
import type { OperatorNetwork } from './to-network.js';

/** A confirmed counterexample. */
export interface Counterexample { readonly x: Float64Array; readonly y: Float64Array }

/** Options of {@link operatorPhase}. */
export interface OperatorPhaseOptions {
  readonly seed: number;
  readonly attackDeadline: number;
  /** α-CROWN is only started while it can finish before this (ms since epoch). */
  readonly boundDeadline: number;
  /** When the bounds leave a box open: random-start PGD on the open boxes until this (ms since epoch). */
  readonly searchDeadline: () => number;
  /** Re-checks a candidate of part `part` on the ONNX graph. */
  readonly confirm: (part: number, x: Float64Array) => Counterexample | undefined;
}

/** What the phase found: a counterexample, or the parts (input boxes) proven safe. */
export interface OperatorPhase {
  readonly counterexample?: Counterexample;
  readonly proven: ReadonlySet<number>;
  readonly detail: string;
}

/** PGD, then CROWN / α-CROWN on every part, then PGD on the open parts. */
export function operatorPhase(net: OperatorNetwork, property: VnnProperty, o: OperatorPhaseOptions): OperatorPhase {
  if (net.inputSize !== property.inputs) throw new Error(`the property declares ${property.inputs} inputs, the network has ${net.inputSize}`);
  for (const [i, p] of property.parts.entries()) {
    const found = pgdOperators(net, stackRows(p.conjunctions), p.lower, p.upper, { restarts: 16, steps: 20, seed: o.seed + i, deadline: o.attackDeadline });
    const cex = found && o.confirm(i, found);
    if (cex) return { counterexample: cex, proven: new Set(), detail: 'PGD on the operator network' };
  }
  const proven = new Set<number>();
  const methods = new Set<string>();
  for (const [i, p] of property.parts.entries()) {
    const stacked = stackRows(p.conjunctions);
    const bounds = boundRows(net, p.lower, p.upper, stacked.rows, { deadline: o.boundDeadline });
    methods.add(bounds.method === 'crown' ? 'CROWN' : 'alpha-CROWN');
    if (stacked.rowsOf.every((rows) => rows.some((r) => bounds.proven[r]))) proven.add(i);
  }
  const how = [...methods].join(' / ');
  const detail = `${how} on the operator network: ${proven.size} of ${property.parts.length} input boxes proven`;
  const cex = proven.size < property.parts.length ? searchOpen(net, property, proven, o) : undefined;
  return cex ? { counterexample: cex, proven, detail: `${detail}; then PGD found a counterexample` } : { proven, detail };
}

/** Random-start PGD over the boxes the bounds left open, round-robin until the search deadline. */
function searchOpen(net: OperatorNetwork, property: VnnProperty, proven: ReadonlySet<number>, o: OperatorPhaseOptions): Counterexample | undefined {
  const open = property.parts.map((_, i) => i).filter((i) => !proven.has(i));
  const until = o.searchDeadline();
  for (let round = 0; Date.now() < until; round++) {
    const i = open[round % open.length]!;
    const p = property.parts[i]!;
    const found = pgdOperators(net, stackRows(p.conjunctions), p.lower, p.upper, { restarts: 8, steps: 30, seed: o.seed + 1000 * (round + 1) + i, deadline: until, centreFirst: false });
    const cex = found && o.confirm(i, found);
    if (cex) return cex;
  }
  return undefined;
}
