// Random small convolutional ONNX models for the operator-network tests: Conv (symmetric or
// asymmetric pads, stride 1 or 2), BatchNormalization, Relu, MaxPool / AveragePool, a residual
// Add of two branches, Flatten and Gemm, with seeded float32 weights.
import { seededRandom } from '../../src/verify/attack.js';
import { loadOnnxGraph, type OnnxGraph } from '../../src/verify/onnx/graph.js';
import { toOperatorNetwork, type OperatorNetwork } from '../../src/verify/onnx/to-network.js';
import { buildModel, weights, type NodeSpec } from './onnx-models.js';

/** Which layers a random model has. */
export interface ConvModelGenes { readonly pool: 'max' | 'avg' | 'none'; readonly residual: boolean; readonly asymmetric: boolean; readonly batchNorm: boolean }

/** A model x [1, 2, 6, 6] → 2 outputs with the given genes. */
export function randomConvModel(seed: number, genes: ConvModelGenes): Uint8Array {
  const rand = seededRandom(seed);
  const w = (dims: number[], scale = 0.6): { dims: number[]; values: number[] } => weights(rand, dims, scale);
  const pos = (n: number): { dims: number[]; values: number[] } => ({ dims: [n], values: Array.from({ length: n }, () => Math.fround(0.5 + rand())) });
  const inits: Record<string, { dims: number[]; values: number[] }> = { cw: w([3, 2, 3, 3]), cb: w([3], 0.3) };
  const pads = genes.asymmetric ? [0, 1, 1, 0] : [1, 1, 1, 1];
  const nodes: NodeSpec[] = [{ op: 'Conv', inputs: ['x', 'cw', 'cb'], output: 'c', attrs: { kernel_shape: [3, 3], pads } }];
  let prev = 'c';
  if (genes.batchNorm) {
    Object.assign(inits, { g: pos(3), be: w([3], 0.3), mu: w([3], 0.3), va: pos(3) });
    nodes.push({ op: 'BatchNormalization', inputs: ['c', 'g', 'be', 'mu', 'va'], output: 'n' });
    prev = 'n';
  }
  nodes.push({ op: 'Relu', inputs: [prev], output: 'r' });
  prev = 'r';
  if (genes.residual) {
    inits.rw = w([3, 3, 3, 3], 0.4);
    nodes.push({ op: 'Conv', inputs: ['r', 'rw'], output: 'rc', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }, { op: 'Relu', inputs: ['rc'], output: 'rr' });
    nodes.push({ op: 'Add', inputs: ['rr', 'r'], output: 'ra' }, { op: 'Relu', inputs: ['ra'], output: 'ro' });
    prev = 'ro';
  }
  let side = genes.asymmetric ? 5 : 6; // 6 + 0 + 1 − 3 + 1 rows with pads [0, 1, 1, 0]
  if (genes.pool !== 'none') {
    nodes.push({ op: genes.pool === 'max' ? 'MaxPool' : 'AveragePool', inputs: [prev], output: 'p', attrs: { kernel_shape: [2, 2], strides: [2, 2] } });
    prev = 'p';
    side = Math.floor((side - 2) / 2) + 1;
  }
  inits.c2 = w([2, 3, 2, 2]);
  nodes.push({ op: 'Conv', inputs: [prev, 'c2'], output: 'd', attrs: { kernel_shape: [2, 2], strides: [1, 1] } }, { op: 'Relu', inputs: ['d'], output: 'dr' });
  side -= 1;
  inits.fw = w([2, 2 * side * side]);
  inits.fb = w([2], 0.3);
  nodes.push({ op: 'Flatten', inputs: ['dr'], output: 'f' }, { op: 'Gemm', inputs: ['f', 'fw', 'fb'], output: 'y', attrs: { transB: 1 } });
  return buildModel([1, 2, 6, 6], nodes, inits);
}

/** Genes drawn from a seed: every combination occurs over a few seeds. */
export function genesOf(seed: number): ConvModelGenes {
  return { pool: (['max', 'avg', 'none'] as const)[seed % 3]!, residual: seed % 2 === 0, asymmetric: seed % 4 < 2, batchNorm: seed % 5 !== 0 };
}

/** A random conv model of `seed` with its operator network and a random box of half-width in [rMin, rMin + rSpan) around a point of [-1, 1]ⁿ. */
export function randomCase(modelSeed: number, seed: number, rMin: number, rSpan: number): { graph: OnnxGraph; net: OperatorNetwork; rand: () => number; lower: Float64Array; upper: Float64Array } {
  const graph = loadOnnxGraph(randomConvModel(modelSeed, genesOf(seed)));
  const net = toOperatorNetwork(graph);
  const rand = seededRandom(seed);
  const centre = Float64Array.from({ length: net.inputSize }, () => rand() * 2 - 1);
  const r = rMin + rSpan * rand();
  return { graph, net, rand, lower: centre.map((v) => v - r), upper: centre.map((v) => v + r) };
}
