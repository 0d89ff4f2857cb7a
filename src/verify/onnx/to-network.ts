/**
 * An ONNX graph as a network of the bound engine's operators (`src/relax/bounds`): a
 * {@link BoundGraph} whose nodes are Linear / Conv2d / AvgPool2d / MaxPool2d / ReLU / Add and the
 * glue ops of `bound-ops.ts`, so CROWN and α-CROWN bound convolutional, pooling and residual
 * networks without densifying them (network.ts reads every affine piece off with unit vectors).
 *
 * Values of the ONNX graph that depend on the input become nodes; the others are constants
 * (weights, shapes). Per-example shapes drop a leading batch axis of 1 (`[1, C, H, W]` → `[C, H, W]`).
 * Ops without a counterpart (Sigmoid, Tanh, a grouped or dilated Conv, an asymmetric pool, ...)
 * throw one line naming the node and op: the caller then keeps the densified path.
 * The converted network is checked against the float64 interpreter at two points.
 * @module
 */
import { noGrad } from '../../autograd/index.js';
import { evaluate as evaluateOp, type BoundGraph, type BoundOp, type GraphNode as BoundNode } from '../../relax/bounds/index.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { reshapeOp } from './bound-ops.js';
import type { GraphNode, OnnxGraph } from './graph.js';
import { evaluateAll, type Values } from './interpret.js';
import { nd } from './ndarray.js';
import { translateLayer } from './to-layer.js';

/** A network of bound operators read from an ONNX graph; its last node is the flat output `[K]`. */
export interface OperatorNetwork {
  readonly graph: BoundGraph;
  /** Per-example input shape (the ONNX input shape without a leading batch axis of 1). */
  readonly inputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
}

/** A value of the ONNX graph that depends on the input: its node and full ONNX shape. */
export interface Variable { readonly node: number; readonly shape: readonly number[] }

/** The per-example shape of a full ONNX shape (a leading batch axis of 1 dropped). */
export function perShape(full: readonly number[]): number[] {
  return full.length >= 2 && full[0] === 1 ? full.slice(1) : [...full];
}

/** Builder state shared with the per-op translations of `to-layer.ts`. */
export class NetworkBuilder {
  readonly nodes: (BoundNode | null)[] = [null];
  /** Per-example input shape (node 0). */
  inputShape: Shape = [];

  /** `values` holds every value of the graph at input 0 (the constants, and the shapes of the rest). */
  constructor(readonly values: Values) {}

  /** Appends `op` reading `inputs`; returns its index. */
  push(op: BoundOp, inputs: readonly number[], shape: Shape): number {
    this.nodes.push({ op, inputs, shape: [...shape] });
    return this.nodes.length - 1;
  }

  /** The node of `v` with per-example shape `shape` (a reshape node when it differs). */
  as(v: Variable, shape: Shape, name: string): number {
    const have = this.nodes[v.node]?.shape ?? this.inputShape;
    if (have.length === shape.length && have.every((d, i) => d === shape[i])) return v.node;
    return this.push(reshapeOp(`${name}.reshape`, have, shape), [v.node], shape);
  }

  /** The full ONNX shape of a value. */
  shapeOf(name: string): readonly number[] {
    return this.values.get(name)!.shape;
  }
}

/** A one-line error naming the node. */
export function refuse(node: GraphNode, why: string): never {
  throw new Error(`node ${node.name} (op ${node.op}): ${why}`);
}

/**
 * Converts `graph` into an {@link OperatorNetwork}.
 * @throws Error (one line, naming the node and op) when an op has no bound operator, or when the
 *   converted network's forward pass differs from the interpreter's.
 */
export function toOperatorNetwork(graph: OnnxGraph): OperatorNetwork {
  const values = evaluateAll(graph, nd(graph.inputShape));
  const b = new NetworkBuilder(values);
  b.inputShape = perShape(graph.inputShape);
  const vars = new Map<string, Variable>([[graph.inputName, { node: 0, shape: graph.inputShape }]]);
  for (const node of graph.nodes) {
    const args = node.inputs.map((name) => vars.get(name));
    if (!args.some(Boolean)) continue; // a constant: its value is in `values`
    if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) refuse(node, 'a second output is not supported by the bound engine');
    const consts = node.inputs.map((name, i) => (args[i] || name === '' ? undefined : values.get(name)));
    const out = translateLayer(b, node, args, consts);
    vars.set(node.outputs[0]!, out);
  }
  const y = vars.get(graph.outputName);
  if (!y) throw new Error(`the output '${graph.outputName}' does not depend on the input`);
  const K = sizeOf(y.shape);
  const last = b.nodes.length - 1;
  const output = y.node === last && b.nodes[last]!.shape.length === 1 ? y.node : b.push(reshapeOp('output', b.nodes[y.node]?.shape ?? b.inputShape, [K]), [y.node], [K]);
  if (output === 0) throw new Error('the network is the identity');
  const net: OperatorNetwork = { graph: { inputShape: b.inputShape, nodes: b.nodes }, inputShape: b.inputShape, inputSize: sizeOf(b.inputShape), outputSize: K };
  checkAgainstInterpreter(graph, net);
  return net;
}

/** The float64 output `[K]` of the operator network at x (flat). */
export function forwardOperators(net: OperatorNetwork, x: ArrayLike<number>): Float64Array {
  return noGrad(() => forwardTensor(net, new Tensor(Float64Array.from(x), [1, ...net.inputShape]))).data as Float64Array;
}

/** The output `[B, K]` of the operator network for inputs `[B, ...inputShape]` (on the tape when grad is on). */
export function forwardTensor(net: OperatorNetwork, X: Tensor): Tensor {
  const outs: Tensor[] = [X];
  const { nodes } = net.graph;
  for (let i = 1; i < nodes.length; i++) {
    const node = nodes[i]!;
    outs.push(evaluateOp(node.op, node.inputs.map((j) => outs[j]!)));
  }
  return outs[nodes.length - 1]!;
}

/** The converted network must agree with the interpreter (guards the translation). */
function checkAgainstInterpreter(graph: OnnxGraph, net: OperatorNetwork): void {
  for (let trial = 0; trial < 2; trial++) {
    const x = Array.from({ length: net.inputSize }, (_, i) => Math.sin(7.3 * i + trial * 3.1 + 0.5));
    const want = evaluateAll(graph, nd(graph.inputShape, x)).get(graph.outputName)!.data;
    const got = forwardOperators(net, x);
    for (let i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i]! - got[i]!) <= 1e-6 * (1 + Math.abs(want[i]!)))) throw new Error(`the operator network differs from the ONNX graph's forward pass at output ${i} (${got[i]} vs ${want[i]})`);
    }
  }
}
