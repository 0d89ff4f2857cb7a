/**
 * Seeded random networks for the soundness suite and the near-boundary probe: one family per
 * operator kind the sound check covers, at a chosen weight scale (all weights and biases × scale).
 * @module
 */
import type { LayerDescription, ModelDescription } from '../../nn/describe.js';
import { modelFromDescription } from '../../nn/describe.js';
import type { DenseSequential } from '../../nn/dense-sequential.js';
import type { Sequential } from '../../nn/sequential.js';
import type { Shape } from '../../tensor/shape.js';

/** The families: MLP, leaky-ReLU MLP, conv, conv + BatchNorm (eval) + AvgPool, DenseSequential with skips. */
export const FAMILIES = ['mlp', 'leaky', 'conv', 'bn', 'dense'] as const;
/**
 * Families for the bound engine's methods (IBP, CROWN, CROWN-IBP, α-CROWN; the Wong–Kolter dual has
 * no MaxPool2d): conv + ReLU + MaxPool2d, HardTanh MLP, HardSigmoid MLP.
 */
export const ENGINE_FAMILIES = ['maxpool', 'hardtanh', 'hardsigmoid'] as const;
/** One family. */
export type Family = (typeof FAMILIES)[number] | (typeof ENGINE_FAMILIES)[number];

const linear = (i: number, o: number): LayerDescription => ({ type: 'Linear', in: i, out: o, bias: true });
const conv = (i: number, o: number, stride: number): LayerDescription => ({ type: 'Conv2d', in: i, out: o, kernel: 3, stride, padding: 1, bias: true });

/** The description and input shape of a family's network with `width` hidden units per layer. */
function describe(family: Family, width: number): { description: ModelDescription; input: Shape } {
  switch (family) {
    case 'mlp':
      return { input: [5], description: { kind: 'Sequential', layers: [linear(5, width), { type: 'ReLU' }, linear(width, width), { type: 'ReLU' }, linear(width, 3)] } };
    case 'leaky':
      return { input: [5], description: { kind: 'Sequential', layers: [linear(5, width), { type: 'LeakyReLU', negativeSlope: 0.1 }, linear(width, width), { type: 'LeakyReLU', negativeSlope: 0.1 }, linear(width, 3)] } };
    case 'conv':
      return { input: [1, 6, 6], description: { kind: 'Sequential', layers: [conv(1, 3, 2), { type: 'ReLU' }, conv(3, 4, 1), { type: 'ReLU' }, { type: 'Flatten' }, linear(36, 3)] } };
    case 'bn':
      return {
        input: [1, 6, 6],
        description: { kind: 'Sequential', layers: [conv(1, 3, 1), { type: 'BatchNorm2d', features: 3, mode: 'eval' }, { type: 'ReLU' }, { type: 'AvgPool2d', kernel: 2, stride: 2, padding: 0 }, { type: 'Flatten' }, linear(27, 3)] },
      };
    case 'maxpool':
      return {
        input: [1, 6, 6],
        description: { kind: 'Sequential', layers: [conv(1, 3, 1), { type: 'ReLU' }, { type: 'MaxPool2d', kernel: 2, stride: 2, padding: 0 }, conv(3, 4, 1), { type: 'MaxPool2d', kernel: 3, stride: 1, padding: 1 }, { type: 'Flatten' }, linear(36, 3)] },
      };
    case 'hardtanh':
      return { input: [5], description: { kind: 'Sequential', layers: [linear(5, width), { type: 'HardTanh', minVal: -0.5, maxVal: 1 }, linear(width, width), { type: 'HardTanh', minVal: -1, maxVal: 1 }, linear(width, 3)] } };
    case 'hardsigmoid':
      return { input: [5], description: { kind: 'Sequential', layers: [linear(5, width), { type: 'Hardsigmoid' }, linear(width, width), { type: 'Hardsigmoid' }, linear(width, 3)] } };
    case 'dense':
      return {
        input: [5],
        description: {
          kind: 'DenseSequential',
          layers: [linear(5, width), { type: 'ReLU' }, { type: 'Dense', ws: [{ type: 'Linear', in: 5, out: width, bias: false }, null, linear(width, width)] }, { type: 'ReLU' }, linear(width, 3)],
        },
      };
  }
}

/** A float32 network of `family`, weights drawn with `seed` and multiplied by `scale` (×6 more for HardSigmoid; BatchNorm statistics randomised too). */
export function randomNetwork(family: Family, seed: number, scale = 1, width = 8): { net: Sequential | DenseSequential; input: Shape } {
  const { description, input } = describe(family, width);
  // HardSigmoid's kinks sit at ±3: at PyTorch's init its pre-activations never reach them (the net is nearly constant)
  const weightScale = family === 'hardsigmoid' ? 6 * scale : scale;
  const net = modelFromDescription(description, seed);
  for (const [name, t] of [...net.namedParameters(), ...net.namedBuffers()]) {
    if (name.endsWith('num_batches_tracked')) continue;
    const isVar = name.endsWith('running_var');
    t.data.forEach((v, i) => {
      const jitter = Math.sin(seed * 7919 + i * 104729) * 0.5;
      t.data[i] = isVar ? 0.5 + Math.abs(jitter) : name.endsWith('running_mean') ? jitter : v * weightScale;
    });
  }
  return { net, input };
}
