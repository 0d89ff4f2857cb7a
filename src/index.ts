/**
 * relaxjs, the public API (`import { … } from 'relaxjs'`): tensors and backends, the autograd
 * ops, nn layers and the original's model zoo, the convex-relaxation bounds (the dual network
 * J(c) of Wong & Kolter, ICML 2018, eq. 5-7; `robustLoss`, `certify`; `computeBounds` for IBP / CROWN /
 * α-CROWN; `certifiedLoss` for IBP / CROWN-IBP training), optimizers, data loaders,
 * checkpoints and attacks. Training loops, reports and the CLI's pieces are in the subpaths
 * `relaxjs/train` and `relaxjs/report`; every group also has its own subpath (`relaxjs/nn`,
 * `relaxjs/relax`, …). In a browser, `initWasm()` readies the wasm backend (see `relaxjs/platform`);
 * the file and disk helpers (loadEmbeddedMnist, loadCheckpoint, …) throw "not available in the browser" there.
 * @module
 */
export { Tensor, type GradFn, type NestedArray } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export { Rng } from './tensor/random.js';
export type { Backend } from './tensor/backend.js';
export { backendByName, backendNames, defaultBackendName, getBackend, registerBackend, setBackend, withBackend } from './tensor/registry.js';
export { createWasmBackend, type WasmBackendOptions } from './tensor/backends/wasm/index.js';
export { createGpujsBackend } from './tensor/backends/gpujs/index.js';
export { createGpujsAsyncKernels, type GpujsAsyncKernels, type GpujsAsyncMode } from './tensor/backends/gpujs/async.js';
export { initWasm, platform, setPlatform, setBrowserEnv, setGpujs, type InitWasmOptions, type Platform } from './platform/index.js';

export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export {
  DualNetwork, inputSet, certify, robustLogits, robustLoss, uncertified, dualOf, dualNorm,
  ChunkedDualNetwork, chunkedCertify, chunkedRobustLogits,
  type DualNetworkOptions, type DualizableNetwork, type CertifyResult, type RobustLossOptions, type RobustLossResult,
  type ChunkedOptions, type Bounds, type DualLayer, type DualObject, type ProjectionOptions,
  computeBounds, bounds, checkPerturbation, perturbationFromJson, perturbationToJson,
  type BoundMethod, type BoundOptions, type BoundResult, type AlphaOptions, type Perturbation, type PerturbationJson,
} from './relax/index.js';
export { certifiedLoss, type CertifiedLossOptions, type CertifiedNetwork } from './train/certified/loss.js';
export { fgs, pgd, attackDataset, type AttackOptions, type AttackResult, type PgdOptions } from './attack/index.js';

export { batches, batchCount, type Batch, type BatchOptions } from './data/batches.js';
export { subset, take, labelCounts, type Dataset, type SampleShape } from './data/dataset.js';
export { loadEmbeddedMnist, embeddedMnistSplit } from './data/mnist-embedded.js';
export { loadMnist, loadFashionMnist, loadIdxDataset, parseIdx } from './data/idx.js';
export { toy2dPoints, type Toy2dOptions } from './data/toy2d.js';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './io/checkpoint.js';
export { loadStateDict, parseTorchCheckpoint, stateDictsOf, type TorchTensor } from './io/torch.js';
