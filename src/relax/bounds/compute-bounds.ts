/**
 * `computeBounds`: one entry point for every bound method on any boundable network.
 *
 * - `'dual'`: the Wong–Kolter dual network (src/relax/network.ts; forward columns / backward rows).
 * - `'ibp'`: interval bounds, the last linear layer merged with c.
 * - `'crown'`: back-substitution with CROWN intermediate bounds (adaptive lower slopes, or the
 *   dual's equal slopes with `relaxation: 'same-slope'`).
 * - `'crown-ibp'`: IBP intermediate bounds, last layer by back-substitution (Zhang et al. 2020);
 *   `ibpLower` is the pure IBP bound of the same c.
 * - `'alpha-crown'`: CROWN with optimised lower slopes (Xu et al. 2021), see alpha-crown.ts.
 * The specification is c = e_y − e_j from `labels`, or an explicit c `[B, K, outputs]`;
 * `lower[b][k]` ≤ c_bk · f(x') for every x' in the set.
 * @module
 */
import { reshape } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { DualNetwork } from '../network.js';
import { checkPerturbation, type Perturbation } from '../perturbation.js';
import { labelDifferences } from '../robust-loss.js';
import { alphaCrown, type AlphaOptions } from './alpha-crown.js';
import { compileNetwork } from './compile.js';
import { crownBoxes, safeLines, type BackwardContext } from './crown.js';
import { backSubstituteInChunks } from './row-chunks.js';
import { withoutLabelRows } from './label-rows.js';
import { intervalBounds, intervalSpecification, type Interval } from './ibp.js';
import type { BoundGraph, LowerSlope } from './operators.js';
import type { UnitSelection } from './unit-pairs.js';
import type { DenseSequential } from '../../nn/dense-sequential.js';
import type { Module } from '../../nn/module.js';
import type { Sequential } from '../../nn/sequential.js';

/** The bound methods. */
export type BoundMethod = 'dual' | 'ibp' | 'crown' | 'crown-ibp' | 'alpha-crown';

/** Options of {@link computeBounds}. */
export interface BoundOptions {
  readonly method: BoundMethod;
  /** Labels y → specification c_j = e_y − e_j over all K classes (row y is 0). */
  readonly labels?: ArrayLike<number>;
  /** Or an explicit c `[B, K, outputs]`. */
  readonly specification?: Tensor;
  /** α-CROWN: iterations (default 20), Adam learning rate (default 0.1), seed (default 0), shared slopes across specifications (default false). */
  readonly alpha?: AlphaOptions;
  /** CROWN's lower slopes: 'adaptive' (default, auto_LiRPA's) or 'same-slope' (the dual's triangle). */
  readonly relaxation?: 'adaptive' | 'same-slope';
  /**
   * CROWN's intermediate bounds: the unstable units of the batch's union ('batch', default, as
   * auto_LiRPA 0.4) or of each example ('example': an example's bounds do not depend on its batch,
   * and a trained network's pass is 15–25× cheaper; unit-pairs.ts). α-CROWN always uses 'batch'.
   */
  readonly units?: UnitSelection;
}

/** What {@link computeBounds} returns. */
export interface BoundResult {
  /** `[B, K]` lower bound of c·f(x') over the set, differentiable on the tape. */
  readonly lower: Tensor;
  /** Pre-activation bounds of each element-wise / pooling layer, `[B, ...S]`, in graph order. */
  readonly layers: readonly { readonly name: string; readonly lower: Tensor; readonly upper: Tensor }[];
  /** `'crown-ibp'` only: the pure IBP bound of the same c. */
  readonly ibpLower?: Tensor;
}

/**
 * Bounds of c·f(x') over the perturbation set around X.
 * @throws Error naming the argument: X not a finite batch, dtype mismatch, a bad perturbation,
 *   neither labels nor specification, a specification of the wrong shape, an unknown method.
 */
export function computeBounds(net: Module, X: Tensor, perturbation: Perturbation, options: BoundOptions): BoundResult {
  if (!isChain(net)) throw new Error('computeBounds: net must be a Sequential or DenseSequential');
  checkInputs(net, X, perturbation);
  if (options.method === 'dual') return dualBounds(net, X, perturbation, options);
  const graph = compileNetwork(net, X);
  const c = specificationOf(graph, X, options);
  switch (options.method) {
    case 'ibp': {
      const boxes = intervalBounds(graph, X, perturbation);
      return { lower: intervalSpecification(graph, boxes, c), layers: layerBounds(graph, boxes) };
    }
    case 'crown-ibp': {
      const boxes = intervalBounds(graph, X, perturbation);
      const ctx = context(graph, X, perturbation, boxes, 'adaptive');
      return { lower: specificationBound(c, options, (rows) => backSubstituteInChunks(ctx, graph.nodes.length - 1, rows)), layers: layerBounds(graph, boxes), ibpLower: intervalSpecification(graph, boxes, c) };
    }
    case 'crown': {
      const ctx = context(graph, X, perturbation, [], options.relaxation === 'same-slope' ? 'same' : 'adaptive', options.units);
      const boxes = crownBoxes(ctx);
      return { lower: specificationBound(c, options, (rows) => backSubstituteInChunks(ctx, graph.nodes.length - 1, rows)), layers: layerBounds(graph, boxes) };
    }
    case 'alpha-crown': {
      const ctx = context(graph, X, perturbation, [], 'adaptive');
      const boxes = crownBoxes(ctx);
      return { lower: specificationBound(c, options, (rows) => alphaCrown(ctx, rows, options.alpha ?? {}, net.parameters())), layers: layerBounds(graph, boxes) };
    }
    default: throw new Error(`options.method must be one of 'dual', 'ibp', 'crown', 'crown-ibp', 'alpha-crown', got '${String(options.method)}'`);
  }
}

/** `bound(c)` `[B, K]`; for labels, on the K − 1 rows other than the zero row j = y (0 put back there). */
function specificationBound(c: Tensor, options: BoundOptions, bound: (rows: Tensor) => Tensor): Tensor {
  const reduced = options.specification ? null : withoutLabelRows(c, options.labels ?? []);
  return reduced ? reduced.expand(bound(reduced.rows)) : bound(c);
}

/** A back-substitution context over `boxes` whose element-wise lines use `lower` slopes (cached per node), selecting intermediate units by `units`. */
export function context(graph: BoundGraph, X: Tensor, perturbation: Perturbation, boxes: (Interval | undefined)[], lower: LowerSlope, units: UnitSelection = 'batch'): BackwardContext {
  const cache = new Map<number, ReturnType<typeof safeLines>>();
  return {
    graph, X, perturbation, boxes, units,
    lines(i) { // the same lines for every target
      let lines = cache.get(i);
      if (!lines) {
        const node = graph.nodes[i]!;
        if (node.op.kind !== 'elementwise') throw new Error(`node ${i} is not element-wise`);
        const [l, u] = boxes[node.inputs[0]!]!;
        cache.set(i, (lines = safeLines(node.op, l, u, lower)));
      }
      return lines;
    },
  };
}

/** The input boxes of every element-wise / pooling node, named after the node's op. */
function layerBounds(graph: BoundGraph, boxes: readonly (Interval | undefined)[]): BoundResult['layers'] {
  const out: { name: string; lower: Tensor; upper: Tensor }[] = [];
  graph.nodes.forEach((node) => {
    if (!node || (node.op.kind !== 'elementwise' && node.op.kind !== 'pool')) return;
    const box = boxes[node.inputs[0]!];
    if (box) out.push({ name: node.op.name, lower: box[0], upper: box[1] });
  });
  return out;
}

/** c `[B, K, ...S_out]` from the labels or the explicit specification. */
function specificationOf(graph: BoundGraph, X: Tensor, options: BoundOptions): Tensor {
  const B = X.shape[0]!;
  const outShape = graph.nodes[graph.nodes.length - 1]?.shape ?? graph.inputShape;
  const n = sizeOf(outShape);
  if (options.specification) {
    const c = options.specification;
    if (c.rank < 2 || c.shape[0] !== B || c.size !== B * c.shape[1]! * n) throw new Error(`options.specification must be [${B}, K, ${n}], got [${c.shape.join(', ')}]`);
    return reshape(c.dtype === X.dtype ? c : c.to(X.dtype), [B, c.shape[1]!, ...outShape]);
  }
  if (!options.labels) throw new Error('computeBounds: give options.labels or options.specification');
  return reshape(labelDifferences(options.labels, B, n, X), [B, n, ...outShape]);
}

/** Whether `net` is a chain of layers the engine compiles. */
function isChain(net: Module): net is Sequential | DenseSequential {
  const kind = (net as { kind?: unknown }).kind;
  return kind === 'sequential' || kind === 'denseSequential';
}

function checkInputs(net: Module, X: Tensor, perturbation: Perturbation): void {
  if (X.rank < 2) throw new Error(`computeBounds: X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
  const bad = firstNonFinite(X.data);
  if (bad >= 0) throw new Error(`computeBounds: X must be finite, but element ${bad} is ${X.data[bad]}`);
  if (net.parameters().length > 0 && net.dtype !== X.dtype) throw new Error(`computeBounds: X is ${X.dtype} but the network's parameters are ${net.dtype}`);
  checkPerturbation(perturbation, X);
}

/** The index of the first NaN or ±∞ entry, or −1 (a plain loop: `findIndex` with a callback cost ~1 ms per call at batch 50). */
function firstNonFinite(d: ArrayLike<number>): number {
  for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k]!)) return k;
  return -1;
}

/** The Wong–Kolter dual network's J(c) and ReLU input bounds. */
function dualBounds(net: Sequential | DenseSequential, X: Tensor, p: Perturbation, options: BoundOptions): BoundResult {
  const dual = new DualNetwork(net, X, p.epsilon, {
    norm: p.norm, bounded: p.box !== undefined, inputLower: p.box?.lower, inputUpper: p.box?.upper, projection: p.projection,
  });
  const K = sizeOf(dual.shapes[dual.shapes.length - 1]!);
  const B = X.shape[0]!;
  const c = options.specification ?? labelDifferences(options.labels ?? missingLabels(), B, K, X);
  const layers = dual.reluBounds().map((b, i) => ({ name: `relu ${i}`, ...b }));
  return { lower: dual.objective(c), layers };
}

function missingLabels(): never {
  throw new Error('computeBounds: give options.labels or options.specification');
}
