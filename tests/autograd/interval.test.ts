/**
 * `intervalAffine` (one fused op) against the composition of generic ops it replaces
 * (m = (l+u)·½, r = clamp((u−l)·½, 0), A m + b ∓ |A| r): the same values and the same gradients
 * of l, u, W and b, bit for bit, for dense, conv and reshape maps, with and without bias, in
 * float32 and float64, on js, wasm and native (where built); `intervalCentre` likewise; and a
 * float64 finite-difference check.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { abs, add, backward, clamp, conv2d, intervalAffine, intervalCentre, matmul, mul, reshape, sub, sum, type IntervalMap } from '../../src/autograd/index.js';
import { nativeBackendAvailable } from '../../src/tensor/backends/native/index.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/random.js';
import { backendNames, withBackend } from '../../src/tensor/registry.js';
import { Tensor } from '../../src/tensor/tensor.js';

const backends = ['js', 'wasm', ...(nativeBackendAvailable() ? ['native'] : [])].filter((b) => backendNames().includes(b));

interface Case { readonly map: IntervalMap; readonly inShape: number[]; readonly bias: Tensor | null; readonly weight: Tensor | null }

function makeCase(kind: IntervalMap['kind'], withBias: boolean, rng: Rng, dtype: DType, N: number): Case {
  const leaf = (shape: number[]): Tensor => {
    const t = Tensor.uniform(shape, rng, -1, 1).to(dtype);
    t.requiresGrad = true;
    return t;
  };
  if (kind === 'dense') {
    const weight = leaf([5, 7]);
    return { map: { kind, weight }, inShape: [N, 7], bias: withBias ? reshape(leaf([5]), [1, 5]) : null, weight };
  }
  if (kind === 'conv') {
    const weight = leaf([4, 3, 3, 3]);
    return { map: { kind, weight, stride: [2, 2], padding: [1, 1] }, inShape: [N, 3, 6, 5], bias: withBias ? reshape(leaf([4]), [1, 4, 1, 1]) : null, weight };
  }
  return { map: { kind, outShape: [24] }, inShape: [N, 2, 3, 4], bias: null, weight: null };
}

/** The composed ops of the former IBP step (src/relax/bounds/ibp.ts before the fused op). */
function composed(c: Case, l: Tensor, u: Tensor): [Tensor, Tensor] {
  const m = mul(add(l, u), 0.5);
  const r = clamp(mul(sub(u, l), 0.5), 0);
  const apply = (z: Tensor, w: Tensor | null): Tensor => c.map.kind === 'dense' ? matmul(z, w!, { transB: true })
    : c.map.kind === 'conv' ? conv2d(z, w!, null, { stride: c.map.stride, padding: c.map.padding }) : reshape(z, [z.shape[0]!, ...c.map.outShape]);
  const centre = apply(m, c.weight), radius = apply(r, c.weight ? abs(c.weight) : null);
  const mid = c.bias ? add(centre, c.bias) : centre;
  return [sub(mid, radius), add(mid, radius)];
}

/** Values of (l', u') and the gradients of l, u, W, b for the loss Σ l'·a + Σ u'·b (a, b fixed random). */
function run(c: Case, box: [Tensor, Tensor], f: typeof composed, seed: number, reach: 'both' | 'lo' | 'hi' = 'both'): Float64Array[] {
  const [l0, u0] = box;
  const l = new Tensor(l0.data.slice(), l0.shape), u = new Tensor(u0.data.slice(), u0.shape);
  l.requiresGrad = u.requiresGrad = true;
  const params = [c.weight, c.bias].filter((t): t is Tensor => t !== null);
  const leaves = params.map((t) => (t.gradFn ? t.gradFn.inputs[0]! : t));
  leaves.forEach((t) => (t.grad = null));
  const [lo, hi] = f(c, l, u);
  const rng = new Rng(seed);
  const wLo = Tensor.uniform(lo.shape, rng, -1, 1).to(lo.dtype), wHi = Tensor.uniform(hi.shape, rng, -1, 1).to(hi.dtype);
  backward(reach === 'lo' ? sum(mul(lo, wLo)) : reach === 'hi' ? sum(mul(hi, wHi)) : add(sum(mul(lo, wLo)), sum(mul(hi, wHi))));
  return [lo, hi, l.grad!, u.grad!, ...leaves.map((t) => t.grad!)].map((t) => Float64Array.from(t.data));
}

function box(shape: number[], rng: Rng, dtype: DType): [Tensor, Tensor] {
  const centre = Tensor.uniform(shape, rng, -1, 1).to(dtype);
  // radii with exact zeros (u = l) and some negative widths (u < l: the clamp cuts them)
  const width = Tensor.from(Array.from({ length: centre.size }, (_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -0.1 : rng.uniform(0, 0.5))), shape).to(dtype);
  return [new Tensor(sub(centre, width).data, shape), new Tensor(add(centre, width).data, shape)];
}

test('intervalAffine = the composed ops bit for bit (values; gradients of l, u, W, b) on every backend, dense / conv / reshape, f32 / f64 (fast-check)', () => {
  const arb = fc.record({ kind: fc.constantFrom<IntervalMap['kind']>('dense', 'conv', 'reshape'), bias: fc.boolean(), f64: fc.boolean(), N: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 0, max: 1e6 }) });
  for (const name of backends) {
    withBackend(name, () => fc.assert(fc.property(arb, ({ kind, bias, f64, N, seed }) => {
      const rng = new Rng(seed);
      const dtype: DType = f64 ? 'float64' : 'float32';
      const c = makeCase(kind, bias, rng, dtype, N);
      const b = box(c.inShape, rng, dtype);
      const fused = run(c, b, (cc, l, u) => intervalAffine(l, u, cc.map, cc.bias), seed);
      const reference = run(c, b, composed, seed);
      fused.forEach((x, i) => x.forEach((v, j) => {
        if (!Object.is(v, reference[i]![j]!)) assert.unreachable(`${name} ${kind} output ${i} entry ${j}: ${v} vs composed ${reference[i]![j]}`);
      }));
    }), { seed: 3, numRuns: 25 }));
  }
});

test('intervalCentre = (l+u)·½ and clamp((u−l)·½, 0) bit for bit, values and gradients of l and u, on every backend', () => {
  for (const name of backends) {
    withBackend(name, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const rng = new Rng(21);
        const [l0, u0] = box([3, 40], rng, dtype);
        const grads = (f: (l: Tensor, u: Tensor) => [Tensor, Tensor]): number[][] => {
          const l = new Tensor(l0.data.slice(), l0.shape), u = new Tensor(u0.data.slice(), u0.shape);
          l.requiresGrad = u.requiresGrad = true;
          const [m, r] = f(l, u);
          const w = new Rng(2);
          backward(add(sum(mul(m, Tensor.uniform(m.shape, w, -1, 1).to(dtype))), sum(mul(r, Tensor.uniform(r.shape, w, -1, 1).to(dtype)))));
          return [m, r, l.grad!, u.grad!].map((t) => Array.from(t.data));
        };
        const fused = grads((l, u) => intervalCentre(l, u));
        const reference = grads((l, u) => [mul(add(l, u), 0.5), clamp(mul(sub(u, l), 0.5), 0)]);
        fused.forEach((x, i) => assert.equal(x, reference[i], `${name} ${dtype} output ${i}`));
      }
    });
  }
});

test('intervalAffine: a loss on only one bound (the other output unreached) and a second backward give the composed gradients', () => {
  for (const name of backends) {
    withBackend(name, () => {
      for (const reach of ['lo', 'hi'] as const) {
        const rng = new Rng(reach.length);
        const c = makeCase('dense', true, rng, 'float32', 3);
        const b = box(c.inShape, rng, 'float32');
        const fused = run(c, b, (cc, l, u) => intervalAffine(l, u, cc.map, cc.bias), 4, reach);
        const again = run(c, b, (cc, l, u) => intervalAffine(l, u, cc.map, cc.bias), 4, reach);
        const reference = run(c, b, composed, 4, reach);
        [fused, again].forEach((got) => got.forEach((x, i) => assert.equal(Array.from(x), Array.from(reference[i]!), `${name} ${reach} output ${i}`)));
      }
    });
  }
});

test('intervalAffine: float64 gradients match central finite differences of Σ lo·a + Σ hi·b (away from the clamp)', () => {
  const rng = new Rng(5);
  const c = makeCase('conv', true, rng, 'float64', 2);
  const l = Tensor.uniform(c.inShape, rng, -1, 0).to('float64'), u = add(l, Tensor.uniform(c.inShape, rng, 0.1, 1).to('float64'));
  const [gl, gu, gw] = run(c, [l, new Tensor(u.data, u.shape)], (cc, a, b) => intervalAffine(a, b, cc.map, cc.bias), 9).slice(2);
  const objective = (): number => {
    const [lo, hi] = intervalAffine(l, new Tensor(u.data, u.shape), c.map, c.bias);
    const r = new Rng(9);
    const wLo = Tensor.uniform(lo.shape, r, -1, 1).to('float64'), wHi = Tensor.uniform(hi.shape, r, -1, 1).to('float64');
    return sum(mul(lo, wLo)).item() + sum(mul(hi, wHi)).item();
  };
  const h = 1e-6;
  for (const [data, grad] of [[l.data, gl], [u.data, gu], [c.weight!.data, gw]] as const) {
    for (const i of [0, 3, 17]) {
      const keep = data[i]!;
      data[i] = keep + h; const up = objective();
      data[i] = keep - h; const down = objective();
      data[i] = keep;
      assert.ok(Math.abs((up - down) / (2 * h) - grad![i]!) < 1e-6, `entry ${i}: ${(up - down) / (2 * h)} vs ${grad![i]}`);
    }
  }
});

test('intervalAffine: clear errors for mismatched boxes and a dense map that does not fit', () => {
  const w = Tensor.zeros([2, 3]);
  assert.throws(() => intervalAffine(Tensor.zeros([1, 3]), Tensor.zeros([1, 4]), { kind: 'dense', weight: w }, null), /l \[1, 3\] and u \[1, 4\]/);
  assert.throws(() => intervalAffine(Tensor.zeros([1, 4]), Tensor.zeros([1, 4]), { kind: 'dense', weight: w }, null), /boxes \[N, 3\]/);
});

test.run();
