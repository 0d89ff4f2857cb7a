/**
 * Trains the original's `mnist_model` (Conv(1,16,4,s2,p1)-ReLU-Conv(16,32,4,s2,p1)-ReLU-Flatten-
 * Linear(1568,100)-ReLU-Linear(100,10)) from scratch with Adam on the embedded MNIST training
 * split (8,000 digits) and evaluates on the embedded test split (2,000) after every epoch,
 * printing epoch, learning rate, mean training loss, test accuracy and seconds per epoch (wall
 * clock, and the process's CPU time, which stays meaningful when other jobs share the machine).
 *
 *   npx tsx scripts/train-mnist.ts [--epochs 25] [--seed 0] [--batch-size 50] [--lr 1e-3]
 *     [--augment shift2] [--lr-step 20] [--lr-gamma 0.1] [--weight-decay 0] [--backend js|wasm|gpujs]
 *
 * Optimizer and model are the original's (`examples/problems.py`: Adam, lr 1e-3, batch 50). With
 * the original's plain recipe (`--augment none --lr-step 0`) the net overfits the 8,000 digits
 * (training loss → 0.01) and plateaus near 96 % test accuracy; the defaults add what is needed to
 * pass 97 %: every training image moved by a seeded random shift of up to 2 pixels per axis
 * (src/data/augment.ts) and a StepLR decay of the rate. `--lr-step 0` keeps the rate constant.
 * `--backend` picks the kernels (default `$RELAXJS_BACKEND`, else wasm when `npm install` built it,
 * else js). On the default wasm backend an epoch takes about 5 s of training and 1 s of evaluation
 * here (2 cores; measured 2026-12-05: 4.6 s + 0.8 s), so the default 25 epochs take about
 * 2.5 minutes; the js backend is much slower. A run is deterministic
 * for a seed (the shuffle and the shifts come from seeded generators) on js and on wasm with
 * `RELAXJS_THREADS=1`; wasm on several threads adds the conv weight gradient's per-thread partial
 * sums in the order threads claimed images, so its reruns can differ in the last float32 bits
 * (and then drift by a few test digits over many epochs).
 * @module
 */
import { parseArgs } from 'node:util';
import { argmax, backward, crossEntropy, noGrad } from '../src/autograd/index.js';
import { augmentBatch, formatAugment, parseAugment, type AugmentSpec } from '../src/data/augment.js';
import { batchCount, batches } from '../src/data/batches.js';
import type { Dataset } from '../src/data/dataset.js';
import { embeddedMnistSplit } from '../src/data/mnist-embedded.js';
import type { Module } from '../src/nn/index.js';
import { mnistModel } from '../src/nn/zoo.js';
import { Adam, StepLR } from '../src/optim/index.js';
import { Rng } from '../src/tensor/random.js';
import { defaultThreads } from '../src/tensor/backends/wasm/index.js';
import { backendNames, getBackend, setBackend } from '../src/tensor/registry.js';
import { Tensor } from '../src/tensor/tensor.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '25' },
    seed: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '50' },
    lr: { type: 'string', default: '1e-3' },
    augment: { type: 'string', default: 'shift2' },
    'lr-step': { type: 'string', default: '20' },
    'lr-gamma': { type: 'string', default: '0.1' },
    'weight-decay': { type: 'string', default: '0' },
    backend: { type: 'string' },
  },
});

function numberFlag(name: string, text: string, check: { integer?: boolean; min: number; strict: boolean }): number {
  const v = Number(text);
  const inRange = check.strict ? v > check.min : v >= check.min;
  if (text.trim() === '' || !Number.isFinite(v) || !inRange || (check.integer && !Number.isInteger(v))) {
    throw new Error(`--${name} must be ${check.integer ? 'an integer' : 'a number'} ${check.strict ? '>' : '>='} ${check.min}, got '${text}'`);
  }
  return v;
}

const epochs = numberFlag('epochs', values.epochs!, { integer: true, min: 0, strict: true });
const seed = numberFlag('seed', values.seed!, { integer: true, min: 0, strict: false });
const batchSize = numberFlag('batch-size', values['batch-size']!, { integer: true, min: 0, strict: true });
const lr = numberFlag('lr', values.lr!, { min: 0, strict: true });
const augment: AugmentSpec = parseAugment(values.augment!);
const lrStep = numberFlag('lr-step', values['lr-step']!, { integer: true, min: 0, strict: false });
const lrGamma = numberFlag('lr-gamma', values['lr-gamma']!, { min: 0, strict: false });
const weightDecay = numberFlag('weight-decay', values['weight-decay']!, { min: 0, strict: false });
if (values.backend !== undefined && !backendNames().includes(values.backend)) {
  throw new Error(`--backend must be one of ${backendNames().join(', ')}, got '${values.backend}'`);
}
const tty = process.stdout.isTTY === true;

/** One pass over `train` in seeded shuffled (and augmented) batches; returns the mean loss over examples. */
function trainEpoch(model: Module, optimizer: Adam, train: Dataset, rngs: { order: Rng; augment: Rng }): number {
  model.train();
  let total = 0;
  let done = 0;
  const count = batchCount(train.n, batchSize);
  for (const batch of batches(train, batchSize, { shuffle: true, rng: rngs.order })) {
    const images = augmentBatch(batch.images, train.shape, augment, rngs.augment);
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(new Tensor(images, [batch.size, ...train.shape])), batch.labels);
    backward(loss);
    optimizer.step();
    total += loss.item() * batch.size;
    done++;
    if (tty) process.stdout.write(`\r  batch ${done}/${count}  loss ${(total / (done * batchSize)).toFixed(4)}`);
  }
  if (tty) process.stdout.write('\r\x1b[K');
  return total / train.n;
}

/** Fraction of `ds` classified correctly, evaluated without the tape in batches of 500. */
function accuracy(model: Module, ds: Dataset): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const batch of batches(ds, 500)) {
      const predicted = argmax(model.forward(new Tensor(batch.images, [batch.size, ...ds.shape])), 1);
      for (let i = 0; i < batch.size; i++) if (predicted[i] === batch.labels[i]) correct++;
    }
  });
  return correct / ds.n;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const percent = (fraction: number): string => `${(100 * fraction).toFixed(2)}%`;

function main(): void {
  if (values.backend !== undefined) setBackend(values.backend);
  const { train, test } = embeddedMnistSplit();
  const model = mnistModel(seed);
  const optimizer = new Adam(model.parameters(), { lr, weightDecay });
  const schedule = lrStep > 0 ? new StepLR(optimizer, lrStep, lrGamma) : null;
  const rngs = { order: new Rng(seed + 1), augment: new Rng(seed + 2) };
  console.log(`mnist_model on ${getBackend().name}, Adam lr ${lr} (StepLR ${lrStep > 0 ? `every ${lrStep} epochs x${lrGamma}` : 'off'}), `
    + `weight decay ${weightDecay}, batch ${batchSize}, augment ${formatAugment(augment)}, seed ${seed}: ${train.n} train / ${test.n} test embedded digits`);
  if (getBackend().name === 'wasm' && defaultThreads() > 1) {
    console.log(`note: wasm on ${defaultThreads()} threads is not bit-reproducible (thread-order partial sums); RELAXJS_THREADS=1 for identical reruns`);
  }
  console.log('epoch        lr  train_loss  test_acc  train_s  train_cpu_s  eval_s');
  const accs: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const rate = optimizer.lr;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const loss = trainEpoch(model, optimizer, train, rngs);
    const cpu = process.cpuUsage(cpu0);
    const t1 = performance.now();
    accs.push(accuracy(model, test));
    const t2 = performance.now();
    schedule?.step();
    const cols = [String(epoch).padStart(5), rate.toExponential(1).padStart(8), loss.toFixed(4).padStart(10), percent(accs.at(-1)!).padStart(8),
      seconds(t1 - t0).padStart(7), seconds((cpu.user + cpu.system) / 1000).padStart(11), seconds(t2 - t1).padStart(6)];
    console.log(cols.join('  '));
  }
  const best = accs.indexOf(Math.max(...accs));
  console.log(`final test accuracy ${percent(accs.at(-1)!)}, best ${percent(accs[best]!)} (epoch ${best + 1})`);
}

main();
