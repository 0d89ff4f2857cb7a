/**
 * One instance from files: read the ONNX model and the VNN-LIB property, read the bound
 * network off the graph (when its ops allow), verify, and return the answer with the time taken.
 * Any failure to load becomes the answer `error` with its one-line message.
 * @module
 */
import { readFileSync } from 'node:fs';
import { verifyInstance, type InstanceResult } from './instance.js';
import { extractNetwork } from './network.js';
import { loadOnnxGraph } from './onnx/graph.js';
import { parseVnnlib } from './vnnlib.js';

/** The outcome of one instance run from files. */
export interface FileResult {
  readonly result: InstanceResult['result'] | 'error';
  readonly seconds: number;
  readonly detail: string;
  readonly counterexample?: InstanceResult['counterexample'];
}

/** Verifies `property` on `model` within `timeoutSeconds`, counting from `start` (ms). */
export function verifyFiles(model: string, property: string, timeoutSeconds: number, start = Date.now(), seed = 0): FileResult {
  const seconds = (): number => (Date.now() - start) / 1000;
  let graph;
  let vnn;
  try {
    graph = loadOnnxGraph(readFileSync(model));
    vnn = parseVnnlib(readFileSync(property, 'utf8'));
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
  let net;
  let note = '';
  try {
    net = extractNetwork(graph);
  } catch (e) {
    note = ` (bounds unavailable: ${(e as Error).message.split('\n')[0]})`;
  }
  try {
    const r = verifyInstance(graph, net, vnn, { timeoutSeconds, start, seed });
    return { result: r.result, seconds: seconds(), detail: r.detail + note, counterexample: r.counterexample };
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
}
