/**
 * Trains the original's `mnist_model` (Conv(1,16,4,s2,p1)-ReLU-Conv(16,32,4,s2,p1)-ReLU-Flatten-
 * Linear(1568,100)-ReLU-Linear(100,10)) from scratch with Adam on the embedded MNIST training
 * split (8,000 digits) and evaluates on the embedded test split (2,000) after every epoch,
 * printing epoch, mean training loss, test accuracy and seconds per epoch (wall clock, and the
 * process's CPU time, which stays meaningful when other jobs share the machine).
 *
 *   npx tsx scripts/train-mnist.ts [--epochs 5] [--seed 0] [--batch-size 50] [--lr 1e-3]
 *
 * Defaults are the original's (`examples/problems.py` argparser: Adam, lr 1e-3, batch 50, seed 0).
 * @module
 */
import { parseArgs } from 'node:util';
import { argmax, backward, crossEntropy, noGrad } from '../src/autograd/index.js';
import { batchCount, batches } from '../src/data/batches.js';
import type { Dataset } from '../src/data/dataset.js';
import { embeddedMnistSplit } from '../src/data/mnist-embedded.js';
import type { Module } from '../src/nn/index.js';
import { mnistModel } from '../src/nn/zoo.js';
import { Adam } from '../src/optim/index.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '50' },
    lr: { type: 'string', default: '1e-3' },
  },
});

function positive(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  return v;
}

const epochs = positive('epochs', values.epochs!, true);
const seed = Number.parseInt(values.seed!, 10);
const batchSize = positive('batch-size', values['batch-size']!, true);
const lr = positive('lr', values.lr!, false);
const tty = process.stdout.isTTY === true;

/** One pass over `train` in seeded shuffled batches; returns the mean loss over examples. */
function trainEpoch(model: Module, optimizer: Adam, train: Dataset, rng: Rng): number {
  model.train();
  let total = 0;
  let done = 0;
  const count = batchCount(train.n, batchSize);
  for (const batch of batches(train, batchSize, { shuffle: true, rng })) {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(new Tensor(batch.images, [batch.size, ...train.shape])), batch.labels);
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

function main(): void {
  const { train, test } = embeddedMnistSplit();
  const model = mnistModel(seed);
  const optimizer = new Adam(model.parameters(), { lr });
  const rng = new Rng(seed + 1);
  console.log(`mnist_model, Adam lr ${lr}, batch ${batchSize}, seed ${seed}: ${train.n} train / ${test.n} test embedded digits`);
  console.log('epoch  train_loss  test_acc  train_s  train_cpu_s  eval_s');
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const loss = trainEpoch(model, optimizer, train, rng);
    const cpu = process.cpuUsage(cpu0);
    const t1 = performance.now();
    const acc = accuracy(model, test);
    const t2 = performance.now();
    const cols = [String(epoch).padStart(5), loss.toFixed(4).padStart(10), `${(100 * acc).toFixed(2).padStart(7)}%`,
      seconds(t1 - t0).padStart(7), seconds((cpu.user + cpu.system) / 1000).padStart(11), seconds(t2 - t1).padStart(6)];
    console.log(cols.join('  '));
  }
}

main();
