/**
 * The `wasm` runtime's failure paths (issue 14): a kernel that traps on a helper thread or on the
 * calling thread fails the call with that thread's own error (message, wasm frame, stack), the
 * runtime keeps working afterwards, and thread counts (`RELAXJS_THREADS`, the `threads` option)
 * that are not whole numbers from 1 to 256 are errors naming them instead of silently ignored.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultThreads } from '../../src/tensor/backends/wasm/index.js';
import { WasmKernelTrap, WasmRuntime } from '../../src/tensor/backends/wasm/runtime.js';

const rt = new WasmRuntime(2);

/** A record of an unknown job kind: the module's `run` reaches `unreachable` on it. */
const badJob = (): number => rt.job([99, rt.counter()], 18);

/** A 4×8·8×4 product record (kind 1) that one thread can run whole. */
function goodJob(): { job: number; out: number } {
  const a = rt.put(new Float32Array(32).fill(1)), b = rt.put(new Float32Array(32).fill(2)), out = rt.alloc(64);
  return { job: rt.job([1, rt.counter(), 1, 4, 4, 4, 4, 8, a, 8, 1, 0, b, 4, 1, 0, out, 0], 17), out };
}

function trapOf(run: () => void): WasmKernelTrap {
  try {
    run();
  } catch (error) {
    assert.instance(error, WasmKernelTrap);
    return error as WasmKernelTrap;
  }
  return assert.unreachable('the call should have failed') as never;
}

test('a trap on the helper thread reports the worker\'s own error, frame and stack', () => {
  rt.reset();
  const { job } = goodJob();
  const trap = trapOf(() => rt.runJobs([job, badJob()]));
  assert.match(trap.message.split('\n')[0]!, /^wasm backend: kernel trapped on worker 1: RuntimeError: unreachable \(at .*wasm-function\[\d+\]/);
  assert.is(trap.thread, 'worker 1');
  assert.match(trap.detail, /^RuntimeError: unreachable\n\s+at .*wasm-function/);
  assert.ok(trap.stack!.includes(trap.detail), 'stack carries the worker\'s stack');
});

test('a trap on the calling thread is reported the same way, and the runtime works afterwards', () => {
  rt.reset();
  const trap = trapOf(() => rt.runJobs([badJob()]));
  assert.match(trap.message, /^wasm backend: kernel trapped on the main thread: RuntimeError: unreachable/);
  rt.reset();
  const first = goodJob(), second = goodJob();
  rt.runJobs([first.job, second.job]);
  assert.equal(Array.from(rt.read(first.out, 16)), new Array(16).fill(16));
});

test('RELAXJS_THREADS must be a whole number of threads from 1 to 256', () => {
  const saved = process.env.RELAXJS_THREADS;
  try {
    for (const bad of ['abc', '0', '-2', '1.5', '0x10', '1e1', '257', '2 threads']) {
      process.env.RELAXJS_THREADS = bad;
      assert.throws(() => defaultThreads(), (e: Error) => e instanceof RangeError && e.message.includes('RELAXJS_THREADS')
        && e.message.includes(`'${bad}'`) && e.message.includes('from 1 to 256'), bad);
    }
    process.env.RELAXJS_THREADS = ' 3 ';
    assert.is(defaultThreads(), 3);
    process.env.RELAXJS_THREADS = '';
    assert.ok(defaultThreads() >= 1, 'empty means the hardware count');
  } finally {
    if (saved === undefined) delete process.env.RELAXJS_THREADS;
    else process.env.RELAXJS_THREADS = saved;
  }
});

test('a runtime refuses a thread count that is not a whole number from 1 to 256', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 257]) {
    assert.throws(() => new WasmRuntime(bad), (e: Error) => e instanceof RangeError && e.message.includes('threads'), String(bad));
  }
});

test.run();
