/**
 * Interval bound propagation (IBP, Gowal et al. 2018, eq. 6): boxes [l, u] pushed through each
 * operator. Linear: centre m = (l+u)/2 and radius r = (u−l)/2 give A m + b ± |A| r; element-wise
 * (monotone): [σ(l), σ(u)]; MaxPool: [max l, max u]; Add: sums. For the specification c the last
 * linear layer is merged with c first (W' = cᵀW, b' = cᵀb; Gowal et al. §3, as auto_LiRPA), which
 * is tighter than bounding the logits and then c.
 * @module
 */
import { add, clamp, intervalAffine, intervalCentre, intervalRows, matmul, mul, reshape, sub } from '../../autograd/index.js';
import { assertNever } from '../../nn/layer.js';
import type { Tensor } from '../../tensor/tensor.js';
import { inputBox, type Perturbation } from '../perturbation.js';
import { biasDot, type BoundGraph, type LinearOp } from './operators.js';

/** A box `[lower, upper]`, each `[B, ...S]`. */
export type Interval = readonly [Tensor, Tensor];

/** The interval of one node from the intervals of its inputs. */
export function intervalStep(graph: BoundGraph, i: number, boxes: readonly (Interval | undefined)[]): Interval {
  const node = graph.nodes[i]!;
  const inputs = node.inputs.map((j) => boxes[j]!);
  const op = node.op;
  switch (op.kind) {
    case 'linear': return linearInterval(op, inputs[0]!);
    case 'elementwise': return [op.forward(inputs[0]![0]), op.forward(inputs[0]![1])];
    case 'pool': return op.interval(inputs[0]![0], inputs[0]![1]);
    case 'add': return [inputs.map((b) => b[0]).reduce((a, b) => add(a, b)), inputs.map((b) => b[1]).reduce((a, b) => add(a, b))];
    default: return assertNever(op, 'bound operator');
  }
}

/**
 * A m + b ± |A| r: one fused op where the operator declares its map, else composed. A reshape
 * (A = I, no bias) passes [l, u] through as views: exact, where m ± r would round.
 */
function linearInterval(op: LinearOp, [l, u]: Interval): Interval {
  const map = op.intervalMap;
  if (map?.kind === 'reshape' && !op.bias) return [reshape(l, [l.shape[0]!, ...map.outShape]), reshape(u, [u.shape[0]!, ...map.outShape])];
  if (map) return intervalAffine(l, u, map, op.bias);
  const [m, r] = intervalCentre(l, u);
  const centre = op.apply(m);
  const radius = op.applyAbs(r);
  const mid = op.bias ? add(centre, op.bias) : centre;
  return [sub(mid, radius), add(mid, radius)];
}

/** Intervals of every node: node 0 is the set's box, a linear layer on an l2 ball its {@link ballInterval}. */
export function intervalBounds(graph: BoundGraph, X: Tensor, perturbation: Perturbation): Interval[] {
  const boxes: Interval[] = [inputBox(perturbation, X)];
  for (let i = 1; i < graph.nodes.length; i++) boxes.push(ballInterval(graph, i, X, perturbation) ?? intervalStep(graph, i, boxes));
  return boxes;
}

/**
 * A linear layer applied to the l2 ball itself: A x + b ± ε ρ, where ρ is the op's declared row
 * norm (`ballRadius`, as auto_LiRPA's interval step on a perturbed input). Null when it does not
 * apply (another norm, not on the input, a per-example or per-element ε, no declaration).
 */
export function ballInterval(graph: BoundGraph, i: number, X: Tensor, p: Perturbation): Interval | null {
  const node = graph.nodes[i]!;
  if (p.norm !== 'l2' || node.inputs[0] !== 0 || node.op.kind !== 'linear' || !node.op.l2RowNorms) return null;
  const eps = typeof p.epsilon === 'number' ? p.epsilon : p.epsilon.rank === 0 ? p.epsilon.item() : null;
  if (eps === null) return null;
  const op = node.op;
  const centre = op.bias ? add(op.apply(X), op.bias) : op.apply(X);
  const radius = mul(op.l2RowNorms!(), eps);
  return [sub(centre, radius), add(centre, radius)];
}

/**
 * min of c·f over the boxes, `[B, K]` for c `[B, K, ...S_out]`: when the output node is linear,
 * over its input box with A' = cᵀA (merged; one `intervalRows` op); otherwise c⁺·l + c⁻·u on the output box.
 */
export function intervalSpecification(graph: BoundGraph, boxes: readonly Interval[], c: Tensor): Tensor {
  const last = graph.nodes.length - 1;
  const node = graph.nodes[last]!;
  const [B, K] = c.shape as [number, number];
  if (node.op.kind === 'linear') {
    const op = node.op;
    const rows = reshape(op.adjoint(reshape(c, [B * K, ...op.outShape])), [B, K, -1]);
    const [l, u] = boxes[node.inputs[0]!]!;
    const [m, r] = intervalCentre(l, u);
    const value = intervalRows(rows, reshape(m, [B, -1]), reshape(r, [B, -1]));
    return op.bias ? add(value, reshape(biasDot(reshape(c, [B, K, -1]), op), [B, K])) : value;
  }
  const [l, u] = boxes[last]!;
  const flat = reshape(c, [B, K, -1]);
  const low = matmul(clamp(flat, 0), reshape(l, [B, -1, 1]));
  const high = matmul(clamp(flat, -Infinity, 0), reshape(u, [B, -1, 1]));
  return reshape(add(low, high), [B, K]);
}
