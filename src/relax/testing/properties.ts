/**
 * Checks that any dual network, or any new dual operator inside one, must pass (the properties
 * of DESIGN.md, "Tests"). Each check returns `null` when the property holds and otherwise a
 * one-line description of the worst violation (layer, unit, both values), so a property-based
 * test can throw it and the shrunk counterexample reads as a sentence. No test framework needed:
 * `tests/relax/properties.test.ts` drives these with fast-check; you can call them directly on
 * your own networks.
 *
 * - {@link adjointViolation}: `⟨forward(x), y⟩ = ⟨x, T(y)⟩` for every dual layer and every input
 *   offset it reads (a Dense layer's skip connections included);
 * - {@link containmentViolation}: the pre-activations of points of the set lie in the bounds;
 * - {@link objectiveViolation}: `J(c) ≤ cᵀ f(x')` for points x' of the set (weak duality);
 * - {@link monotonicityViolation}: bounds and J only loosen as ε grows;
 * - {@link exactnessViolation}: at ε = 0 the bounds are the activations and J(c) = cᵀ f(x);
 * - {@link finitenessViolation}: bounds, J and the parameter gradients of Σ J hold no NaN / ±∞.
 * @module
 */
import { backward, mul, noGrad, reshape, sum } from '../../autograd/index.js';
import type { Layer } from '../../nn/layer.js';
import type { DType } from '../../tensor/dtype.js';
import type { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from '../inputs/epsilon.js';
import { DualNetwork, type DualizableNetwork, type DualNetworkOptions } from '../network.js';

/** Absolute and relative slack: a comparison a ≤ b passes when a ≤ b + atol + rtol·scale. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Slack for float64 computations. */
export const FLOAT64_TOLERANCE: Tolerance = { atol: 1e-9, rtol: 1e-9 };
/** Slack for float32 computations. */
export const FLOAT32_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-4 };

/** Layer kinds whose dual reads the pre-activation bounds (and so appear in `reluBounds()`). */
export const BOUNDED_KINDS: readonly string[] = ['relu', 'leakyRelu', 'hardTanh', 'hardSigmoid'];

/** Every activation z_0 = x, …, z_L of `net` on the batch x (Dense layers read the whole history). */
export function activations(net: DualizableNetwork, x: Tensor): Tensor[] {
  const zs = [x];
  for (const layer of net.layers) zs.push(layer.kind === 'dense' ? layer.forwardAll(zs) : layer.forward(zs[zs.length - 1]!));
  return zs;
}

/** Indices i of the layers whose input z_i the dual bounds (kinds in `kinds`), in order. */
export function boundedPositions(net: DualizableNetwork, kinds: readonly string[] = BOUNDED_KINDS): number[] {
  return net.layers.flatMap((layer: Layer, i) => (kinds.includes(layer.kind) ? [i] : []));
}

/**
 * The worst relative gap |⟨A x, y⟩ − Σ_m ⟨x_m, A_mᵀ y⟩| over the dual's layers (random x at every
 * activation the layer reads, random y at its output, `columns` columns each), as text when it
 * exceeds `tol` (null otherwise).
 */
export function adjointViolation(dual: DualNetwork, rng: Rng, tol: Tolerance, dtype: DType = 'float64', columns = 2): string | null {
  let worst: { gap: number; text: string } | null = null;
  for (const [i, layer] of dual.layers.entries()) {
    const depth = Math.max(...layer.reads);
    const history = Array.from({ length: depth }, (_, h) => randomColumns(dual, i + 1 - depth + h, columns, rng, dtype));
    const y = randomColumns(dual, i + 1, columns, rng, dtype);
    const forward = dot(layer.forward(history), y);
    let transposed = 0;
    let scale = Math.abs(forward);
    for (const m of layer.reads) {
      const part = dot(history[depth - m]!, layer.T(y, m));
      transposed += part;
      scale += Math.abs(part);
    }
    const gap = Math.abs(forward - transposed);
    if (!(gap <= tol.atol + tol.rtol * scale) && (!worst || gap > worst.gap)) {
      const text = `adjointness fails at layer ${i} (${layer.constructor.name}, reads ${layer.reads.join(',')}): ⟨forward(x), y⟩ = ${forward} but Σ ⟨x, T(y)⟩ = ${transposed}`;
      worst = { gap, text };
    }
  }
  return worst?.text ?? null;
}

/** Points whose pre-activations leave the bounds: the worst one, as text (null if none). */
export function containmentViolation(dual: DualNetwork, net: DualizableNetwork, points: readonly Tensor[], tol: Tolerance, kinds = BOUNDED_KINDS): string | null {
  const positions = boundedPositions(net, kinds);
  const bounds = dual.reluBounds();
  if (bounds.length !== positions.length) return `the dual recorded ${bounds.length} bounds but the network has ${positions.length} bounded layers`;
  for (const [p, point] of points.entries()) {
    const zs = noGrad(() => activations(net, point));
    for (const [r, position] of positions.entries()) {
      const z = zs[position]!.data;
      const { lower, upper } = bounds[r]!;
      const scale = maxAbs(lower.data) + maxAbs(upper.data);
      for (let j = 0; j < z.length; j++) {
        const slack = tol.atol + tol.rtol * scale;
        if (z[j]! < lower.data[j]! - slack || z[j]! > upper.data[j]! + slack || Number.isNaN(z[j]! - lower.data[j]! - upper.data[j]!)) {
          return `point ${p}: bounded layer ${position} (${net.layers[position]!.kind}), flat index ${j}: value ${z[j]} outside [${lower.data[j]}, ${upper.data[j]}]`;
        }
      }
    }
  }
  return null;
}

/** Points x' with cᵀ f(x') < J(c) (beyond tol): the worst, as text (null if none). c is `[B, K, ...S_L]`. */
export function objectiveViolation(dual: DualNetwork, net: DualizableNetwork, c: Tensor, points: readonly Tensor[], tol: Tolerance): string | null {
  const J = noGrad(() => dual.objective(c));
  const [B, K] = J.shape as [number, number];
  for (const [p, point] of points.entries()) {
    const values = primalObjective(net, c, point);
    for (let i = 0; i < B * K; i++) {
      const slack = tol.atol + tol.rtol * (Math.abs(J.data[i]!) + Math.abs(values[i]!));
      if (!(J.data[i]! <= values[i]! + slack)) {
        return `point ${p}: example ${Math.floor(i / K)}, column ${i % K}: cᵀf(x') = ${values[i]} < J(c) = ${J.data[i]}`;
      }
    }
  }
  return null;
}

/** `cᵀ f(x)` per example and column: `[B·K]` (row-major). */
export function primalObjective(net: DualizableNetwork, c: Tensor, x: Tensor): Float64Array {
  return noGrad(() => {
    const out = net.forward(x);
    const B = out.shape[0]!;
    const K = c.shape[1]!;
    const n = out.size / B;
    const values = new Float64Array(B * K);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += c.data[(b * K + k) * n + j]! * out.data[b * n + j]!;
        values[b * K + k] = acc;
      }
    }
    return values;
  });
}

/** Bounds or J that tighten when ε grows from `small` to `large`: the worst, as text (null if none). */
export function monotonicityViolation(net: DualizableNetwork, X: Tensor, small: EpsilonInput, large: EpsilonInput, c: Tensor, options: DualNetworkOptions, tol: Tolerance): string | null {
  return noGrad(() => {
    const [a, b] = [new DualNetwork(net, X, small, options), new DualNetwork(net, X, large, options)];
    const [ba, bb] = [a.reluBounds(), b.reluBounds()];
    for (let r = 0; r < ba.length; r++) {
      const scale = maxAbs(ba[r]!.lower.data) + maxAbs(ba[r]!.upper.data) + maxAbs(bb[r]!.lower.data) + maxAbs(bb[r]!.upper.data);
      const slack = tol.atol + tol.rtol * scale;
      for (let j = 0; j < ba[r]!.lower.size; j++) {
        if (bb[r]!.lower.data[j]! > ba[r]!.lower.data[j]! + slack) return `bounds #${r}, flat index ${j}: lower bound rises from ${ba[r]!.lower.data[j]} to ${bb[r]!.lower.data[j]} as ε grows`;
        if (bb[r]!.upper.data[j]! < ba[r]!.upper.data[j]! - slack) return `bounds #${r}, flat index ${j}: upper bound falls from ${ba[r]!.upper.data[j]} to ${bb[r]!.upper.data[j]} as ε grows`;
      }
    }
    const [Ja, Jb] = [a.objective(c), b.objective(c)];
    for (let i = 0; i < Ja.size; i++) {
      const slack = tol.atol + tol.rtol * (Math.abs(Ja.data[i]!) + Math.abs(Jb.data[i]!));
      if (Jb.data[i]! > Ja.data[i]! + slack) return `J(c) entry ${i} rises from ${Ja.data[i]} to ${Jb.data[i]} as ε grows`;
    }
    return null;
  });
}

/** At ε = 0 the bounds must equal the activations and J(c) must equal cᵀ f(x): the worst miss, as text. */
export function exactnessViolation(net: DualizableNetwork, X: Tensor, c: Tensor, options: DualNetworkOptions, tol: Tolerance, kinds = BOUNDED_KINDS): string | null {
  return noGrad(() => {
    const dual = new DualNetwork(net, X, 0, options);
    const zs = activations(net, X);
    const positions = boundedPositions(net, kinds);
    for (const [r, { lower, upper }] of dual.reluBounds().entries()) {
      const z = zs[positions[r]!]!.data;
      const slack = tol.atol + tol.rtol * maxAbs(z);
      for (let j = 0; j < z.length; j++) {
        if (Math.abs(lower.data[j]! - z[j]!) > slack || Math.abs(upper.data[j]! - z[j]!) > slack) {
          return `ε = 0, bounded layer ${positions[r]}, flat index ${j}: activation ${z[j]} but bounds [${lower.data[j]}, ${upper.data[j]}]`;
        }
      }
    }
    const J = dual.objective(c);
    const values = primalObjective(net, c, X);
    for (let i = 0; i < J.size; i++) {
      if (Math.abs(J.data[i]! - values[i]!) > tol.atol + tol.rtol * Math.abs(values[i]!)) return `ε = 0, J(c) entry ${i} = ${J.data[i]} but cᵀf(x) = ${values[i]}`;
    }
    return null;
  });
}

/** NaN or ±∞ in the bounds, in J(c), or in the gradient of Σ J(c) with respect to any parameter. */
export function finitenessViolation(net: DualizableNetwork, X: Tensor, epsilon: EpsilonInput, c: Tensor, options: DualNetworkOptions): string | null {
  const params = net.namedParameters();
  const saved = params.map(([, p]) => p.grad);
  try {
    for (const [, p] of params) p.grad = null;
    const dual = new DualNetwork(net, X, epsilon, options);
    for (const [r, { lower, upper }] of dual.reluBounds().entries()) {
      if (![...lower.data, ...upper.data].every(Number.isFinite)) return `bounds #${r} hold a non-finite value`;
    }
    const J = dual.objective(c);
    if (!J.data.every(Number.isFinite)) return `J(c) holds a non-finite value: [${[...J.data].join(', ')}]`;
    if (J.requiresGrad) backward(sum(J));
    for (const [name, p] of params) {
      if (p.grad && !p.grad.data.every(Number.isFinite)) return `the gradient of Σ J(c) for parameter ${name} holds a non-finite value`;
    }
    return null;
  } finally {
    params.forEach(([, p], i) => { p.grad = saved[i]!; });
  }
}

/** Random columns `[B, P, ...S_t]` for activation t in `dtype`. */
function randomColumns(dual: DualNetwork, t: number, columns: number, rng: Rng, dtype: DType): Tensor {
  return Tensor.randn([dual.batch, columns, ...dual.shapes[t]!], rng, 0, 1, dtype);
}

/** Σ a ⊙ b over all elements (shapes must match after viewing b like a). */
function dot(a: Tensor, b: Tensor): number {
  return noGrad(() => sum(mul(a, reshape(b, a.shape))).item());
}

function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]!));
  return m;
}
