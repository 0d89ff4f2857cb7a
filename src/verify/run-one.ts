/**
 * One instance from files: read the ONNX model and the VNN-LIB property, read the bound
 * network off the graph (when its ops allow), verify, and return the answer with the time taken.
 * Any failure to load becomes the answer `error` with its one-line message.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { verifyInstance, type InstanceResult } from './instance.js';
import { extractNetwork, type PlNetwork } from './network.js';
import { loadOnnxGraph, type OnnxGraph } from './onnx/graph.js';
import { parseVnnlib } from './vnnlib.js';

/** The outcome of one instance run from files. */
export interface FileResult {
  readonly result: InstanceResult['result'] | 'error';
  readonly seconds: number;
  readonly detail: string;
  readonly counterexample?: InstanceResult['counterexample'];
}

/** A loaded model: its graph, and its piecewise-linear network or why there is none. */
interface LoadedModel { readonly graph: OnnxGraph; readonly net?: PlNetwork; readonly note: string }

/** The last model loaded by this process (benchmark instances come grouped by network, and reading a convolutional network off its graph takes seconds). */
let cached: { key: string; model: LoadedModel } | undefined;

/** The bytes of an ONNX file; `.gz` files (and a missing `x.onnx` beside an `x.onnx.gz`, as nn4sys ships) are gunzipped. */
function readModelBytes(model: string): Uint8Array {
  const file = !existsSync(model) && existsSync(`${model}.gz`) ? `${model}.gz` : model;
  const raw = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** Loads (or takes from the cache) the graph and network of `model`. */
function loadModel(model: string): LoadedModel {
  const key = existsSync(model) ? `${model}:${statSync(model).mtimeMs}` : model;
  if (cached?.key === key) return cached.model;
  const graph = loadOnnxGraph(readModelBytes(model));
  let net: PlNetwork | undefined;
  let note = '';
  try {
    net = extractNetwork(graph);
  } catch (e) {
    note = ` (bounds unavailable: ${(e as Error).message.split('\n')[0]})`;
  }
  cached = { key, model: { graph, net, note } };
  return cached.model;
}

/** Verifies `property` on `model` within `timeoutSeconds`, counting from `start` (ms). */
export function verifyFiles(model: string, property: string, timeoutSeconds: number, start = Date.now(), seed = 0): FileResult {
  const seconds = (): number => (Date.now() - start) / 1000;
  let graph;
  let vnn;
  let net;
  let note;
  try {
    ({ graph, net, note } = loadModel(model));
    vnn = parseVnnlib(readFileSync(property, 'utf8'));
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
  try {
    const r = verifyInstance(graph, net, vnn, { timeoutSeconds, start, seed });
    return { result: r.result, seconds: seconds(), detail: r.detail + note, counterexample: r.counterexample };
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
}
