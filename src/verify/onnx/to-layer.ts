/**
 * One ONNX node as operators of the bound engine (see `to-network.ts`): Gemm / MatMul → Linear
 * (W `[out, in]`), Conv → Conv2d (asymmetric pads as a Pad node first), pools → AvgPool2d /
 * MaxPool2d, Relu → ReLU, BatchNormalization and Add / Sub / Mul / Div by constants → a diagonal
 * affine op, an Add / Sub of two network values → the engine's Add (residual connections),
 * Transpose → a permutation, Pad → an injection plus a constant, shape ops → reshapes.
 * @module
 */
import { reluOp } from '../../relax/bounds/index.js';
import { avgPoolOp, conv2dOp, linearOp } from '../../relax/bounds/linear-ops.js';
import { maxPoolOp } from '../../relax/bounds/max-pool.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { affineOp, gatherOp, scatterOp } from './bound-ops.js';
import { intsAttr, numAttr, strAttr, type GraphNode } from './graph.js';
import { broadcastBinary, nd, stridesOf, transpose, type NdArray } from './ndarray.js';
import { perShape, refuse, type NetworkBuilder, type Variable } from './to-network.js';

type Args = readonly (Variable | undefined)[];
type Consts = readonly (NdArray | undefined)[];

/** The output variable of `node` (some input is a variable). */
export function translateLayer(b: NetworkBuilder, node: GraphNode, args: Args, consts: Consts): Variable {
  const x = args[0];
  const outShape = b.shapeOf(node.outputs[0]!);
  const per = perShape(outShape);
  const result = (n: number): Variable => ({ node: n, shape: outShape });
  const first = (): Variable => x ?? refuse(node, 'only the first operand may depend on the input');
  switch (node.op) {
    case 'Identity': return first();
    case 'Relu': return result(b.push(reluOp(per), [b.as(first(), per, node.name)], per));
    case 'Flatten': case 'Reshape': case 'Squeeze': case 'Unsqueeze': return result(b.as(first(), per, node.name));
    case 'Add': case 'Sub': case 'Mul': case 'Div': return result(elementwise(b, node, args, consts, outShape));
    case 'Gemm': return result(gemm(b, node, first(), consts));
    case 'MatMul': return result(matmulNode(b, node, args, consts, outShape));
    case 'Conv': return result(conv(b, node, first(), consts));
    case 'AveragePool': case 'MaxPool': return result(pool(b, node, first()));
    case 'BatchNormalization': return result(batchNorm(b, node, first(), consts));
    case 'Transpose': return result(transposeNode(b, node, first(), outShape));
    case 'Pad': return result(padNode(b, node, first(), consts, outShape));
    default: return refuse(node, 'the bound engine has no operator for it');
  }
}

/** A constant broadcast to the full shape of the output (which must be the variable's). */
function spread(c: NdArray, shape: readonly number[]): Float64Array {
  return broadcastBinary(nd(shape), c, (_, q) => q).data;
}

/** Add / Sub / Mul / Div with one constant operand, or Add / Sub of two variables. */
function elementwise(b: NetworkBuilder, node: GraphNode, args: Args, consts: Consts, outShape: readonly number[]): number {
  const per = perShape(outShape);
  const [x, y] = args;
  const same = (v: Variable): boolean => sizeOf(v.shape) === sizeOf(outShape);
  if (x && y) {
    if (node.op !== 'Add' && node.op !== 'Sub') refuse(node, 'a product of two network values is not piecewise linear');
    if (!same(x) || !same(y)) refuse(node, 'broadcasting a network value is not supported');
    let right = b.as(y, per, `${node.name}.b`);
    if (node.op === 'Sub') right = b.push(affineOp(`${node.name}.neg`, per, new Float64Array(sizeOf(per)).fill(-1), null), [right], per);
    return b.push({ kind: 'add', name: node.name, shape: per }, [b.as(x, per, `${node.name}.a`), right], per);
  }
  const v = (x ?? y)!;
  if (!same(v)) refuse(node, 'broadcasting a network value is not supported');
  const c = spread((x ? consts[1] : consts[0])!, outShape);
  const input = [b.as(v, per, node.name)];
  const op = (scale: Float64Array | null, shift: Float64Array | null): number => b.push(affineOp(node.name, per, scale, shift), input, per);
  switch (node.op) {
    case 'Add': return op(null, c);
    case 'Sub': return x ? op(null, c.map((t) => -t)) : op(new Float64Array(c.length).fill(-1), c);
    case 'Mul': return op(c, null);
    default: return x ? op(c.map((t) => 1 / t), null) : refuse(node, 'dividing by a network value is not piecewise linear');
  }
}

/** A float64 Linear W `[out, in]` on v seen as a vector. */
function linear(b: NetworkBuilder, node: GraphNode, v: Variable, w: Float64Array, out: number, bias: Float64Array | null): number {
  const inp = w.length / out;
  const op = linearOp(node.name, new Tensor(w, [out, inp]), bias && new Tensor(bias, [out]));
  return b.push(op, [b.as(v, [inp], node.name)], [out]);
}

/** Gemm: alpha · A B' + beta · C with A the variable. */
function gemm(b: NetworkBuilder, node: GraphNode, x: Variable, consts: Consts): number {
  const B = consts[1] ?? refuse(node, 'B must be a constant');
  if (numAttr(node, 'transA', 0) !== 0 || x.shape.length !== 2 || x.shape[0] !== 1) refuse(node, 'A must be one row [1, n] (no transA)');
  const alpha = numAttr(node, 'alpha', 1);
  const [r, c] = B.shape as [number, number];
  const transB = numAttr(node, 'transB', 0) !== 0;
  const out = transB ? r : c;
  const w = transB ? B.data.map((v) => alpha * v) : transposed(B.data, r, c, alpha);
  const C = consts[2];
  const bias = C ? spread(C, [1, out]).map((v) => numAttr(node, 'beta', 1) * v) : null;
  const n = linear(b, node, x, w, out, bias);
  return b.as({ node: n, shape: [1, out] }, perShape(b.shapeOf(node.outputs[0]!)), `${node.name}.out`);
}

/** `[r, c]` → `[c, r]`, scaled. */
function transposed(data: Float64Array, r: number, c: number, scale: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = scale * data[i * c + j]!;
  return out;
}

/** MatMul of a variable row by a constant matrix, or a constant matrix by a variable column. */
function matmulNode(b: NetworkBuilder, node: GraphNode, args: Args, consts: Consts, outShape: readonly number[]): number {
  const [x, y] = args;
  if (x && y) refuse(node, 'a product of two network values is not piecewise linear');
  const W = (x ? consts[1] : consts[0])!;
  if (W.shape.length !== 2) refuse(node, 'the constant operand must be a matrix');
  const [r, c] = W.shape as [number, number];
  const n = x ? linear(b, node, x, transposed(W.data, r, c, 1), c, null) : linear(b, node, y!, W.data, r, null);
  return b.as({ node: n, shape: [sizeOf(outShape)] }, perShape(outShape), `${node.name}.out`);
}

/** The node of a 4-D variable `[1, C, H, W]` as `[C, H, W]`. */
function image(b: NetworkBuilder, node: GraphNode, x: Variable): { n: number; shape: number[] } {
  if (x.shape.length !== 4 || x.shape[0] !== 1) refuse(node, `expects [1, C, H, W], got [${x.shape.join(',')}]`);
  const shape = x.shape.slice(1);
  return { n: b.as(x, shape, node.name), shape };
}

/** Explicit pads [top, left, bottom, right] of a Conv / pool (auto_pad NOTSET or VALID only). */
function padsOf(node: GraphNode): [number, number, number, number] {
  const auto = strAttr(node, 'auto_pad', 'NOTSET');
  if (auto !== 'NOTSET' && auto !== 'VALID') refuse(node, `auto_pad ${auto} is not supported`);
  if (intsAttr(node, 'dilations', [1, 1]).some((d) => d !== 1)) refuse(node, 'dilations other than 1 are not supported by the bound engine');
  const p = auto === 'VALID' ? [0, 0, 0, 0] : intsAttr(node, 'pads', [0, 0, 0, 0]);
  return [p[0]!, p[1]!, p[2]!, p[3]!];
}

/** Conv (group 1): asymmetric pads become a zero Pad node before a Conv2d with padding 0. */
function conv(b: NetworkBuilder, node: GraphNode, x: Variable, consts: Consts): number {
  const W = consts[1] ?? refuse(node, 'the weight must be a constant');
  if (numAttr(node, 'group', 1) !== 1) refuse(node, 'grouped convolutions are not supported by the bound engine');
  const img = image(b, node, x);
  let [t, l, bo, r] = padsOf(node);
  let input = img.n;
  let shape = img.shape;
  if (t !== bo || l !== r) {
    const padded = [shape[0]!, shape[1]! + t + bo, shape[2]! + l + r];
    input = b.push(scatterOp(`${node.name}.pad`, shape, padded, padTargets([1, ...shape], [0, 0, t, l], [1, ...padded]), 0), [input], padded);
    shape = padded;
    t = bo = l = r = 0;
  }
  const bias = consts[2] ? new Tensor(Float64Array.from(consts[2].data), [W.shape[0]!]) : null;
  const s = intsAttr(node, 'strides', [1, 1]);
  const op = conv2dOp(node.name, new Tensor(Float64Array.from(W.data), W.shape), bias, { stride: [s[0]!, s[1]!], padding: [t, l] }, shape);
  return b.push(op, [input], op.outShape);
}

/** MaxPool / AveragePool with a square kernel, equal strides and equal pads on every side. */
function pool(b: NetworkBuilder, node: GraphNode, x: Variable): number {
  const img = image(b, node, x);
  const k = intsAttr(node, 'kernel_shape', []);
  const s = intsAttr(node, 'strides', [1, 1]);
  const p = padsOf(node);
  if (k[0] !== k[1] || s[0] !== s[1] || p.some((v) => v !== p[0])) refuse(node, 'only square kernels with equal strides and pads are supported by the bound engine');
  const g = { kernel: k[0]!, stride: s[0]!, padding: p[0]! };
  if (node.op === 'AveragePool' && g.padding > 0 && numAttr(node, 'count_include_pad', 0) === 0) refuse(node, 'padding without count_include_pad is not supported by the bound engine');
  const op = node.op === 'MaxPool' ? maxPoolOp(node.name, g, img.shape) : avgPoolOp(node.name, g, img.shape);
  return b.push(op, [img.n], op.outShape);
}

/** Inference-mode BatchNormalization over axis 1: s = γ / sqrt(var + eps), t = β − μ s. */
function batchNorm(b: NetworkBuilder, node: GraphNode, x: Variable, consts: Consts): number {
  const [, g, beta, mean, variance] = consts;
  if (!g || !beta || !mean || !variance) refuse(node, 'scale, B, mean and var must be constants');
  if (x.shape.length < 2 || x.shape[0] !== 1) refuse(node, `expects [1, C, ...], got [${x.shape.join(',')}]`);
  const eps = numAttr(node, 'epsilon', 1e-5);
  const C = x.shape[1]!;
  const inner = sizeOf(x.shape.slice(2));
  const per = perShape(x.shape);
  const scale = new Float64Array(C * inner);
  const shift = new Float64Array(C * inner);
  for (let i = 0; i < scale.length; i++) {
    const ch = Math.floor(i / inner);
    scale[i] = g.data[ch]! / Math.sqrt(variance.data[ch]! + eps);
    shift[i] = beta.data[ch]! - mean.data[ch]! * scale[i]!;
  }
  return b.push(affineOp(node.name, per, scale, shift), [b.as(x, per, node.name)], per);
}

/** Transpose: output entry k reads input entry source[k]. */
function transposeNode(b: NetworkBuilder, node: GraphNode, x: Variable, outShape: readonly number[]): number {
  const perm = intsAttr(node, 'perm', x.shape.map((_, i) => x.shape.length - 1 - i));
  const iota = nd(x.shape, Array.from({ length: sizeOf(x.shape) }, (_, i) => i));
  const source = Int32Array.from(transpose(iota, perm).data);
  const inPer = perShape(x.shape);
  const per = perShape(outShape);
  return b.push(gatherOp(node.name, inPer, per, source), [b.as(x, inPer, node.name)], per);
}

/** Flat output positions of the input entries of `shape` placed at offset `before` per axis. */
function padTargets(shape: readonly number[], before: readonly number[], out: readonly number[]): Int32Array {
  const src = stridesOf(shape);
  const dst = stridesOf(out);
  return Int32Array.from({ length: sizeOf(shape) }, (_, i) => {
    let o = 0;
    for (let k = 0; k < shape.length; k++) o += (Math.floor(i / src[k]!) % shape[k]! + before[k]!) * dst[k]!;
    return o;
  });
}

/** Constant-mode Pad (pads from the second input or the attribute; no padding of a batch axis). */
function padNode(b: NetworkBuilder, node: GraphNode, x: Variable, consts: Consts, outShape: readonly number[]): number {
  if (strAttr(node, 'mode', 'constant') !== 'constant') refuse(node, 'only constant padding is supported');
  const pads = consts[1] ? Array.from(consts[1].data) : intsAttr(node, 'pads', []);
  const rank = x.shape.length;
  if (perShape(x.shape).length !== rank && (pads[0] !== 0 || pads[rank] !== 0)) refuse(node, 'padding the batch axis is not supported');
  const fill = consts[2] ? consts[2].data[0] ?? 0 : numAttr(node, 'value', 0);
  const inPer = perShape(x.shape);
  const per = perShape(outShape);
  const target = padTargets(x.shape, pads.slice(0, rank), outShape);
  return b.push(scatterOp(node.name, inPer, per, target, fill), [b.as(x, inPer, node.name)], per);
}
