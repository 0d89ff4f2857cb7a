/**
 * The helper threads of the `wasm` backend. Each worker instantiates the kernel module on the one
 * shared `WebAssembly.Memory` and sleeps on its slot of a small shared control array; the main
 * thread writes a job record's address into the slot, bumps the slot's sequence number and
 * notifies; the worker runs `run(job)`, stores the sequence number as done and notifies back.
 * The protocol is synchronous on the main side (Atomics.wait), as the Backend interface is.
 * The worker body is plain JavaScript evaluated from a string, so it needs no TypeScript loader.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from './module.js';

/** Int32 fields of one worker's slot in the control array. */
export const Slot = { Posted: 0, Job: 1, Done: 2, Failed: 3, Ready: 4, Size: 8 } as const;

const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot } = workerData;
const ctl = new Int32Array(control);
const POSTED = slot + ${Slot.Posted}, JOB = slot + ${Slot.Job}, DONE = slot + ${Slot.Done};
const FAILED = slot + ${Slot.Failed}, READY = slot + ${Slot.Ready};
const run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
Atomics.store(ctl, READY, 1);
Atomics.notify(ctl, READY);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, POSTED, seen);
  const posted = Atomics.load(ctl, POSTED);
  if (posted === seen) continue;
  seen = posted;
  let failed = 0;
  try { run(Atomics.load(ctl, JOB)); } catch { failed = 1; }
  Atomics.store(ctl, FAILED, failed);
  Atomics.store(ctl, DONE, posted);
  Atomics.notify(ctl, DONE);
}
`;

/** Starts a helper thread on `memory` that serves slot `index` of `control`; it does not keep the process alive. */
export function startWorker(module: WasmModule, memory: WasmMemory, control: SharedArrayBuffer, index: number): Worker {
  const worker = new Worker(workerSource, { eval: true, workerData: { module, memory, control, slot: index * Slot.Size } });
  worker.unref();
  return worker;
}
