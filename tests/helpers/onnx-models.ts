// Small ONNX models written with protobufjs for the verify tests: every op the importer maps,
// with seeded weights (float32 values, so onnxruntime and our float64 pass see the same numbers).
import { encodeModel } from '../../src/verify/onnx/proto.js';
import { seededRandom } from '../../src/verify/attack.js';

/** A node in ModelProto object form. */
export interface NodeSpec { op: string; inputs: string[]; output: string; attrs?: Record<string, number | number[]> }

/** Builds ModelProto bytes: one float input `x` of `shape`, output `y`, float32 initializers. */
export function buildModel(shape: number[], nodes: NodeSpec[], inits: Record<string, { dims: number[]; values: number[] }>, ints: Record<string, number[]> = {}): Uint8Array {
  const tensor = (name: string, dims: number[], values: number[]): object => ({ name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from(values).buffer) });
  const attribute = (name: string, v: number | number[]): object => (Array.isArray(v) ? { name, type: 7, ints: v } : Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v });
  return encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: nodes.map((n, i) => ({ name: `n${i}_${n.op}`, opType: n.op, input: n.inputs, output: [n.output], attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)) })),
      initializer: [
        ...Object.entries(inits).map(([name, t]) => tensor(name, t.dims, t.values)),
        ...Object.entries(ints).map(([name, v]) => ({ name, dims: [v.length], dataType: 7, int64Data: v })),
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  });
}

/** Seeded float32-representable weights of a shape. */
export function weights(rand: () => number, dims: number[], scale = 0.5): { dims: number[]; values: number[] } {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dims, values: Array.from({ length: n }, () => Math.fround((rand() * 2 - 1) * scale)) };
}

/** The test models by name (input shape, bytes). */
export function testModels(seed = 1): Record<string, { shape: number[]; bytes: Uint8Array; boundable: boolean }> {
  const r = seededRandom(seed);
  const w = (dims: number[], scale?: number): { dims: number[]; values: number[] } => weights(r, dims, scale);
  const pos = (n: number): { dims: number[]; values: number[] } => ({ dims: [n], values: Array.from({ length: n }, () => Math.fround(0.5 + r())) });
  return {
    mlp: { shape: [1, 3], boundable: true, bytes: buildModel([1, 3], [
      { op: 'Sub', inputs: ['x', 'mean'], output: 'a' }, { op: 'Div', inputs: ['a', 'std'], output: 'b' },
      { op: 'Gemm', inputs: ['b', 'w1', 'b1'], output: 'h', attrs: { transB: 1, alpha: 0.75 } }, { op: 'Relu', inputs: ['h'], output: 'r' },
      { op: 'MatMul', inputs: ['r', 'w2'], output: 'm' }, { op: 'Add', inputs: ['m', 'b2'], output: 'p' }, { op: 'Mul', inputs: ['p', 'k'], output: 'y' },
    ], { mean: w([3]), std: pos(3), w1: w([5, 3]), b1: w([5]), w2: w([5, 2]), b2: w([2]), k: w([1]) }) },
    conv: { shape: [1, 2, 6, 6], boundable: true, bytes: buildModel([1, 2, 6, 6], [
      { op: 'Conv', inputs: ['x', 'cw', 'cb'], output: 'c', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c', 'g', 'be', 'mu', 'var'], output: 'n', attrs: { epsilon: 1e-3 } }, { op: 'Relu', inputs: ['n'], output: 'r' },
      { op: 'AveragePool', inputs: ['r'], output: 'ap', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['ap', 'cw2'], output: 'c2', attrs: { kernel_shape: [2, 2], strides: [1, 1], group: 1 } }, { op: 'Relu', inputs: ['c2'], output: 'r2' },
      { op: 'Flatten', inputs: ['r2'], output: 'f', attrs: { axis: 1 } }, { op: 'Gemm', inputs: ['f', 'fw', 'fb'], output: 'y', attrs: { transB: 1 } },
    ], { cw: w([3, 2, 3, 3]), cb: w([3]), g: pos(3), be: w([3]), mu: w([3]), var: pos(3), cw2: w([2, 3, 2, 2]), fw: w([3, 8]), fb: w([3]) }) },
    maxpool: { shape: [1, 1, 4, 4], boundable: false, bytes: buildModel([1, 1, 4, 4], [
      { op: 'Conv', inputs: ['x', 'cw', 'cb'], output: 'c', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] } }, { op: 'Relu', inputs: ['c'], output: 'r' },
      { op: 'MaxPool', inputs: ['r'], output: 'p', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Reshape', inputs: ['p', 'shape'], output: 'f' }, { op: 'MatMul', inputs: ['f', 'fw'], output: 'y' },
    ], { cw: w([2, 1, 3, 3]), cb: w([2]), fw: w([8, 2]) }, { shape: [1, -1] }) },
    residual: { shape: [1, 4], boundable: true, bytes: buildModel([1, 4], [
      { op: 'Gemm', inputs: ['x', 'w1', 'b1'], output: 'h', attrs: { transB: 1 } }, { op: 'Relu', inputs: ['h'], output: 'r' },
      { op: 'Gemm', inputs: ['r', 'w2', 'b2'], output: 'h2', attrs: { transB: 1 } }, { op: 'Add', inputs: ['h2', 'x'], output: 's' }, { op: 'Relu', inputs: ['s'], output: 'r2' },
      { op: 'Add', inputs: ['r2', 'r'], output: 's2' }, { op: 'Gemm', inputs: ['s2', 'w3'], output: 'y', attrs: { transB: 1 } },
    ], { w1: w([4, 4]), b1: w([4]), w2: w([4, 4]), b2: w([4]), w3: w([2, 4]) }) },
    shapes: { shape: [1, 4], boundable: true, bytes: buildModel([1, 4], [
      { op: 'Identity', inputs: ['x'], output: 'i' }, { op: 'Reshape', inputs: ['i', 's1'], output: 'a' },
      { op: 'Transpose', inputs: ['a'], output: 't', attrs: { perm: [0, 2, 1] } }, { op: 'Reshape', inputs: ['t', 's2'], output: 'b' },
      { op: 'Unsqueeze', inputs: ['b', 'ax'], output: 'u' }, { op: 'Squeeze', inputs: ['u', 'ax'], output: 'q' },
      { op: 'Transpose', inputs: ['wt'], output: 'w', attrs: { perm: [1, 0] } }, { op: 'MatMul', inputs: ['q', 'w'], output: 'm' }, { op: 'Relu', inputs: ['m'], output: 'y' },
    ], { wt: w([3, 4]) }, { s1: [1, 2, 2], s2: [1, 4], ax: [0] }) },
    padded: { shape: [1, 1, 4, 4], boundable: true, bytes: buildModel([1, 1, 4, 4], [
      { op: 'Pad', inputs: ['x', 'pads', 'pv'], output: 'p' }, { op: 'Conv', inputs: ['p', 'cw', 'cb'], output: 'c', attrs: { kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['c'], output: 'r' }, { op: 'Flatten', inputs: ['r'], output: 'f' }, { op: 'Gemm', inputs: ['f', 'fw'], output: 'y', attrs: { transB: 1 } },
    ], { pv: { dims: [], values: [0.5] }, cw: w([2, 1, 3, 3]), cb: w([2]), fw: w([3, 32]) }, { pads: [0, 0, 1, 1, 0, 0, 1, 1] }) },
    sigmoid: { shape: [1, 3], boundable: false, bytes: buildModel([1, 3], [
      { op: 'Gemm', inputs: ['x', 'w1', 'b1'], output: 'h', attrs: { transB: 1 } }, { op: 'Sigmoid', inputs: ['h'], output: 's' },
      { op: 'Gemm', inputs: ['s', 'w2'], output: 'g', attrs: { transB: 1 } }, { op: 'Tanh', inputs: ['g'], output: 'y' },
    ], { w1: w([4, 3]), b1: w([4]), w2: w([2, 4]) }) },
  };
}
