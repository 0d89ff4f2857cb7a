/**
 * A ReLU network read off an ONNX graph as affine stages: stage k computes the pre-activation
 *
 *   z_k = Σ_t W_t · x_{s_t} + b_k,       x_k = relu(z_k)  (the last stage, the output, has no ReLU),
 *
 * where each source s_t is the network input x_0 or an earlier stage's output, so residual adds
 * (`Add` of two branches) are simply two terms. The affine pieces between ReLUs (Gemm, MatMul,
 * Conv, BatchNormalization, AveragePool, Flatten, Reshape, Add/Sub/Mul/Div by constants, ...) are
 * densified by probing the float64 interpreter with unit vectors, then checked at a random point.
 * Shapes: W_t is [n_k, n_{s_t}] row-major, b_k is [n_k]; everything flattened per example.
 * @module
 */
import type { GraphNode, OnnxGraph } from './onnx/graph.js';
import { evaluateAll, type Values } from './onnx/interpret.js';
import { nd, sizeOf, type NdArray } from './onnx/ndarray.js';

/** One term W · x_source of a stage. */
export interface AffineTerm {
  /** 0 = network input, k ≥ 1 = output of stage k (1-based). */
  readonly source: number;
  readonly weight: Float64Array;
}

/** One affine stage, followed by a ReLU unless it is the last. */
export interface Stage {
  readonly size: number;
  readonly terms: readonly AffineTerm[];
  readonly bias: Float64Array;
}

/** The piecewise-linear network: stages[0..R-1] end in ReLU, stages[R] is the output. */
export interface PlNetwork {
  readonly inputSize: number;
  readonly stages: readonly Stage[];
}

/** Ops that are affine in their non-constant operands (checked per node below). */
const AFFINE_OPS = new Set(['Identity', 'Add', 'Sub', 'Mul', 'Div', 'MatMul', 'Gemm', 'Conv', 'AveragePool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'BatchNormalization', 'Pad']);

/** The names that are ReLU boundaries (sources) and, per value, which sources it depends on. */
function dependencies(graph: OnnxGraph): { relus: GraphNode[]; deps: Map<string, Set<string>> } {
  const deps = new Map<string, Set<string>>([[graph.inputName, new Set([graph.inputName])]]);
  const relus: GraphNode[] = [];
  for (const node of graph.nodes) {
    const out = node.outputs[0]!;
    const varIn = node.inputs.map((name) => deps.get(name));
    if (node.op === 'Relu') {
      relus.push(node);
      deps.set(out, new Set([out]));
      continue;
    }
    const variable = varIn.map((d) => (d ? d.size > 0 : false));
    if (!variable.some(Boolean)) {
      deps.set(out, new Set());
      continue;
    }
    if (!AFFINE_OPS.has(node.op)) throw new Error(`node ${node.name} (op ${node.op}): not supported by the bound engine (only ReLU and affine ops)`);
    const twoVar = variable.filter(Boolean).length > 1;
    if (twoVar && node.op !== 'Add' && node.op !== 'Sub') throw new Error(`node ${node.name} (op ${node.op}): a product of two network values is not piecewise linear`);
    if ((node.op === 'Div' || node.op === 'Conv' || node.op === 'BatchNormalization' || node.op === 'Pad') && variable.slice(1).some(Boolean)) throw new Error(`node ${node.name} (op ${node.op}): only the first operand may depend on the input`);
    deps.set(out, new Set(varIn.flatMap((d) => (d ? [...d] : []))));
  }
  return { relus, deps };
}

/** Densified terms and bias of one stage. */
interface Probed { weights: Float64Array[]; bias: Float64Array }

/**
 * Densifies the affine map from the given sources to `target` by probing with unit vectors:
 * b = g(0), column j of W_s = g(e_j) − b. With `batched`, up to {@link PROBE_BATCH} unit vectors
 * go through at once as a batch (leading dimension); undefined when the graph does not carry a
 * batch through (e.g. a Reshape to a fixed leading 1), so the caller probes one at a time.
 */
function probe(graph: OnnxGraph, shapes: Values, sources: readonly string[], target: string, batched: boolean): Probed | undefined {
  const zeros: Values = new Map(sources.map((s) => [s, nd(shapes.get(s)!.shape)]));
  const run = (v: Values): NdArray => evaluateAll(graph, nd(graph.inputShape), v, target).get(target)!;
  const bias = Float64Array.from(run(zeros).data);
  const m = bias.length;
  const weights: Float64Array[] = [];
  for (const s of sources) {
    const shape = shapes.get(s)!.shape;
    const n = sizeOf(shape);
    if (batched && shape[0] !== 1) return undefined;
    const w = new Float64Array(m * n);
    const step = batched ? PROBE_BATCH : 1;
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start);
      const unit = nd(batched ? [count, ...shape.slice(1)] : shape);
      for (let b = 0; b < count; b++) unit.data[b * n + start + b] = 1;
      const y = run(new Map(zeros).set(s, unit));
      if (y.data.length !== count * m || (batched && y.shape[0] !== count)) return undefined;
      for (let b = 0; b < count; b++) for (let i = 0; i < m; i++) w[i * n + start + b] = y.data[b * m + i]! - bias[i]!;
    }
    weights.push(w);
  }
  return { weights, bias };
}

/** Unit vectors per batched probe. */
const PROBE_BATCH = 256;

/**
 * Reads the piecewise-linear network of a graph. Throws (one line, naming the node) when a node
 * is not affine between ReLUs, or when the densified stages would exceed `maxWeights` numbers.
 */
export function extractNetwork(graph: OnnxGraph, maxWeights = 3e7): PlNetwork {
  const { relus, deps } = dependencies(graph);
  const shapes = evaluateAll(graph, nd(graph.inputShape));
  const sourceIndex = new Map<string, number>([[graph.inputName, 0], ...relus.map((r, k) => [r.outputs[0]!, k + 1] as [string, number])]);
  const targets = [...relus.map((r) => r.inputs[0]!), graph.outputName];
  const plan = targets.map((target) => ({ target, sources: [...(deps.get(target) ?? [])].sort((a, b) => sourceIndex.get(a)! - sourceIndex.get(b)!) }));
  const total = plan.reduce((acc, p) => acc + shapes.get(p.target)!.data.length * p.sources.reduce((a, s) => a + shapes.get(s)!.data.length, 0), 0);
  if (total > maxWeights) throw new Error(`network too large for the dense bound engine (${total} weights, at most ${maxWeights})`);
  const build = (batched: boolean): PlNetwork | undefined => {
    const stages: Stage[] = [];
    for (const { target, sources } of plan) {
      const probed = probe(graph, shapes, sources, target, batched);
      if (!probed) return undefined;
      stages.push({ size: shapes.get(target)!.data.length, bias: probed.bias, terms: sources.map((s, t) => ({ source: sourceIndex.get(s)!, weight: probed.weights[t]! })) });
    }
    return { inputSize: sizeOf(graph.inputShape), stages };
  };
  // batched probing is fast; one unit vector at a time is the fallback for graphs without a batch axis
  let fast: PlNetwork | undefined;
  try {
    fast = build(true);
    if (fast) checkAgainstGraph(graph, fast);
  } catch {
    fast = undefined;
  }
  if (fast) return fast;
  const net = build(false)!;
  checkAgainstGraph(graph, net);
  return net;
}

/** One stage's pre-activation z = Σ_t W_t · outs[s_t] + b, given the outputs of its sources (outs[0] = the input). */
export function stageForward(stage: Stage, outs: readonly Float64Array[]): Float64Array {
  const z = Float64Array.from(stage.bias);
  for (const term of stage.terms) {
    const src = outs[term.source]!;
    const n = src.length;
    for (let i = 0; i < stage.size; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += term.weight[i * n + j]! * src[j]!;
      z[i]! += s;
    }
  }
  return z;
}

/** Forward pass of the stages (float64); returns the output and every stage's pre-activation. */
export function forwardPl(net: PlNetwork, x: ArrayLike<number>): { output: Float64Array; pre: Float64Array[] } {
  const outs: Float64Array[] = [Float64Array.from(x)];
  const pre: Float64Array[] = [];
  net.stages.forEach((stage, k) => {
    const z = stageForward(stage, outs);
    pre.push(z);
    outs.push(k < net.stages.length - 1 ? z.map((v) => (v > 0 ? v : 0)) : z);
  });
  return { output: outs[outs.length - 1]!, pre };
}

/** The densified network must agree with the interpreter at random points (guards the probing). */
function checkAgainstGraph(graph: OnnxGraph, net: PlNetwork): void {
  for (let trial = 0; trial < 2; trial++) {
    const x = Array.from({ length: net.inputSize }, (_, i) => Math.sin(7.3 * i + trial * 3.1 + 0.5));
    const want = evaluateAll(graph, nd(graph.inputShape, x)).get(graph.outputName)!.data;
    const got = forwardPl(net, x).output;
    for (let i = 0; i < want.length; i++) {
      if (!(Math.abs(want[i]! - got[i]!) <= 1e-6 * (1 + Math.abs(want[i]!)))) throw new Error(`the network read off the ONNX graph differs from its forward pass at output ${i} (${got[i]} vs ${want[i]})`);
    }
  }
}
