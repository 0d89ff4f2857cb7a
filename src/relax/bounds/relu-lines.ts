/**
 * The lines of LeakyReLU(a) (ReLU: a = 0) on [l, u] as one fused, differentiable op (CROWN,
 * Zhang et al. 2018, eq. 4–6; activations.ts states the relaxation): on crossing units
 * (l < 0 < u) the upper line is the chord through (l, a·l) and (u, u),
 *
 *   a_u = (u − a·l) / (u − l),   b_u = l·(a − a_u),
 *
 * and the lower line is a·z or z ('adaptive': slope 1 where a_u > (1 + a)/2, else a) or the chord's
 * slope ('same', the Wong–Kolter triangle); elsewhere both lines are exact (slope 1 or a, bias 0).
 * It replaces about fifteen element-wise ops and their backward passes on `[B, ...S]` (CROWN-IBP
 * asks for the lines of every layer at every training step) with one pass each way, rounding
 * every intermediate to the tensor's dtype as the composition did, so the values are the same.
 * Gradients flow to l and u through the chord on crossing units only (the masks are constants).
 * @module
 */
import { record, recordMulti } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Lines } from './operators.js';

type Data = Float32Array | Float64Array;

/** Lines of LeakyReLU(a) on [l, u] (same shapes, finite), lower slope 'adaptive' or 'same'. */
export function reluLines(l: Tensor, u: Tensor, a: number, lower: 'adaptive' | 'same'): Lines {
  if (l.shape.length !== u.shape.length || l.shape.some((d, k) => d !== u.shape[k])) throw new Error(`reluLines: l [${l.shape.join(', ')}] and u [${u.shape.join(', ')}] must have one shape`);
  const f32 = l.dtype === 'float32';
  const make = (): Tensor => new Tensor(f32 ? new Float32Array(l.size) : new Float64Array(l.size), l.shape);
  const [lowerSlope, upperSlope, upperBias] = [make(), make(), make()];
  (f32 ? forward32 : forward64)(l.data, u.data, a, lower === 'same', lowerSlope.data, upperSlope.data, upperBias.data);
  recordMulti([lowerSlope, upperSlope, upperBias], 'reluLines', [l, u], ([gLower, gUpper, gBias]) => {
    // each entry is computed in float64 and stored once, in the tensors' dtype (no float64 copy to convert)
    const gl = l.requiresGrad ? make() : null;
    const gu = u.requiresGrad ? make() : null;
    backward(l.data, u.data, a, lower === 'same', gLower?.data ?? null, gUpper?.data ?? null, gBias?.data ?? null, gl?.data ?? null, gu?.data ?? null);
    return [gl, gu];
  });
  return { lowerSlope, lowerBias: null, upperSlope, upperBias };
}

// Two copies of one kernel, float32 (every step rounded with Math.fround, as the float32 ops) and float64, each monomorphic.

function forward32(l: Data, u: Data, a: number, same: boolean, ls: Data, us: Data, ub: Data): void {
  const fa = Math.fround(a), threshold = 0.5 * (1 + a);
  for (let k = 0; k < l.length; k++) {
    const lo = l[k]!, up = u[k]!;
    if (lo < 0 && up > 0) {
      const chord = Math.fround((a === 0 ? up : Math.fround(up - Math.fround(lo * fa))) / Math.fround(up - lo));
      us[k] = chord;
      ub[k] = a === 0 ? Math.fround(lo * -chord) : Math.fround(lo * Math.fround(fa - chord));
      ls[k] = same ? chord : chord > threshold ? 1 : fa;
    } else {
      const off = lo >= 0 ? 1 : fa;
      us[k] = off; ls[k] = off; ub[k] = 0;
    }
  }
}

function forward64(l: Data, u: Data, a: number, same: boolean, ls: Data, us: Data, ub: Data): void {
  const threshold = 0.5 * (1 + a);
  for (let k = 0; k < l.length; k++) {
    const lo = l[k]!, up = u[k]!;
    if (lo < 0 && up > 0) {
      const chord = (a === 0 ? up : up - lo * a) / (up - lo);
      us[k] = chord;
      ub[k] = a === 0 ? lo * -chord : lo * (a - chord);
      ls[k] = same ? chord : chord > threshold ? 1 : a;
    } else {
      const off = lo >= 0 ? 1 : a;
      us[k] = off; ls[k] = off; ub[k] = 0;
    }
  }
}

/** ∂/∂l, ∂/∂u on crossing units: through a_u (and the 'same' lower slope) and b_u = l·(a − a_u). */
function backward(l: Data, u: Data, a: number, same: boolean, gLower: Data | null, gUpper: Data | null, gBias: Data | null, gl: Data | null, gu: Data | null): void {
  for (let k = 0; k < l.length; k++) {
    const lo = l[k]!, up = u[k]!;
    if (!(lo < 0 && up > 0)) continue;
    const gap = up - lo, chord = (up - lo * a) / gap;
    const gb = gBias ? gBias[k]! : 0;
    const dChord = (gUpper ? gUpper[k]! : 0) + (same && gLower ? gLower[k]! : 0) - gb * lo;
    // chord = (u − a l)/(u − l): ∂/∂l = (chord − a)/gap, ∂/∂u = (1 − chord)/gap
    if (gl) gl[k] = dChord * ((chord - a) / gap) + gb * (a - chord);
    if (gu) gu[k] = dChord * ((1 - chord) / gap);
  }
}

/**
 * α-CROWN's lower slope of LeakyReLU(a) (Xu et al. 2021, eq. 7): clamp(α, a, 1) on crossing units,
 * the exact slope (1 or a) elsewhere, `[B, R, n]` for l, u `[B, 1, ...S]` and α `[B | 1, R, ...S]`;
 * the gradient reaches α on crossing units where a ≤ α ≤ 1 (clamp's convention), as the
 * composition `where(crossing, clamp(α, a, 1), off)` it replaces.
 */
export function alphaLowerSlope(l: Tensor, u: Tensor, alpha: Tensor, a: number): Tensor {
  const B = l.shape[0]!, n = l.size / B;
  const [Ba, R] = alpha.shape as [number, number];
  if (l.shape[1] !== 1 || alpha.size !== Ba * R * n || (Ba !== 1 && Ba !== B) || u.size !== l.size) throw new Error(`alphaLowerSlope: l, u [B, 1, ...S] and alpha [B | 1, R, ...S] expected, got [${l.shape.join(', ')}] and [${alpha.shape.join(', ')}]`);
  const f32 = l.dtype === 'float32';
  const out = new Tensor(f32 ? new Float32Array(B * R * n) : new Float64Array(B * R * n), [B, ...alpha.shape.slice(1)]);
  const lo = f32 ? Math.fround(a) : a;
  const [ld, ud, al, o] = [l.data, u.data, alpha.data, out.data];
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const src = ((Ba === 1 ? 0 : b) * R + r) * n, dst = (b * R + r) * n, box = b * n;
    for (let k = 0; k < n; k++) {
      const x = ld[box + k]!, y = ud[box + k]!;
      o[dst + k] = x < 0 && y > 0 ? Math.min(Math.max(al[src + k]!, lo), 1) : x >= 0 ? 1 : lo;
    }
  }
  return record(out, 'alphaLowerSlope', [alpha], (g) => {
    const d = f32 ? new Float32Array(alpha.size) : new Float64Array(alpha.size);
    const gd = g.data;
    for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
      const src = ((Ba === 1 ? 0 : b) * R + r) * n, dst = (b * R + r) * n, box = b * n;
      for (let k = 0; k < n; k++) {
        const v = al[src + k]!;
        if (ld[box + k]! < 0 && ud[box + k]! > 0 && v >= lo && v <= 1) d[src + k] += gd[dst + k]!;
      }
    }
    return [new Tensor(d, alpha.shape)];
  });
}
