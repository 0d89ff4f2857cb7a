/**
 * α-optimised intermediate ranges on the root box (the α-CROWN step α,β-CROWN takes before its
 * search): for each ReLU layer k ≥ 1 in turn, the unstable units' bounds min ±z_{k,i} are
 * computed by {@link boundSubdomain} on the network cut after stage k (rows ±e_i of stage k),
 * with the lower slopes α of the earlier layers optimised per row, and intersected with the
 * given ranges. Every α ∈ [0, 1] gives a sound bound, so the ranges stay valid on the box;
 * tighter ranges of layer k tighten every later relaxation, and every subdomain inherits them.
 * @module
 */
import type { PlNetwork } from './network.js';
import { boundSubdomain, startingAlpha } from './relu-bound.js';
import type { UnitRange } from './symbolic.js';

/** Per-row lower slopes (rows × earlier units) above which a layer is skipped (memory: 8 bytes each). */
const MAX_SLOPES = 1e7;

/** The network cut after stage k, whose outputs are z_{k,i} and −z_{k,i} for the given units. */
function cutNetwork(net: PlNetwork, k: number, units: readonly number[]): PlNetwork {
  const stage = net.stages[k]!;
  const u = units.length;
  const terms = stage.terms.map((t) => {
    const m = t.weight.length / stage.size;
    const w = new Float64Array(2 * u * m);
    units.forEach((i, r) => {
      for (let j = 0; j < m; j++) {
        w[r * m + j] = t.weight[i * m + j]!;
        w[(u + r) * m + j] = -t.weight[i * m + j]!;
      }
    });
    return { source: t.source, weight: w };
  });
  const bias = Float64Array.from({ length: 2 * u }, (_, r) => (r < u ? 1 : -1) * stage.bias[units[r % u]!]!);
  return { inputSize: net.inputSize, stages: [...net.stages.slice(0, k), { size: 2 * u, terms, bias }] };
}

/**
 * Tightens `ranges` (in place, layers 1..R−1) by α-optimised backward bounds, `iterations` steps
 * per unit row, until `deadline` (ms); a layer whose units would take more than `maxRows` rows
 * (or {@link MAX_SLOPES} slopes) is left as it is. Returns the number of layers tightened.
 */
export function optimiseRanges(net: PlNetwork, lower: Float64Array, upper: Float64Array, ranges: UnitRange[], iterations: number, deadline: number, maxRows = 2048): number {
  let done = 0;
  for (let k = 1; k < ranges.length && Date.now() < deadline; k++) {
    const range = ranges[k]!;
    const units: number[] = [];
    for (let i = 0; i < range.lo.length; i++) if (range.lo[i]! < 0 && range.hi[i]! > 0) units.push(i);
    const earlier = ranges.slice(0, k);
    const slopes = 2 * units.length * earlier.reduce((a, r) => a + r.lo.length, 0);
    if (units.length === 0 || 2 * units.length > maxRows || slopes > MAX_SLOPES) continue;
    const cut = cutNetwork(net, k, units);
    const ctx = { net: cut, lower, upper, ranges: earlier, alpha: startingAlpha(earlier, 2 * units.length) };
    const b = boundSubdomain(ctx, [], Array.from({ length: 2 * units.length }, (_, r) => r), { iterations, deadline });
    units.forEach((i, r) => {
      const lo = b.lower[r]!;
      const hi = -b.lower[units.length + r]!;
      if (lo > range.lo[i]!) range.lo[i] = lo;
      if (hi < range.hi[i]!) range.hi[i] = hi;
    });
    done++;
  }
  return done;
}
