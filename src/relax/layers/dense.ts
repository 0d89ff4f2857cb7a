/**
 * Dual of a `Dense` layer, the skip connections of Wong, Schmidt, Metzen & Kolter (NeurIPS
 * 2018, §3.1): `z_i = Σ_m W_m z_{i−m}` over its non-null entries (m = 1 is the previous output).
 * Forward it sums the members' linear parts over the history; its transpose is per input
 * offset, and the network sums the contributions reaching each activation (ν_{i−m} gets
 * W_mᵀ ν_i). Its J and bound terms are the sum of its members' bias terms.
 * @module
 */
import { add } from '../../autograd/index.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { leadingAxes, type Bounds, type DualLayer } from '../dual.js';
import type { RowBlock } from '../rows/row-block.js';

/** One non-null entry of a Dense layer: the dual of its sub-layer and the offset it reads. */
export interface DenseMember {
  /** m ≥ 1: the member reads z_{i−m}. */
  readonly offset: number;
  /** The dual of the sub-layer (Linear, Conv2d or Identity), built for the shape of z_{i−m}. */
  readonly dual: DualLayer;
}

/** `z_i = Σ_m W_m z_{i−m}` with the members' biases as its terms. */
export class DualDense implements DualLayer {
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly reads: readonly number[];
  readonly inert: boolean;
  private readonly byOffset: Map<number, DualLayer>;
  private readonly active: readonly DualLayer[];

  /** Capability: the members' costs added. */
  get vectorCost(): number {
    let total = 0;
    for (const dual of this.byOffset.values()) total += dual.vectorCost ?? sizeOf(dual.outShape);
    return total;
  }

  /** @param members - the non-null entries (at least one), each with a distinct offset. */
  constructor(members: readonly DenseMember[], inShape: Shape) {
    if (members.length === 0) throw new Error('DualDense: needs at least one non-null member');
    this.byOffset = new Map(members.map((m) => [m.offset, m.dual]));
    if (this.byOffset.size !== members.length) throw new Error('DualDense: two members read the same offset');
    const outShape = members[0]!.dual.outShape;
    for (const m of members) {
      if (!Number.isInteger(m.offset) || m.offset < 1) throw new Error(`DualDense: offset ${m.offset} must be an integer >= 1`);
      if (m.dual.outShape.join() !== outShape.join()) {
        throw new Error(`DualDense: members produce [${m.dual.outShape.join(', ')}] and [${outShape.join(', ')}]`);
      }
    }
    this.inShape = [...inShape];
    this.outShape = outShape;
    this.reads = members.map((m) => m.offset);
    this.active = members.map((m) => m.dual).filter((d) => !d.inert);
    this.inert = this.active.length === 0;
  }

  /**
   * `Σ_m W_m xs.at(−m)` over the members whose input lies inside the history; zero columns
   * `[..., ...outShape]` when none does (the quantity did not exist that far back).
   */
  forward(xs: readonly Tensor[]): Tensor {
    let sum: Tensor | null = null;
    for (const [offset, dual] of this.byOffset) {
      if (offset > xs.length) continue;
      const term = dual.forward([xs[xs.length - offset]!]);
      sum = sum ? add(sum, term) : term;
    }
    if (sum) return sum;
    const last = xs[xs.length - 1]!;
    const lead = leadingAxes(last, this.inShape, 'DualDense.forward');
    return Tensor.zeros([...lead, ...this.outShape], last.dtype);
  }

  /** ν at z_i ↦ W_mᵀ ν, the contribution to ν at z_{i−offset}. */
  T(nu: Tensor, offset = 1): Tensor {
    const dual = this.byOffset.get(offset);
    if (!dual) throw new Error(`DualDense.T: no member reads offset ${offset} (reads ${this.reads.join(', ')})`);
    return dual.T(nu);
  }

  /** Carries every member's bias through a later layer. */
  apply(layer: DualLayer): void {
    for (const dual of this.active) dual.apply(layer);
  }

  /** Sum of the members' carried biases. */
  bounds(): Bounds {
    const parts = this.active.map((d) => d.bounds());
    return [parts.map((p) => p[0]).reduce((a, b) => add(a, b)), parts.map((p) => p[1]).reduce((a, b) => add(a, b))];
  }

  /** The duals of the non-null members (for cost estimates). */
  get members(): DualLayer[] {
    return [...this.byOffset.values()];
  }

  /** Sum of the members' biases seen by each unit of a later z_p, from backward rows. */
  rowBounds(rows: RowBlock): Bounds {
    const parts = this.active.map((d) => d.rowBounds!(rows));
    return [parts.map((p) => p[0]).reduce((a, b) => add(a, b)), parts.map((p) => p[1]).reduce((a, b) => add(a, b))];
  }

  /** Sum of the members' bias terms `−⟨ν_i, b̃_m⟩`: `[B, K]`. */
  objective(nu: Tensor): Tensor {
    return this.active.map((d) => d.objective(nu)).reduce((a, b) => add(a, b));
  }
}
