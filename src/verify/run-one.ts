/**
 * One instance from files: read the ONNX model and the VNN-LIB property, convert the graph into
 * a network of the bound engine's operators and, unless it is a convolutional image network,
 * read the densified piecewise-linear network off it (when its ops allow), verify, and return
 * the answer with the time taken.
 * Any failure to load becomes the answer `error` with its one-line message.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { INPUT_SPLIT_MAX_DIM, verifyInstance, type InstanceResult } from './instance.js';
import { extractNetwork, type PlNetwork } from './network.js';
import { loadOnnxGraph, type OnnxGraph } from './onnx/graph.js';
import { toOperatorNetwork, type OperatorNetwork } from './onnx/to-network.js';
import { parseVnnlib } from './vnnlib.js';

/** The outcome of one instance run from files. */
export interface FileResult {
  readonly result: InstanceResult['result'] | 'error';
  readonly seconds: number;
  readonly detail: string;
  readonly counterexample?: InstanceResult['counterexample'];
}

/** A loaded model: its graph, its piecewise-linear and operator networks (or why there are none). */
interface LoadedModel { readonly graph: OnnxGraph; readonly net?: PlNetwork; readonly operators?: OperatorNetwork; readonly note: string }

/** Ops after which reading the densified network off costs seconds to minutes (image-sized layers). */
const WINDOW_OPS = new Set(['Conv', 'MaxPool', 'AveragePool']);

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
  const firstLine = (e: unknown): string => (e as Error).message.split('\n')[0]!;
  let operators: OperatorNetwork | undefined;
  let net: PlNetwork | undefined;
  const notes: string[] = [];
  try {
    operators = toOperatorNetwork(graph);
  } catch (e) {
    notes.push(`operator network unavailable: ${firstLine(e)}`);
  }
  // convolutional image networks are bounded on the operator network only (densifying them takes 20-100 s and more)
  const imageSized = graph.inputShape.reduce((a, b) => a * b, 1) > INPUT_SPLIT_MAX_DIM;
  if (!(operators && imageSized && graph.nodes.some((n) => WINDOW_OPS.has(n.op)))) {
    try {
      net = extractNetwork(graph);
    } catch (e) {
      notes.push(`densified bounds unavailable: ${firstLine(e)}`);
    }
  }
  const note = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  cached = { key, model: { graph, net, operators, note } };
  return cached.model;
}

/** Verifies `property` on `model` within `timeoutSeconds`, counting from `start` (ms). */
export function verifyFiles(model: string, property: string, timeoutSeconds: number, start = Date.now(), seed = 0): FileResult {
  const seconds = (): number => (Date.now() - start) / 1000;
  let graph;
  let vnn;
  let net;
  let operators;
  let note;
  try {
    ({ graph, net, operators, note } = loadModel(model));
    vnn = parseVnnlib(readFileSync(property, 'utf8'));
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
  try {
    const r = verifyInstance(graph, net, vnn, { timeoutSeconds, start, seed }, operators);
    return { result: r.result, seconds: seconds(), detail: r.detail + note, counterexample: r.counterexample };
  } catch (e) {
    return { result: 'error', seconds: seconds(), detail: (e as Error).message.split('\n')[0]! };
  }
}
