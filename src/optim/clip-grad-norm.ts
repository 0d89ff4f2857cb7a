/**
 * Gradient-norm clipping, PyTorch `clip_grad_norm_` (2-norm): with
 * N = √(Σ_p ‖p.grad‖²) over all parameters that have a gradient, every gradient is scaled by
 * min(1, maxNorm / (N + 1e-6)). Returns N (before clipping).
 * @module
 */
import { Tensor } from '../tensor/tensor.js';

/**
 * Clips the joint 2-norm of the gradients of `params` to `maxNorm`. Scaled gradients are new
 * tensors (never written in place: the tape may share one gradient tensor between leaves).
 * @returns the total norm N before clipping.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): number {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const withGrad = [...params].filter((p) => p.grad !== null);
  let squares = 0;
  for (const p of withGrad) for (const g of p.grad!.data) squares += g * g;
  const total = Math.sqrt(squares);
  const coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1) {
    for (const p of withGrad) {
      const g = p.grad!;
      p.grad = new Tensor(g.data.map((v) => v * coefficient), g.shape);
    }
  }
  return total;
}
