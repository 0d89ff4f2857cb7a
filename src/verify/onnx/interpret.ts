/**
 * The plain float64 forward pass of an {@link OnnxGraph}: the reference that re-checks every
 * counterexample before `sat` is said, and the function the affine pieces of the network are read
 * from (see `../network.ts`).
 * @module
 */
import { intsAttr, numAttr, strAttr, type GraphNode, type OnnxGraph } from './graph.js';
import { broadcastBinary, nd, sizeOf, stridesOf, transpose, type NdArray } from './ndarray.js';
import { conv2d, gemm, matmul, pool2d, type ConvGeometry } from './ops-linear.js';

/** Values by name during one evaluation. */
export type Values = Map<string, NdArray>;

/** Runs the graph on `x` (any shape with the input's element count; `start` overrides values, `stopAt` ends early); returns every value. */
export function evaluateAll(graph: OnnxGraph, x: NdArray, start: Values = new Map(), stopAt?: string): Values {
  if (x.data.length !== sizeOf(graph.inputShape)) throw new Error(`input has ${x.data.length} values, the network expects [${graph.inputShape.join(',')}]`);
  const values: Values = new Map(graph.constants);
  values.set(graph.inputName, { shape: graph.inputShape, data: x.data });
  for (const [k, v] of start) values.set(k, v);
  for (const node of graph.nodes) {
    if (node.outputs.every((o) => start.has(o))) continue;
    const args = node.inputs.map((name) => (name === '' ? undefined : values.get(name)));
    node.inputs.forEach((name, i) => {
      if (name !== '' && !args[i]) throw new Error(`node ${node.name} (op ${node.op}): input '${name}' is not computed before it`);
    });
    values.set(node.outputs[0]!, runNode(node, args));
    if (stopAt !== undefined && values.has(stopAt)) return values;
  }
  if (stopAt !== undefined && values.has(stopAt)) return values;
  if (!values.has(graph.outputName)) throw new Error(`the graph never computes its output '${graph.outputName}'`);
  return values;
}

/** The network output, flattened, for an input vector. */
export function evaluate(graph: OnnxGraph, x: ArrayLike<number>): Float64Array {
  return evaluateAll(graph, nd(graph.inputShape, x)).get(graph.outputName)!.data;
}

/** A fatal error naming the node. */
function fail(node: GraphNode, what: string): never {
  throw new Error(`node ${node.name} (op ${node.op}): ${what}`);
}

/** Window geometry of Conv / pools from attributes (2-D only, explicit padding). */
function geometry(node: GraphNode, kernel: readonly number[]): ConvGeometry {
  if (kernel.length !== 2) fail(node, `only 2-D windows are supported, got kernel [${kernel.join(',')}]`);
  const autoPad = strAttr(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') fail(node, `auto_pad ${autoPad} is not supported`);
  if (numAttr(node, 'ceil_mode', 0) !== 0) fail(node, 'ceil_mode 1 is not supported');
  const [s0, s1] = intsAttr(node, 'strides', [1, 1]);
  const p = intsAttr(node, 'pads', [0, 0, 0, 0]);
  const [d0, d1] = intsAttr(node, 'dilations', [1, 1]);
  return { kernel: [kernel[0]!, kernel[1]!], strides: [s0!, s1!], pads: [p[0]!, p[1]!, p[2]!, p[3]!], dilations: [d0!, d1!], group: numAttr(node, 'group', 1) };
}

/** New shape of Reshape (0 copies, -1 infers). */
function reshapeTo(node: GraphNode, x: NdArray, spec: NdArray): number[] {
  const target = Array.from(spec.data, (v, i) => (v === 0 && numAttr(node, 'allowzero', 0) === 0 ? x.shape[i]! : v));
  const known = target.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
  const shape = target.map((v) => (v === -1 ? x.data.length / known : v));
  if (sizeOf(shape) !== x.data.length) fail(node, `cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  return shape;
}

/** Squeeze/Unsqueeze axes from the attribute (opset < 13) or the second input. */
function axesOf(node: GraphNode, args: readonly (NdArray | undefined)[], rank: number): number[] {
  const axes = args[1] ? Array.from(args[1].data) : intsAttr(node, 'axes', []);
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/** Evaluates one node. */
function runNode(node: GraphNode, args: readonly (NdArray | undefined)[]): NdArray {
  const [a, b, c] = args;
  const x = a!;
  switch (node.op) {
    case 'Identity': return x;
    case 'Relu': return { shape: x.shape, data: x.data.map((v) => (v > 0 ? v : 0)) };
    case 'Add': return broadcastBinary(x, b!, (p, q) => p + q);
    case 'Sub': return broadcastBinary(x, b!, (p, q) => p - q);
    case 'Mul': return broadcastBinary(x, b!, (p, q) => p * q);
    case 'Div': return broadcastBinary(x, b!, (p, q) => p / q);
    case 'MatMul': return matmul(x, b!);
    case 'Gemm': return gemm(x, b!, c, { alpha: numAttr(node, 'alpha', 1), beta: numAttr(node, 'beta', 1), transA: numAttr(node, 'transA', 0) !== 0, transB: numAttr(node, 'transB', 0) !== 0 });
    case 'Conv': return conv2d(x, b!, c, geometry(node, intsAttr(node, 'kernel_shape', b!.shape.slice(2))));
    case 'MaxPool':
    case 'AveragePool': {
      if (x.shape.length !== 4) fail(node, `expects [N, C, H, W], got [${x.shape.join(',')}]`);
      return pool2d(x, geometry(node, intsAttr(node, 'kernel_shape', [])), node.op === 'MaxPool' ? 'max' : 'avg', numAttr(node, 'count_include_pad', 0) !== 0);
    }
    case 'Flatten': {
      const axis = numAttr(node, 'axis', 1);
      const k = axis < 0 ? axis + x.shape.length : axis;
      return { shape: [sizeOf(x.shape.slice(0, k)), sizeOf(x.shape.slice(k))], data: x.data };
    }
    case 'Reshape': return { shape: reshapeTo(node, x, b!), data: x.data };
    case 'Transpose': return transpose(x, intsAttr(node, 'perm', x.shape.map((_, i) => x.shape.length - 1 - i)));
    case 'Squeeze': {
      const axes = axesOf(node, args, x.shape.length);
      return { shape: x.shape.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1)), data: x.data };
    }
    case 'Unsqueeze': {
      const axes = axesOf(node, args, x.shape.length + (args[1] ? args[1].data.length : intsAttr(node, 'axes', []).length));
      const shape = [...x.shape];
      for (const ax of [...axes].sort((p, q) => p - q)) shape.splice(ax, 0, 1);
      return { shape, data: x.data };
    }
    case 'BatchNormalization': return batchNorm(node, x, args);
    case 'Sigmoid': return { shape: x.shape, data: x.data.map((v) => 1 / (1 + Math.exp(-v))) };
    case 'Tanh': return { shape: x.shape, data: x.data.map(Math.tanh) };
    case 'Pad': return pad(node, x, args);
    default: return fail(node, 'is not supported');
  }
}

/** Inference-mode batch normalisation over axis 1: (x - mean) / sqrt(var + eps) * scale + bias. */
function batchNorm(node: GraphNode, x: NdArray, args: readonly (NdArray | undefined)[]): NdArray {
  const [, scale, bias, mean, variance] = args;
  if (!scale || !bias || !mean || !variance) fail(node, 'needs scale, B, mean and var');
  if (numAttr(node, 'training_mode', 0) !== 0) fail(node, 'training_mode 1 is not supported');
  const eps = numAttr(node, 'epsilon', 1e-5);
  const channels = x.shape[1] ?? 1;
  const inner = sizeOf(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const ch = Math.floor(i / inner) % channels;
    out[i] = ((x.data[i]! - mean.data[ch]!) / Math.sqrt(variance.data[ch]! + eps)) * scale.data[ch]! + bias.data[ch]!;
  }
  return { shape: x.shape, data: out };
}

/** Constant-mode Pad (pads from the attribute, opset < 11, or the second input; the value from the attribute or the third input). */
function pad(node: GraphNode, x: NdArray, args: readonly (NdArray | undefined)[]): NdArray {
  if (strAttr(node, 'mode', 'constant') !== 'constant') fail(node, `mode ${strAttr(node, 'mode', '')} is not supported (only constant)`);
  const pads = args[1] ? Array.from(args[1].data) : intsAttr(node, 'pads', []);
  const rank = x.shape.length;
  if (pads.length !== 2 * rank || pads.some((p) => p < 0 || !Number.isInteger(p))) fail(node, `pads [${pads.join(',')}] must be ${2 * rank} non-negative integers`);
  if (args[3]) fail(node, 'the axes input is not supported');
  const value = args[2] ? args[2].data[0] ?? 0 : numAttr(node, 'value', 0);
  const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + rank]!);
  const out = nd(shape);
  out.data.fill(value);
  const src = stridesOf(x.shape);
  const dst = stridesOf(shape);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let k = 0; k < rank; k++) o += (Math.floor(i / src[k]!) % x.shape[k]! + pads[k]!) * dst[k]!;
    out.data[o] = x.data[i]!;
  }
  return out;
}
