/**
 * The original's `Dense` layer, a sum of sub-layers applied to the most recent outputs of a
 * {@link DenseSequential}: with `ws = [w_k, …, w_1]` (entries may be null) and the list of
 * outputs so far [x_0, …, x_{t−1}], it returns
 *
 *   Σ_{i=1..k, w_i ≠ null} w_i(x_{t−i}),
 *
 * i.e. its LAST entry acts on the previous layer's output, the one before on the output two
 * layers back, and so on (the skip connections of the resnets of Wong et al. 2018, §4). The
 * sub-layer at position j is named `Ws.<j>` (`2.Ws.0.weight`), as the original's `nn.ModuleList`.
 * @module
 */
import { add } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layer.js';
import { Module } from './module.js';

/** Sum of sub-layers applied to the last `ws.length` outputs. */
export class Dense extends Module {
  readonly kind = 'dense' as const;
  /** `[w_k, …, w_1]`: entry j acts on the output `ws.length − j` steps back; null skips it. */
  readonly ws: readonly (Layer | null)[];

  constructor(...ws: (Layer | null)[]) {
    super();
    if (!ws.some((w) => w !== null)) throw new Error('Dense: needs at least one non-null sub-layer');
    this.ws = ws;
    ws.forEach((w, j) => this.registerModule(`Ws.${j}`, w));
  }

  /** Applied to a single input: only valid for a one-entry Dense (as the original inside a plain Sequential). */
  forward(x: Tensor): Tensor {
    return this.forwardAll([x]);
  }

  /**
   * `Σ_j ws[j](xs[xs.length − ws.length + j])` over non-null entries.
   * @param xs - every output so far, oldest first (x_0 is the network input).
   * @throws Error when there are fewer outputs than entries (the original would silently misalign).
   */
  forwardAll(xs: readonly Tensor[]): Tensor {
    const k = this.ws.length;
    if (xs.length < k) throw new Error(`Dense: ${k} sub-layers need the last ${k} outputs, but only ${xs.length} exist`);
    let out: Tensor | null = null;
    for (let j = 0; j < k; j++) {
      const w = this.ws[j];
      if (!w) continue;
      const term = w.forward(xs[xs.length - k + j]!);
      out = out ? add(out, term) : term;
    }
    if (!out) throw new Error('Dense: no sub-layer applied');
    return out;
  }
}
