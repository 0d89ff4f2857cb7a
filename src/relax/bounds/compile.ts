/**
 * The registry of layer kinds: an `src/nn` network becomes a {@link BoundGraph} of declared
 * operators. The `switch` over `layer.kind` ends in `assertNever`, so a new layer kind does not
 * compile until it has an entry here (and so a relaxation or a linear declaration).
 *
 * Sequential chains compose; a DenseSequential's `Dense` sums sub-layers applied to earlier
 * outputs (an {@link AddOp}); a `Residual` is `conv_b(relu(conv_a(x))) + skip(x)`; Identity adds
 * no node. BatchNorm2d in evaluation mode uses its running statistics; in training mode the
 * statistics of the clean batch (as the forward pass does), differentiable.
 * @module
 */
import { add, mean, mul, reshape, sub } from '../../autograd/index.js';
import type { Dense } from '../../nn/dense.js';
import { assertNever, type Layer } from '../../nn/layer.js';
import type { BatchNorm2d } from '../../nn/batchnorm2d.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { hardSigmoidOp, hardTanhOp, leakyReluOp, reluOp } from './activations.js';
import { avgPoolOp, batchNormOp, conv2dOp, flattenOp, linearOp } from './linear-ops.js';
import { maxPoolOp } from './max-pool.js';
import type { BoundGraph, BoundOp, GraphNode } from './operators.js';

/** A network the engine can bound: a chain of layers (Sequential or DenseSequential). */
export interface BoundableNetwork {
  readonly kind: 'sequential' | 'denseSequential';
  readonly layers: readonly Layer[];
}

/** Builder state: the nodes so far and the clean input batch (for training-mode batch norm). */
class Builder {
  readonly nodes: (GraphNode | null)[] = [null];
  readonly shapes: Shape[];
  private clean: (Tensor | undefined)[] = [];

  constructor(inputShape: Shape, X: Tensor) {
    this.shapes = [inputShape];
    this.clean[0] = X;
  }

  /** Appends an operator reading `inputs`; returns its index. */
  push(op: BoundOp, inputs: readonly number[], shape: Shape): number {
    this.nodes.push({ op, inputs, shape });
    this.shapes.push(shape);
    return this.nodes.length - 1;
  }

  /** The clean value of node i (computed on demand). */
  value(i: number): Tensor {
    const known = this.clean[i];
    if (known) return known;
    const node = this.nodes[i]!;
    const v = evaluate(node.op, node.inputs.map((j) => this.value(j)));
    this.clean[i] = v;
    return v;
  }
}

/** The output of one operator on concrete inputs `[B, ...S]`. */
export function evaluate(op: BoundOp, inputs: readonly Tensor[]): Tensor {
  switch (op.kind) {
    case 'linear': {
      const y = op.apply(inputs[0]!);
      return op.bias ? add(y, op.bias) : y;
    }
    case 'elementwise': return op.forward(inputs[0]!);
    case 'pool': return op.forward(inputs[0]!);
    case 'add': return inputs.reduce((a, b) => add(a, b));
    default: return assertNever(op, 'bound operator');
  }
}


/**
 * The bound graph of `net` for inputs of per-example shape `X.shape.slice(1)`.
 * @throws Error naming the layer when it cannot be bounded (e.g. a LeakyReLU slope outside [0, 1]).
 */
export function compileNetwork(net: BoundableNetwork, X: Tensor): BoundGraph {
  const builder = new Builder(X.shape.slice(1), X);
  compileChain(builder, net.layers, [0], net.kind === 'denseSequential', '');
  return { inputShape: X.shape.slice(1), nodes: builder.nodes };
}

/** Compiles layers in order from the outputs so far (`outputs`, last = current); returns the final node. */
function compileChain(b: Builder, layers: readonly Layer[], outputs: number[], dense: boolean, prefix: string): number {
  layers.forEach((layer, i) => {
    const name = `${prefix}${i}`;
    const out = layer.kind === 'dense' && dense ? compileDense(b, layer, outputs, name) : compileLayer(b, layer, outputs[outputs.length - 1]!, name);
    outputs.push(out);
  });
  return outputs[outputs.length - 1]!;
}

/** `Σ_j ws[j](outputs[len − k + j])` over non-null entries. */
function compileDense(b: Builder, layer: Dense, outputs: readonly number[], name: string): number {
  const k = layer.ws.length;
  if (outputs.length < k) throw new Error(`${name} (Dense): ${k} sub-layers need the last ${k} outputs, but only ${outputs.length} exist`);
  const terms: number[] = [];
  layer.ws.forEach((w, j) => { if (w) terms.push(compileLayer(b, w, outputs[outputs.length - k + j]!, `${name}.Ws.${j}.`)); });
  if (terms.length === 1) return terms[0]!;
  return b.push({ kind: 'add', name, shape: b.shapes[terms[0]!]! }, terms, b.shapes[terms[0]!]!);
}

/** One layer applied to node `input`; returns its output node (the input itself for Identity). */
function compileLayer(b: Builder, layer: Layer, input: number, name: string): number {
  const shape = b.shapes[input]!;
  const linear = (op: ReturnType<typeof linearOp>): number => b.push(op, [input], op.outShape);
  switch (layer.kind) {
    case 'linear': return linear(linearOp(name, layer.weight, layer.bias));
    case 'conv2d': return linear(conv2dOp(name, layer.weight, layer.bias, { stride: layer.stride, padding: layer.padding }, shape));
    case 'flatten': return linear(flattenOp(name, shape));
    case 'avgPool2d': return linear(avgPoolOp(name, layer, shape));
    case 'batchnorm2d': return linear(batchNorm(b, layer, input, name, shape));
    case 'relu': return b.push(reluOp(shape), [input], shape);
    case 'leakyRelu': return b.push(leakyReluOp(shape, layer.negativeSlope), [input], shape);
    case 'hardTanh': return b.push(hardTanhOp(shape, layer.minVal, layer.maxVal), [input], shape);
    case 'hardSigmoid': return b.push(hardSigmoidOp(shape), [input], shape);
    case 'maxPool2d': {
      const op = maxPoolOp(name, layer, shape);
      return b.push(op, [input], op.outShape);
    }
    case 'identity': return input;
    case 'sequential': return compileChain(b, layer.layers, [input], false, `${name}.`);
    case 'denseSequential': return compileChain(b, layer.layers, [input], true, `${name}.`);
    case 'dense': return compileDense(b, layer, [input], name);
    case 'residual': {
      const a = compileLayer(b, layer.convA, input, `${name}.conv_a`);
      const r = b.push(reluOp(b.shapes[a]!), [a], b.shapes[a]!);
      const main = compileLayer(b, layer.convB, r, `${name}.conv_b`);
      const skip = compileLayer(b, layer.skip, input, `${name}.skip`);
      return b.push({ kind: 'add', name, shape: b.shapes[main]! }, [main, skip], b.shapes[main]!);
    }
    default: return assertNever(layer, 'layer');
  }
}

/** Evaluation mode: running statistics; training mode: the clean batch's mean and biased variance at this layer. */
function batchNorm(b: Builder, layer: BatchNorm2d, input: number, name: string, shape: Shape): ReturnType<typeof linearOp> {
  if (shape.length !== 3 || shape[0] !== layer.numFeatures) throw new Error(`${name} (BatchNorm2d): input must be [${layer.numFeatures}, H, W], got [${shape.join(', ')}]`);
  if (!layer.training) return batchNormOp(name, layer.weight, layer.bias, layer.runningMean, layer.runningVar, layer.eps, shape);
  const x = b.value(input);
  const C = layer.numFeatures;
  const perChannel = (t: Tensor): Tensor => reshape(mean(mean(mean(t, 3), 2), 0), [C]);
  const mu = perChannel(x);
  const centred = sub(x, reshape(mu, [1, C, 1, 1]));
  return batchNormOp(name, layer.weight, layer.bias, mu, perChannel(mul(centred, centred)), layer.eps, shape);
}
