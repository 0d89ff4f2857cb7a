// Certification fails closed on every bound method and backend, the fused paths included
// (intervalAffine, reluLines, the α slope, relaxStep; native kernels when the addon is built):
// mnist_model certifies its own predictions at ε = 1e-6, and the same net with one weight of the
// first dense layer at ±3e38 (finite, but its products overflow float32) certifies none of them;
// a NaN or ±Infinity weight is a clear error naming the parameter. The same for an entry of the first
// dense layer's bias at ±3e38: CROWN folds that bias into the next ReLU's lines (bias-fold.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../../src/autograd/index.js';
import { zoo } from '../../../src/nn/index.js';
import { certify } from '../../../src/relax/robust-loss.js';
import { nativeBackendAvailable } from '../../../src/tensor/backends/native/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { getBackend, setBackend } from '../../../src/tensor/registry.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const METHODS = ['ibp', 'crown', 'crown-ibp', 'alpha-crown', 'dual'] as const;
const BACKENDS = ['wasm', ...(nativeBackendAvailable() ? ['native'] : [])];

/** Parameter 4 is Linear(1568, 100).weight (entry [0, 7] poisoned), parameter 5 its bias (entry 7). */
function poisoned(value: number | null, parameter = 4): ReturnType<typeof zoo.mnistModel> {
  const net = zoo.mnistModel(0);
  if (value !== null) (net.parameters()[parameter]!.data as Float32Array)[7] = value;
  return net;
}

function certifiedCount(value: number | null, method: (typeof METHODS)[number], X: Tensor, y: number[], parameter = 4): number {
  const result = certify(poisoned(value, parameter) as never, { norm: 'linf', epsilon: 1e-6 }, X, y, { method });
  return Array.from(result.errors).filter((e) => e === 0).length;
}

for (const backend of BACKENDS) {
  test(`${backend}: an overflowing weight certifies nothing, a clean net everything, by every method`, () => {
    const before = getBackend().name;
    setBackend(backend);
    try {
      const rng = new Rng(1);
      const X = new Tensor(Float32Array.from({ length: 3 * 784 }, () => rng.uniform()), [3, 1, 28, 28]);
      const logits = noGrad(() => poisoned(null).forward(X));
      const y = [0, 1, 2].map((i) => { let best = 0; for (let j = 1; j < 10; j++) if (logits.data[i * 10 + j]! > logits.data[i * 10 + best]!) best = j; return best; });
      for (const method of METHODS) {
        assert.is(certifiedCount(null, method, X, y), 3, `${method}: the clean net certifies its predictions at eps 1e-6`);
        for (const value of [3e38, -3e38]) assert.is(certifiedCount(value, method, X, y), 0, `${method}: weight ${value}`);
        for (const value of [3e38, -3e38]) assert.is(certifiedCount(value, method, X, y, 5), 0, `${method}: dense bias ${value}`);
        for (const value of [Number.NaN, Infinity]) assert.throws(() => certifiedCount(value, method, X, y), /must be finite/, `${method}: weight ${value}`);
      }
    } finally {
      setBackend(before);
    }
  });
}

test.run();
