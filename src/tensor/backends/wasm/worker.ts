/**
 * The helper threads of the `wasm` backend. Each worker instantiates the kernel module on the one
 * shared `WebAssembly.Memory` and sleeps on its slot of a small shared control array; the main
 * thread writes a job record's address into the slot, bumps the slot's sequence number and
 * notifies; the worker runs `run(job)`, stores the sequence number as done and notifies back.
 * The protocol is synchronous on the main side (Atomics.wait), as the Backend interface is.
 * With each job the main thread also posts the size of the memory in pages: a worker whose view of
 * the memory is smaller refreshes it (`memory.grow(0)`) before running. V8 (Node 20) misses a
 * growth that lands while the worker is still deserializing its `workerData` (the worker's memory
 * object keeps the old length until the next growth), and then every explicitly bounds-checked
 * access above the old length (the atomic chunk claim, `memory.fill`) traps with "memory access
 * out of bounds", intermittently, on the worker only. A worker that throws writes its error's
 * stack into its slot, so the main thread can report it.
 * The worker body is plain JavaScript evaluated from a string, so it needs no TypeScript loader;
 * the platform adapter (`src/platform`) starts it as a Node worker thread or a Web Worker.
 * @module
 */

/** Characters of a worker's error kept in its slot (the rest of a longer stack is cut). */
export const MESSAGE_CHARS = 2048;

/**
 * Int32 fields of one worker's slot in the control array: the job protocol, `Ready` (1 once the
 * module is instantiated, 2 if that failed), `Pages` (the memory size the posted job needs) and the
 * last error's text (`MessageLength` UTF-16 code units from `Message`, one per field).
 */
export const Slot = { Posted: 0, Job: 1, Done: 2, Failed: 3, Ready: 4, Pages: 5, MessageLength: 6, Message: 8, Size: 8 + MESSAGE_CHARS } as const;

/** The loop of a helper thread, run once `module`, `memory`, `control` and `slot` are in scope (plain JavaScript). */
export const workerLoop = `
const ctl = new Int32Array(control);
const POSTED = slot + ${Slot.Posted}, JOB = slot + ${Slot.Job}, DONE = slot + ${Slot.Done};
const FAILED = slot + ${Slot.Failed}, READY = slot + ${Slot.Ready}, PAGES = slot + ${Slot.Pages};
const LENGTH = slot + ${Slot.MessageLength}, MESSAGE = slot + ${Slot.Message};
const report = (error) => {
  const text = String((error && error.stack) || error);
  const n = Math.min(text.length, ${MESSAGE_CHARS});
  for (let i = 0; i < n; i++) ctl[MESSAGE + i] = text.charCodeAt(i);
  ctl[LENGTH] = n;
};
let run;
try {
  run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
} catch (error) {
  report(error);
  Atomics.store(ctl, READY, 2);
  Atomics.notify(ctl, READY);
  throw error;
}
Atomics.store(ctl, READY, 1);
Atomics.notify(ctl, READY);
let seen = 0, pages = 0;
for (;;) {
  Atomics.wait(ctl, POSTED, seen);
  const posted = Atomics.load(ctl, POSTED);
  if (posted === seen) continue;
  seen = posted;
  let failed = 0;
  try {
    const need = Atomics.load(ctl, PAGES);
    if (need > pages) pages = memory.buffer.byteLength / 65536;
    if (need > pages) pages = memory.grow(0);
    run(Atomics.load(ctl, JOB));
  } catch (error) {
    report(error);
    failed = 1;
  }
  Atomics.store(ctl, FAILED, failed);
  Atomics.store(ctl, DONE, posted);
  Atomics.notify(ctl, DONE);
}
`;

/** The body of a Node worker thread: its slot arrives as `workerData`. */
export const nodeWorkerSource = `const { workerData } = require('node:worker_threads');
const { module, memory, control, slot } = workerData;
${workerLoop}`;
