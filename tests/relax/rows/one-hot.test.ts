// Images of one-hot vectors read off the weight equal the layer applied to the identity, bit for
// bit (each output is one product), for Linear and convolutions of awkward geometry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reshape } from '../../../src/autograd/index.js';
import { DualConv2d } from '../../../src/relax/layers/conv2d.js';
import { DualLinear } from '../../../src/relax/layers/linear.js';
import { DualReshape } from '../../../src/relax/layers/reshape.js';
import { oneHotImages } from '../../../src/relax/rows/one-hot.js';
import type { DType } from '../../../src/tensor/dtype.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function identityThrough(layer: DualConv2d | DualLinear, n: number, dtype: DType): Tensor {
  return reshape(layer.forward([reshape(Tensor.eye(n, dtype), [n, ...layer.inShape])]), [n, -1]);
}

for (const dtype of ['float32', 'float64'] as const) {
  for (const [c, o, k, s, p, h, w] of [[2, 3, 3, 2, 1, 5, 6], [1, 2, 2, 1, 0, 4, 3], [2, 2, 4, 2, 1, 6, 6], [3, 1, 3, 3, 2, 7, 5]] as const) {
    test(`conv ${c}→${o} k${k} s${s} p${p} on ${h}x${w} (${dtype}): W e_i = the conv of e_i`, () => {
      const rng = new Rng(k * 10 + s);
      const conv = new DualConv2d(Tensor.randn([o, c, k, k], rng, 0, 1, dtype), null, { stride: [s, s], padding: [p, p] }, [c, h, w]);
      const images = oneHotImages(conv, dtype)!;
      assert.equal(Array.from(images.data), Array.from(identityThrough(conv, c * h * w, dtype).data));
    });
  }
  test(`Linear (${dtype}): W e_i = column i of W`, () => {
    const linear = new DualLinear(Tensor.randn([4, 7], new Rng(1), 0, 1, dtype), null);
    assert.equal(Array.from(oneHotImages(linear, dtype)!.data), Array.from(identityThrough(linear, 7, dtype).data));
  });
}

test('no image for layers other than Linear and Conv2d', () => {
  assert.is(oneHotImages(new DualReshape([2, 3], [6]), 'float64'), null);
});

test.run();
