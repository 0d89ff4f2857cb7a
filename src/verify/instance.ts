/**
 * Verification of one VNN-COMP instance (network, property, time limit), cheapest first:
 *
 * 1. counterexample search: PGD with restarts on each input box (a short share of the time);
 * 2. incomplete bounds: one pass of forward symbolic (CROWN-style) bounds per box;
 * 3. branch and bound until the deadline: input splitting when the input has at most
 *    {@link INPUT_SPLIT_MAX_DIM} dimensions, ReLU splitting with the splits in the bound
 *    (β-CROWN style, `relu-bab.ts`) for larger inputs.
 *
 * Graphs that are not densified (convolutional image networks, MaxPool, over 3·10⁷ densified
 * weights) are searched and bounded on the operator network instead (PGD, CROWN, α-CROWN).
 * Graphs with neither network (e.g. Sigmoid) get a random search on the ONNX graph.
 *
 * `sat` is only said after the candidate, clipped into its box, satisfies an unsafe conjunction
 * on a plain float64 forward pass of the ONNX graph itself (not the densified network); `unsat`
 * only when every box is excluded by bounds that clear the float64 rounding margin.
 * @module
 */
import { pgdSearch, seededRandom } from './attack.js';
import { inputSplitBab } from './bab.js';
import { reluSplitBab } from './relu-bab.js';
import type { OnnxGraph } from './onnx/graph.js';
import { evaluate } from './onnx/interpret.js';
import type { PlNetwork } from './network.js';
import type { OperatorNetwork } from './onnx/to-network.js';
import { operatorPhase } from './onnx/verify-ops.js';
import { rowValues, satisfiedConjunction, specNetwork, stackRows } from './spec.js';
import type { VnnProperty } from './vnnlib.js';

/** Input dimensions up to which branch and bound splits the input box. */
export const INPUT_SPLIT_MAX_DIM = 16;

/** A verification answer (`error` is added by the runner for instances that cannot be loaded). */
export type Answer = 'sat' | 'unsat' | 'unknown' | 'timeout';

/** The outcome of one instance. */
export interface InstanceResult {
  readonly result: Answer;
  /** For `sat`: the input and the float64 output of the ONNX graph at it. */
  readonly counterexample?: { readonly x: Float64Array; readonly y: Float64Array };
  /** One line on how the answer was reached. */
  readonly detail: string;
}

/** Options of {@link verifyInstance}. */
export interface VerifyOptions {
  readonly timeoutSeconds: number;
  readonly seed?: number;
  /** Start time (ms since epoch) the timeout counts from (default: now). */
  readonly start?: number;
}

/** Re-checks a candidate on the ONNX graph in float64; returns the counterexample or undefined. */
export function confirmCounterexample(graph: OnnxGraph, property: VnnProperty, part: number, candidate: ArrayLike<number>): { x: Float64Array; y: Float64Array } | undefined {
  const p = property.parts[part]!;
  const x = Float64Array.from(candidate, (v, j) => Math.min(p.upper[j]!, Math.max(p.lower[j]!, v)));
  const y = evaluate(graph, x);
  if (y.length !== property.outputs || y.some((v) => !Number.isFinite(v))) return undefined;
  const stacked = stackRows(p.conjunctions);
  return satisfiedConjunction(rowValues(y, stacked.rows), stacked) >= 0 ? { x, y } : undefined;
}

/** Without a bound engine: random points of each box (centre first) on the ONNX graph itself. */
function sampleOnly(graph: OnnxGraph, property: VnnProperty, deadline: number, seed: number): InstanceResult {
  const rand = seededRandom(seed);
  let tried = 0;
  for (; Date.now() < deadline || tried === 0; tried++) {
    const part = tried % property.parts.length;
    const p = property.parts[part]!;
    const x = Float64Array.from(p.lower, (l, j) => (tried < property.parts.length ? (l + p.upper[j]!) / 2 : l + rand() * (p.upper[j]! - l)));
    const cex = confirmCounterexample(graph, property, part, x);
    if (cex) return { result: 'sat', counterexample: cex, detail: `random search, ${tried + 1} points` };
  }
  return { result: 'unknown', detail: `no bound engine for this graph; ${tried} random points found no counterexample` };
}

/**
 * Verifies `property` on the network. `net` is the densified network (undefined when the graph
 * cannot or should not be densified); `operators` the graph as a network of the bound engine's
 * operators (`onnx/to-network.ts`), searched by PGD and bounded by CROWN / α-CROWN when there is
 * no densified network. With neither, only the counterexample search runs.
 */
export function verifyInstance(graph: OnnxGraph, net: PlNetwork | undefined, property: VnnProperty, o: VerifyOptions, operators?: OperatorNetwork): InstanceResult {
  const start = o.start ?? Date.now();
  const deadline = start + o.timeoutSeconds * 1000;
  if (net && net.inputSize !== property.inputs) throw new Error(`the property declares ${property.inputs} inputs, the network has ${net.inputSize}`);
  const specs = net ? property.parts.map((p) => specNetwork(net, stackRows(p.conjunctions).rows)) : [];
  const attackDeadline = Math.min(deadline, Date.now() + Math.max(200, 0.05 * o.timeoutSeconds * 1000));
  for (const [i, p] of property.parts.entries()) {
    const stacked = stackRows(p.conjunctions);
    const found = specs[i] && pgdSearch(specs[i], stacked, p.lower, p.upper, { restarts: 20, steps: 30, seed: (o.seed ?? 0) + i, deadline: attackDeadline });
    const cex = found && confirmCounterexample(graph, property, i, found);
    if (cex) return { result: 'sat', counterexample: cex, detail: 'PGD' };
  }
  if (operators && !net) {
    const phase = operatorPhase(operators, property, {
      seed: o.seed ?? 0, attackDeadline, boundDeadline: deadline,
      searchDeadline: () => Math.min(deadline, Date.now() + 0.2 * o.timeoutSeconds * 1000),
      confirm: (part, x) => confirmCounterexample(graph, property, part, x),
    });
    if (phase.counterexample) return { result: 'sat', counterexample: phase.counterexample, detail: phase.detail };
    if (phase.proven.size === property.parts.length) return { result: 'unsat', detail: phase.detail };
    return { result: Date.now() > deadline ? 'timeout' : 'unknown', detail: phase.detail };
  }
  if (!net) return sampleOnly(graph, property, Math.min(deadline, Date.now() + 0.2 * o.timeoutSeconds * 1000), o.seed ?? 0);
  let open = 0;
  let boxes = 0;
  let timedOut = false;
  for (const [i, p] of property.parts.entries()) {
    const stacked = stackRows(p.conjunctions);
    let outcome = property.inputs <= INPUT_SPLIT_MAX_DIM
      ? inputSplitBab(specs[i]!, stacked, p.lower, p.upper, deadline)
      : reluSplitBab(specs[i]!, stacked, p.lower, p.upper, deadline, { seed: (o.seed ?? 0) + i });
    while (outcome.kind === 'candidate') {
      const cex = confirmCounterexample(graph, property, i, outcome.x);
      if (cex) return { result: 'sat', counterexample: cex, detail: `branch and bound, ${boxes + outcome.boxes} boxes` };
      outcome = { kind: 'unknown', boxes: outcome.boxes, open: 1 };
    }
    boxes += outcome.boxes;
    if (outcome.kind === 'unsat') continue;
    open += outcome.open;
    timedOut ||= outcome.kind === 'timeout' && Date.now() > deadline;
  }
  if (open === 0) return { result: 'unsat', detail: `branch and bound, ${boxes} boxes` };
  return { result: timedOut ? 'timeout' : 'unknown', detail: `${open} boxes left open after ${boxes}` };
}
