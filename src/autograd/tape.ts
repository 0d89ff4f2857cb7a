/**
 * Reverse-mode automatic differentiation on an implicit tape. Each differentiable op computes its
 * result eagerly and, when grad mode is on and some input requires a gradient, attaches a
 * {@link GradFn} holding its inputs and a `backward` closure written right under its forward
 * (see `ops/*.ts`). `backward()` walks those links in reverse topological order.
 * @module
 */
import { getBackend } from '../tensor/registry.js';
import { Tensor, type GradFn } from '../tensor/tensor.js';
import { shapeText, shapesEqual } from '../tensor/shape.js';

let gradEnabled = true;

/** True while operations are being recorded. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording (PyTorch `no_grad`); also used inside every backward. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on (PyTorch `enable_grad`), e.g. an inner optimisation inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = mode;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Records `out` as produced by op `name` from `inputs`, with `backward` mapping the output
 * gradient to one gradient per input. Does nothing (returns `out` untouched) when grad mode is
 * off or no input requires a gradient. Returns `out`.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
  return out;
}

/**
 * Records the outputs `outs` of one op with several results (the lower and upper bound of an
 * interval step): `backward` maps the gradient of every output (`null` where none reached it) to
 * one gradient per input, once. The outputs hang off one hidden joint node that consumes
 * `inputs`; each output's own step only hands its gradient to the joint (the first one to arrive
 * also returns a one-element token, so that the tape visits the joint), and the joint, which the
 * topological order visits after every output, sees all of them. Does nothing when grad mode is off or no input requires a gradient.
 */
export function recordMulti(outs: readonly Tensor[], name: string, inputs: readonly Tensor[], backward: (grads: readonly (Tensor | null)[]) => readonly (Tensor | null)[]): void {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return;
  let pending: (Tensor | null)[] = outs.map(() => null);
  const joint = new Tensor(new Float32Array(1), []);
  joint.requiresGrad = true;
  joint.gradFn = {
    name, inputs,
    backward: () => {
      const grads = pending;
      pending = outs.map(() => null);
      return backward(grads);
    },
  };
  outs.forEach((out, i) => {
    out.requiresGrad = true;
    out.gradFn = {
      name: `${name}[${i}]`, inputs: [joint],
      backward: (g) => { // only the first output to arrive hands the joint a token (nothing to sum)
        const first = pending.every((p) => p === null);
        pending[i] = g;
        return [first ? new Tensor(new Float32Array(1), []) : null];
      },
    };
  });
}

/** Tensors reachable from `root` through `gradFn`, each after every tensor that consumes it. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) { order.push(t); continue; }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.gradFn?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order.reverse();
}

/**
 * Back-propagates from `root` (a scalar unless `grad` is given) and accumulates into the
 * `.grad` of every leaf that requires a gradient.
 */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) throw new Error('backward(): the tensor does not require grad (no parameter or input with requiresGrad reaches it)');
  if (!grad && root.size !== 1) throw new Error(`backward(): a gradient is needed for a non-scalar tensor of shape ${shapeText(root.shape)}`);
  const seed = grad ?? Tensor.full(root.shape, 1, root.dtype);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (const t of topologicalOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      if (!t.gradFn) {
        t.grad = t.grad ? sumOf(t.grad, g) : g;
        continue;
      }
      grads.delete(t);
      const inputGrads = t.gradFn.backward(g);
      t.gradFn.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new Error(`backward of '${t.gradFn!.name}' gave a gradient of shape ${shapeText(gi.shape)} for an input of shape ${shapeText(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? sumOf(prev, gi) : gi);
      });
    }
  });
}

/** A new tensor `a + b` (same shapes, by the backend's add); never writes into either, since gradients may be shared. */
function sumOf(a: Tensor, b: Tensor): Tensor {
  return new Tensor(getBackend().binary('add', a.data, a.shape, b.data, b.shape, a.shape), a.shape);
}
