/**
 * fast-check arbitraries for the dual-network properties (`src/relax/testing/properties.ts`):
 * small random networks, batches, radii and perturbation sets. Values are plain, readable specs
 * (a counterexample prints as a `summary` line plus JSON); {@link buildNet} and
 * {@link buildCase} turn them into modules and tensors inside the property, deterministically
 * from the spec's seeds. Reuse it for a new operator by naming its layer in `activations` (see
 * docs/extending.md).
 * @module
 */
import fc from 'fast-check';
import { AvgPool2d, BatchNorm2d, Conv2d, Dense, DenseSequential, Flatten, Identity, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index.js';
import type { Layer } from '../../src/nn/layer.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { DualNetwork, type DualizableNetwork } from '../../src/relax/network.js';
import { dualOptionsOf, pgdPoint, samplePoint, type PerturbationSet } from '../../src/relax/testing/perturbation.js';
import { adjointViolation, containmentViolation, exactnessViolation, finitenessViolation, FLOAT64_TOLERANCE, objectiveViolation, type Tolerance } from '../../src/relax/testing/properties.js';

/** One layer of a spec (the reference vectors' description format, plus custom activations). */
export type LayerSpec =
  | { type: 'Linear'; in: number; out: number; bias: boolean }
  | { type: 'Conv2d'; in: number; out: number; kernel: number; stride: number; padding: number; bias: boolean }
  | { type: 'BatchNorm2d'; features: number }
  | { type: 'MaxPool2d' | 'AvgPool2d'; kernel: number; stride: number; padding: number }
  | { type: 'Flatten' } | { type: 'Identity' }
  | { type: 'Activation'; name: string }
  | { type: 'Dense'; ws: (LayerSpec | null)[] };

/** A network spec: readable summary first, then the exact layers and the weight seed. */
export interface NetSpec {
  summary: string;
  kind: 'Sequential' | 'DenseSequential';
  input: number[];
  layers: LayerSpec[];
  seed: number;
}

/** Element-wise activations by name (`ReLU` built in; add yours). */
export type ActivationFactories = Record<string, () => Layer>;

/** What the generated networks may contain. */
export interface NetOptions {
  /** Activation names to draw from (keys of the factories passed to {@link buildNet}); default ['ReLU']. */
  activations?: readonly string[];
  /** Allow convolutions (default true), BatchNorm2d in eval mode (default true), Dense skips (default true). */
  conv?: boolean;
  batchNorm?: boolean;
  dense?: boolean;
  /** Allow MaxPool2d and AvgPool2d (true) or AvgPool2d only ('avg': the dual has no MaxPool) after a convolution's activation (default false). */
  pools?: boolean | 'avg';
}

/** Per convolution: 0 no pool, 1 MaxPool2d, 2 AvgPool2d; kernel 2 (or 1 on a side of 1), stride 1 or 2, padding 0 or 1 (AvgPool, kernel 2 only). */
const poolGene = fc.record({ kind: fc.nat(2), stride: fc.integer({ min: 1, max: 2 }), padding: fc.nat(1) });

const convGene = fc.record({
  out: fc.integer({ min: 1, max: 3 }), kernel: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 1 }), bias: fc.boolean(), batchNorm: fc.boolean(), activation: fc.nat(7), active: fc.nat(3),
});
/** `active` > 0 (3 in 4) puts an activation after the layer. */
const linearGene = fc.record({ out: fc.integer({ min: 1, max: 6 }), bias: fc.boolean(), activation: fc.nat(7), active: fc.nat(3) });
const skipGene = fc.record({ target: fc.nat(9), source: fc.nat(9), identity: fc.boolean() });

/** Random small networks (always valid: the genome is repaired while decoding). */
export function netSpecArb(options: NetOptions = {}): fc.Arbitrary<NetSpec> {
  const { conv = true, dense = true } = options;
  return fc.record({
    image: conv ? fc.boolean() : fc.constant(false),
    channels: fc.integer({ min: 1, max: 2 }), height: fc.integer({ min: 1, max: 6 }), width: fc.integer({ min: 1, max: 6 }),
    convs: fc.array(convGene, { maxLength: 2 }), linears: fc.array(linearGene, { maxLength: 2 }),
    classes: fc.integer({ min: 1, max: 3 }), skips: fc.array(skipGene, { maxLength: 2 }),
    dense: dense ? fc.boolean() : fc.constant(false), seed: fc.nat(1e6),
    ...(options.pools ? { pools: fc.array(poolGene, { minLength: 2, maxLength: 2 }) } : {}),
  }).map((g) => decode(g as Genome, options));
}

type Genome = {
  image: boolean; channels: number; height: number; width: number; classes: number; dense: boolean; seed: number;
  convs: { out: number; kernel: number; stride: number; padding: number; bias: boolean; batchNorm: boolean; activation: number; active: number }[];
  linears: { out: number; bias: boolean; activation: number; active: number }[];
  skips: { target: number; source: number; identity: boolean }[];
  pools?: { kind: number; stride: number; padding: number }[];
};

function decode(g: Genome, options: NetOptions): NetSpec {
  const names = options.activations ?? ['ReLU'];
  const act = (i: number): LayerSpec => ({ type: 'Activation', name: names[i % names.length]! });
  const input = g.image ? [g.channels, g.height, g.width] : [g.height];
  const layers: LayerSpec[] = [];
  let shape = input;
  if (g.image) {
    for (const c of g.convs) {
      const [C, H, W] = shape as [number, number, number];
      const kernel = Math.min(c.kernel, H + 2 * c.padding, W + 2 * c.padding);
      layers.push({ type: 'Conv2d', in: C, out: c.out, kernel, stride: c.stride, padding: c.padding, bias: c.bias });
      shape = [c.out, Math.floor((H + 2 * c.padding - kernel) / c.stride) + 1, Math.floor((W + 2 * c.padding - kernel) / c.stride) + 1];
      if (c.batchNorm && (options.batchNorm ?? true)) layers.push({ type: 'BatchNorm2d', features: c.out });
      if (c.active > 0) layers.push(act(c.activation));
      const pool = poolOf(g.pools?.[g.convs.indexOf(c)], shape as [number, number, number], options.pools === 'avg');
      if (pool) { layers.push(pool.layer); shape = pool.shape; }
    }
    layers.push({ type: 'Flatten' });
    shape = [shape.reduce((a, b) => a * b, 1)];
  }
  for (const l of g.linears) {
    layers.push({ type: 'Linear', in: shape[0]!, out: l.out, bias: l.bias });
    shape = [l.out];
    if (l.active > 0) layers.push(act(l.activation));
  }
  layers.push({ type: 'Linear', in: shape[0]!, out: g.classes, bias: true });
  const spec: NetSpec = { summary: '', kind: g.dense ? 'DenseSequential' : 'Sequential', input, layers, seed: g.seed };
  if (g.dense) addSkips(spec, g.skips);
  spec.summary = `${spec.kind} in[${input.join(',')}]: ${spec.layers.map(describe).join(' ')}`;
  return spec;
}

/** The pool layer a gene asks for on `[C, H, W]` and its output shape, or null. */
function poolOf(gene: NonNullable<Genome['pools']>[number] | undefined, [C, H, W]: [number, number, number], avgOnly: boolean): { layer: LayerSpec; shape: number[] } | null {
  if (!gene || gene.kind < 1) return null;
  const type = gene.kind === 1 && !avgOnly ? 'MaxPool2d' : 'AvgPool2d';
  const kernel = Math.min(2, H, W);
  const padding = type === 'AvgPool2d' && kernel === 2 ? gene.padding : 0;
  const out = (d: number): number => Math.floor((d + 2 * padding - kernel) / gene.stride) + 1;
  return { layer: { type, kernel, stride: gene.stride, padding }, shape: [C, out(H), out(W)] };
}

/** Per-example shape after each layer of `layers` (index 0 = input). */
function shapesOf(input: number[], layers: readonly LayerSpec[]): number[][] {
  const shapes = [input];
  for (const l of layers) {
    const s = shapes[shapes.length - 1]!;
    if (l.type === 'Linear') shapes.push([l.out]);
    else if (l.type === 'Conv2d') shapes.push([l.out, ...s.slice(1).map((d) => Math.floor((d + 2 * l.padding - l.kernel) / l.stride) + 1)]);
    else if (l.type === 'Flatten') shapes.push([s.reduce((a, b) => a * b, 1)]);
    else if (l.type === 'MaxPool2d' || l.type === 'AvgPool2d') shapes.push([s[0]!, ...s.slice(1).map((d) => Math.floor((d + 2 * l.padding - l.kernel) / l.stride) + 1)]);
    else if (l.type === 'Dense') shapes.push(shapesOf(s, [l.ws[l.ws.length - 1]!]).at(-1)!);
    else shapes.push(s);
  }
  return shapes;
}

/** Wraps every affine layer in a Dense and adds the skip connections that fit (identity, Linear or 1×1 conv). */
function addSkips(spec: NetSpec, skips: Genome['skips']): void {
  const shapes = shapesOf(spec.input, spec.layers);
  const affine = spec.layers.flatMap((l, i) => (l.type === 'Linear' || l.type === 'Conv2d' ? [i] : []));
  const members = new Map<number, Map<number, LayerSpec>>(affine.map((i) => [i, new Map([[1, spec.layers[i]!]])]));
  for (const s of skips) {
    const t = affine[s.target % affine.length]!;
    if (t === 0) continue;
    const source = s.source % t;
    const offset = t + 1 - source;
    const member = skipMember(shapes[source]!, shapes[t + 1]!, s.identity);
    if (member && !members.get(t)!.has(offset)) members.get(t)!.set(offset, member);
  }
  for (const [t, byOffset] of members) {
    const depth = Math.max(...byOffset.keys());
    spec.layers[t] = { type: 'Dense', ws: Array.from({ length: depth }, (_, j) => byOffset.get(depth - j) ?? null) };
  }
}

function skipMember(from: number[], to: number[], identity: boolean): LayerSpec | null {
  if (identity && from.join() === to.join()) return { type: 'Identity' };
  if (from.length === 1 && to.length === 1) return { type: 'Linear', in: from[0]!, out: to[0]!, bias: true };
  if (from.length === 3 && to.length === 3 && from[1] === to[1] && from[2] === to[2]) {
    return { type: 'Conv2d', in: from[0]!, out: to[0]!, kernel: 1, stride: 1, padding: 0, bias: false };
  }
  return null;
}

function describe(l: LayerSpec | null): string {
  if (!l) return 'null';
  switch (l.type) {
    case 'Linear': return `Linear(${l.in}→${l.out}${l.bias ? '' : ',nobias'})`;
    case 'Conv2d': return `Conv2d(${l.in}→${l.out},k${l.kernel},s${l.stride},p${l.padding}${l.bias ? '' : ',nobias'})`;
    case 'BatchNorm2d': return `BatchNorm2d(${l.features})`;
    case 'MaxPool2d': case 'AvgPool2d': return `${l.type}(k${l.kernel},s${l.stride},p${l.padding})`;
    case 'Activation': return l.name;
    case 'Dense': return `Dense(${l.ws.map(describe).join(', ')})`;
    default: return l.type;
  }
}

/**
 * The module a spec describes, in `dtype` and eval mode: weights from PyTorch's default init
 * drawn with the spec's seed; BatchNorm2d gets random γ ∈ ±[0.5, 1.5], β, running mean and variance.
 * `weightScale` multiplies every parameter (pre-activations of an order of ±weightScale: an
 * activation whose kinks lie far from 0, such as HardSigmoid's at ±3, then gets crossed).
 */
export function buildNet(spec: NetSpec, dtype: DType = 'float64', factories: ActivationFactories = {}, weightScale = 1): Sequential | DenseSequential {
  const rng = new Rng(spec.seed);
  const all: ActivationFactories = { ReLU: () => new ReLU(), ...factories };
  const layers = spec.layers.map((l) => buildLayer(l, rng, all));
  const net = (spec.kind === 'Sequential' ? new Sequential(...layers) : new DenseSequential(...layers)).to(dtype).eval();
  if (weightScale !== 1) for (const p of net.parameters()) p.data.forEach((v, k) => { p.data[k] = v * weightScale; });
  return net;
}

function buildLayer(l: LayerSpec, rng: Rng, factories: ActivationFactories): Layer {
  switch (l.type) {
    case 'Linear': return new Linear(l.in, l.out, { rng, bias: l.bias });
    case 'Conv2d': return new Conv2d(l.in, l.out, l.kernel, { rng, bias: l.bias, stride: l.stride, padding: l.padding });
    case 'BatchNorm2d': return randomBatchNorm(l.features, rng);
    case 'Flatten': return new Flatten();
    case 'MaxPool2d': return new MaxPool2d(l.kernel, { stride: l.stride, padding: l.padding });
    case 'AvgPool2d': return new AvgPool2d(l.kernel, { stride: l.stride, padding: l.padding });
    case 'Identity': return new Identity();
    case 'Dense': return new Dense(...l.ws.map((w) => (w ? buildLayer(w, rng, factories) : null)));
    case 'Activation': {
      const make = factories[l.name];
      if (!make) throw new Error(`buildNet: no factory for activation '${l.name}'`);
      return make();
    }
  }
}

/**
 * Zeroes every other row of one affine layer's weight (the `which`-th, cyclically), and every bias
 * when `zeroBias`: those units' pre-activations are constant, so their boxes have u = l.
 */
export function zeroHalfRows(net: Sequential | DenseSequential, which: number, zeroBias: boolean): void {
  const affine = net.namedParameters().filter(([, p]) => p.rank >= 2);
  const [, weight] = affine[which % affine.length]!;
  const rows = weight.shape[0]!;
  const perRow = weight.size / rows;
  for (let r = 0; r < rows; r += 2) weight.data.fill(0, r * perRow, (r + 1) * perRow);
  if (zeroBias) for (const [name, p] of net.namedParameters()) if (name.endsWith('bias')) p.data.fill(0);
}

function randomBatchNorm(features: number, rng: Rng): BatchNorm2d {
  const bn = new BatchNorm2d(features);
  for (let c = 0; c < features; c++) {
    bn.weight.data[c] = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.5, 1.5);
    bn.bias.data[c] = rng.uniform(-0.5, 0.5);
    bn.runningMean.data[c] = rng.uniform(-0.5, 0.5);
    bn.runningVar.data[c] = rng.uniform(0.5, 2);
  }
  return bn;
}

/** A batch, a radius and a set, as a spec. */
export interface CaseSpec {
  batch: number;
  set: 'linf' | 'l2' | 'box';
  epsilon: number;
  /** 'scalar', 'perExample' ([B], scaled per example) or 'perDimension' ([B, ...S_0]). */
  epsilonForm: 'scalar' | 'perExample' | 'perDimension';
  seed: number;
}

/**
 * Random batches and sets. ε is mostly large enough for ReLUs to cross (0.1 to `maxEpsilon`,
 * default 1), sometimes small (1e-3 to 0.1) or tiny (1e-6).
 */
export function caseSpecArb(maxEpsilon = 1): fc.Arbitrary<CaseSpec> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    set: fc.constantFrom<CaseSpec['set']>('linf', 'l2', 'box'),
    epsilon: fc.oneof(
      { arbitrary: fc.double({ min: 0.1, max: maxEpsilon, noNaN: true }), weight: 3 },
      { arbitrary: fc.double({ min: 1e-3, max: 0.1, noNaN: true }), weight: 1 },
      { arbitrary: fc.constant(1e-6), weight: 1 },
    ),
    epsilonForm: fc.constantFrom<CaseSpec['epsilonForm']>('scalar', 'perExample', 'perDimension'),
    seed: fc.nat(1e6),
  });
}

/** X uniform in [0, 1] `[B, ...input]` and the perturbation set of `c` (ε scaled by `epsilonScale`). */
export function buildCase(c: CaseSpec, input: readonly number[], dtype: DType = 'float64', epsilonScale = 1): PerturbationSet {
  const rng = new Rng(c.seed);
  const X = Tensor.uniform([c.batch, ...input], rng, 0, 1, dtype);
  const eps = c.epsilon * epsilonScale;
  let epsilon: number | Tensor = eps;
  if (c.epsilonForm === 'perExample') epsilon = Tensor.uniform([c.batch], rng, 0.5 * eps, eps, dtype);
  if (c.epsilonForm === 'perDimension') epsilon = Tensor.uniform([c.batch, ...input], rng, 0, eps, dtype);
  return c.set === 'box' ? { X, epsilon, norm: 'linf', bounded: true, lower: 0, upper: 1 } : { X, epsilon, norm: c.set };
}

/** Random objective vectors c `[B, K, ...outShape]` (standard normal). */
export function randomObjective(batch: number, K: number, outShape: readonly number[], rng: Rng, dtype: DType = 'float64'): Tensor {
  return Tensor.randn([batch, K, ...outShape], rng, 0, 1, dtype);
}

/** Two interior and two extreme samples plus one PGD point (4 steps) per objective column of c `[B, K, ...]`. */
export function samplePoints(net: DualizableNetwork, set: PerturbationSet, c: Tensor, rng: Rng): Tensor[] {
  const pts = [samplePoint(set, 'interior', rng), samplePoint(set, 'interior', rng), samplePoint(set, 'extreme', rng), samplePoint(set, 'extreme', rng)];
  const [B, columns] = c.shape as [number, number];
  const perColumn = c.size / (B * columns);
  for (let k = 0; k < columns; k++) {
    const ck = Tensor.zeros([B, perColumn], c.dtype);
    for (let b = 0; b < B; b++) for (let j = 0; j < perColumn; j++) ck.data[b * perColumn + j] = c.data[(b * columns + k) * perColumn + j]!;
    pts.push(pgdPoint(net, set, ck, { rng, steps: 4 }));
  }
  return pts;
}

/**
 * Builds the dual of `net` for `set`, draws 2 random objectives c and the points of
 * {@link samplePoints}, and returns the first violation of containment or weak duality (or null).
 */
export function soundnessViolation(net: DualizableNetwork, set: PerturbationSet, rng: Rng, tol: Tolerance = FLOAT64_TOLERANCE): string | null {
  const dual = new DualNetwork(net, set.X, set.epsilon, dualOptionsOf(set));
  const c = randomObjective(set.X.shape[0]!, 2, dual.shapes[dual.shapes.length - 1]!, rng, set.X.dtype);
  const pts = samplePoints(net, set, c, rng);
  return containmentViolation(dual, net, pts, tol) ?? objectiveViolation(dual, net, c, pts, tol);
}

/**
 * The element-wise operator checks on one random case, the first violation or null: adjointness,
 * sampled and PGD containment with weak duality, exactness at ε = 0 and finiteness (values and
 * gradients), for a net built with `factories` (and `weightScale`, see {@link buildNet}).
 */
export function elementwiseViolation(spec: NetSpec, cs: CaseSpec, factories: ActivationFactories, weightScale = 1): string | null {
  const net = buildNet(spec, 'float64', factories, weightScale);
  const set = buildCase(cs, spec.input);
  const options = dualOptionsOf(set);
  const dual = new DualNetwork(net, set.X, set.epsilon, options);
  const c = randomObjective(cs.batch, 2, dual.shapes.at(-1)!, new Rng(cs.seed));
  return adjointViolation(dual, new Rng(cs.seed), { atol: 1e-12, rtol: 1e-12 })
    ?? soundnessViolation(net, set, new Rng(cs.seed + 1))
    ?? exactnessViolation(net, set.X, c, options, FLOAT64_TOLERANCE)
    ?? finitenessViolation(net, set.X, set.epsilon, c, options);
}

/**
 * Where the pre-activation bounds from forward columns and from backward rows differ by more than
 * `rtol`·(1 + |value|), or null; also fails when the backward network fell back to forward anywhere.
 */
export function directionViolation(spec: NetSpec, cs: CaseSpec, factories: ActivationFactories, rtol = 1e-10, weightScale = 1): string | null {
  const net = buildNet(spec, 'float64', factories, weightScale);
  const set = buildCase(cs, spec.input);
  const [fwd, bwd] = (['forward', 'backward'] as const).map((d) => new DualNetwork(net, set.X, set.epsilon, { ...dualOptionsOf(set), boundDirection: d }));
  if (!bwd!.boundDirections.every((d) => d === 'backward')) return `backward bounds fell back: ${bwd!.boundDirections.join()}`;
  for (const [i, r] of fwd!.reluBounds().entries()) {
    const other = bwd!.reluBounds()[i]!;
    for (const [x, y] of [[r.lower, other.lower], [r.upper, other.upper]] as const) {
      const k = x.data.findIndex((v, j) => !(Math.abs(v - y.data[j]!) <= rtol * (1 + Math.abs(v))));
      if (k >= 0) return `bound ${i}[${k}]: forward ${x.data[k]}, backward ${y.data[k]}`;
    }
  }
  return null;
}
