/**
 * An ONNX model as a checked graph: the one network input, the output, the nodes in file order
 * (ONNX requires topological order) and the constants (initializers and `Constant` nodes) as
 * float64 arrays. Every node's op and attributes are checked here, so an unsupported model fails
 * at load with one line naming the node and op, never half-way through a verification.
 * @module
 */
import { decodeModel, ONNX_DTYPE, type AttributeMessage, type NodeMessage, type TensorMessage } from './proto.js';
import { nd, type NdArray } from './ndarray.js';

/** The ops the importer maps, with the attributes each may carry. */
export const SUPPORTED_OPS: Readonly<Record<string, readonly string[]>> = {
  Gemm: ['alpha', 'beta', 'transA', 'transB'],
  MatMul: [], Add: [], Sub: [], Mul: [], Div: [], Relu: [], Identity: [], Flatten: ['axis'],
  Conv: ['kernel_shape', 'strides', 'pads', 'dilations', 'group', 'auto_pad'],
  MaxPool: ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'storage_order'],
  AveragePool: ['kernel_shape', 'strides', 'pads', 'auto_pad', 'ceil_mode', 'count_include_pad'],
  Reshape: ['allowzero'], BatchNormalization: ['epsilon', 'momentum', 'training_mode', 'spatial'],
  Constant: ['value'], Transpose: ['perm'], Squeeze: ['axes'], Unsqueeze: ['axes'],
  Pad: ['mode', 'pads', 'value'], Sigmoid: [], Tanh: [],
};

/** One node with its attributes by name. */
export interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, AttributeMessage>;
}

/** A checked ONNX inference graph. */
export interface OnnxGraph {
  readonly inputName: string;
  /** Input shape with a batch dimension of 1 where the file leaves it symbolic. */
  readonly inputShape: readonly number[];
  readonly outputName: string;
  readonly nodes: readonly GraphNode[];
  readonly constants: ReadonlyMap<string, NdArray>;
}

/** Decodes a TensorProto into float64 (float, double, int32/64, int8/uint8, bool). */
export function tensorFromProto(t: TensorMessage, where: string): NdArray {
  const dims = t.dims.map(Number);
  const raw = t.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  const read = (bytes: number, get: (o: number) => number): number[] => Array.from({ length: raw.byteLength / bytes }, (_, i) => get(i * bytes));
  let values: ArrayLike<number>;
  switch (t.dataType) {
    case ONNX_DTYPE.FLOAT: values = raw.length ? read(4, (o) => view.getFloat32(o, true)) : t.floatData; break;
    case ONNX_DTYPE.DOUBLE: values = raw.length ? read(8, (o) => view.getFloat64(o, true)) : t.doubleData; break;
    case ONNX_DTYPE.INT64: values = raw.length ? read(8, (o) => Number(view.getBigInt64(o, true))) : t.int64Data.map(Number); break;
    case ONNX_DTYPE.INT32: values = raw.length ? read(4, (o) => view.getInt32(o, true)) : t.int32Data; break;
    case ONNX_DTYPE.INT8: values = raw.length ? read(1, (o) => view.getInt8(o)) : t.int32Data; break;
    case ONNX_DTYPE.UINT8: case ONNX_DTYPE.BOOL: values = raw.length ? read(1, (o) => view.getUint8(o)) : t.int32Data; break;
    default: throw new Error(`${where}: tensor '${t.name}' has unsupported data type ${t.dataType}`);
  }
  if (values.length !== count) throw new Error(`${where}: tensor '${t.name}' of shape [${dims.join(',')}] holds ${values.length} values`);
  return nd(dims, values);
}

/** Checks a node's op and attributes; throws the one-line error of an unsupported node. */
function checkNode(n: NodeMessage, index: number): GraphNode {
  const label = `node ${n.name || `#${index}`} (op ${n.opType})`;
  const allowed = SUPPORTED_OPS[n.opType];
  if (!allowed || (n.domain && n.domain !== 'ai.onnx')) throw new Error(`unsupported ONNX ${label}: relaxjs maps ${Object.keys(SUPPORTED_OPS).join(', ')}`);
  const attrs = new Map<string, AttributeMessage>();
  for (const a of n.attribute) {
    if (!allowed.includes(a.name)) throw new Error(`unsupported attribute '${a.name}' of ONNX ${label}`);
    attrs.set(a.name, a);
  }
  return { name: n.name || `#${index}`, op: n.opType, inputs: n.input, outputs: n.output, attrs };
}

/** Parses ONNX bytes into a checked graph with exactly one non-constant input and one output. */
export function loadOnnxGraph(bytes: Uint8Array): OnnxGraph {
  let model;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    throw new Error(`not a readable ONNX model: ${(e as Error).message}`);
  }
  const g = model.graph;
  if (!g || g.node.length === 0) throw new Error('ONNX model has no graph nodes');
  const constants = new Map<string, NdArray>();
  for (const t of g.initializer) constants.set(t.name, tensorFromProto(t, 'initializer'));
  const nodes = g.node.map(checkNode);
  for (const n of nodes) {
    const value = n.attrs.get('value')?.t;
    if (n.op === 'Constant') {
      if (!value) throw new Error(`unsupported ONNX node ${n.name} (op Constant): only the 'value' tensor form`);
      constants.set(n.outputs[0]!, tensorFromProto(value, `node ${n.name}`));
    }
  }
  const inputs = g.input.filter((i) => !constants.has(i.name));
  if (inputs.length !== 1) throw new Error(`ONNX model must have exactly one (non-initializer) input, found ${inputs.length}: ${inputs.map((i) => i.name).join(', ')}`);
  if (g.output.length !== 1) throw new Error(`ONNX model must have exactly one output, found ${g.output.length}`);
  const dims = inputs[0]!.type?.tensorType?.shape?.dim ?? [];
  const inputShape = dims.map((d) => (d.dimValue && d.dimValue > 0 ? d.dimValue : 1));
  return { inputName: inputs[0]!.name, inputShape, outputName: g.output[0]!.name, nodes: nodes.filter((n) => n.op !== 'Constant'), constants };
}

/** An integer-list attribute, or a default. */
export function intsAttr(node: GraphNode, name: string, fallback: readonly number[]): number[] {
  const a = node.attrs.get(name);
  return a ? a.ints.map(Number) : [...fallback];
}

/** A scalar attribute (int or float), or a default. */
export function numAttr(node: GraphNode, name: string, fallback: number): number {
  const a = node.attrs.get(name);
  if (!a) return fallback;
  return a.type === 1 ? a.f : Number(a.i);
}

/** A string attribute, or a default. */
export function strAttr(node: GraphNode, name: string, fallback: string): string {
  const a = node.attrs.get(name);
  return a ? new TextDecoder().decode(a.s) : fallback;
}
