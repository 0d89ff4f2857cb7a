/**
 * The contraction of backward rows with an image:
 * `out[b, p, q] = Σ_f map(g[b, p, q, f]) · w[b, p, f]` for g `[B | 1, P, Q, F]` and w `[B | 1, P, F]`
 * (or no w: all ones), map ∈ {identity, relu, abs, square}. These are the terms of the bounds:
 * the centre g·x, the dual norm ε‖g‖_1 (or Σ g² under the l2 root), the ReLU term Σ ℓ [g]_+ and
 * the box terms. Without gradients (certification) it runs the backend's fused `rowDot` kernel
 * when there is one, so map(g) is never materialised only to be reduced; while gradients are
 * recorded it is `map` + `matmul` (the backward pass reuses the saved map(g): recomputing it in a
 * fused op's backward made a training step 7% slower on wasm and saved no memory worth having).
 * @module
 */
import { abs, isGradEnabled, matmul, permute, relu, reshape, square } from '../../autograd/index.js';
import type { RowMap } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { Tensor } from '../../tensor/tensor.js';

/** map(g) with the autograd ops (relu′ = step, abs′ = sign, as PyTorch). */
function mapped(g: Tensor, map: RowMap): Tensor {
  if (map === 'relu') return relu(g);
  if (map === 'abs') return abs(g);
  if (map === 'square') return square(g);
  return g;
}

/** The contraction from existing kernels: map, then one product per (b, p) block. */
function composed(g: Tensor, w: Tensor | null, map: RowMap): Tensor {
  const [Bg, P, Q, F] = g.shape as [number, number, number, number];
  const m = mapped(g, map);
  if (!w) return reshape(matmul(m, Tensor.full([1, 1, F, 1], 1, g.dtype)), [Bg, P, Q]);
  const Bw = w.shape[0]!;
  if (Bg === 1 && Bw > 1) return permute(matmul(reshape(m, [P, Q, F]), permute(w, [1, 2, 0])), [2, 0, 1]);
  return reshape(matmul(m, reshape(w, [Bw, P, F, 1])), [Math.max(Bg, Bw), P, Q]);
}

/**
 * `Σ_f map(g[b, p, q, f]) · w[b, p, f]` → `[max(B_g, B_w), P, Q]` (differentiable in g and w).
 * Rows shared by the batch (B_g = 1) against per-example images stay one matrix product (a fast
 * GEMM on every backend).
 */
export function rowDot(g: Tensor, w: Tensor | null, map: RowMap): Tensor {
  const backend = getBackend();
  const [Bg, P, Q, F] = g.shape as [number, number, number, number];
  const Bw = w ? w.shape[0]! : 1;
  const recording = isGradEnabled() && (g.requiresGrad || (w?.requiresGrad ?? false));
  if (!backend.rowDot || recording || (Bg === 1 && Bw > 1)) return composed(g, w, map);
  const B = Math.max(Bg, Bw);
  const spec = { batch: B, groups: P, rows: Q, length: F, xShared: Bg === 1 && B > 1, wShared: Bw === 1 && B > 1 };
  return new Tensor(backend.rowDot(g.data, w ? w.data : null, spec, map), [B, P, Q]);
}
