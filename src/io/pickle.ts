/**
 * A minimal unpickler for the binary pickle protocols 2-5, covering the opcodes that
 * `torch.save` emits (and the common neighbours). It never executes anything: classes named by
 * GLOBAL / STACK_GLOBAL, and what REDUCE / NEWOBJ / BUILD / BINPERSID do with them, are left to
 * {@link UnpickleHooks} supplied by the caller (see `torch.ts`).
 *
 * Value mapping: `None` -> `null`, `bool` -> boolean, `int` -> number (bigint past 2^53),
 * `float` -> number, `str` -> string, `bytes` -> Uint8Array, `list` / `tuple` / `set` -> array,
 * `dict` -> `Map` in insertion order (keys: string or number; any other key is stringified).
 * Text-protocol (0/1) opcodes such as INT or PUT are reported as unsupported.
 *
 * @module
 */

/** A dict key: Python str and int keys are kept, any other key is converted with `String()`. */
export type PickleKey = string | number;

/** A value built by the unpickler; `T` is whatever the hooks create (classes, objects, ...). */
export type PickleValue<T> =
  | null | boolean | number | bigint | string | Uint8Array
  | PickleValue<T>[] | Map<PickleKey, PickleValue<T>> | T;

/** What the caller decides: how names resolve and what calling / building them means. */
export interface UnpickleHooks<T> {
  /** GLOBAL / STACK_GLOBAL: resolve `module.name` (e.g. `collections.OrderedDict`). */
  findClass(module: string, name: string): PickleValue<T>;
  /** REDUCE and NEWOBJ: apply `callable` to `args`. */
  call(callable: PickleValue<T>, args: PickleValue<T>[]): PickleValue<T>;
  /** BUILD: give `obj` its `state` (`__setstate__`); returns the object to keep on the stack. */
  build(obj: PickleValue<T>, state: PickleValue<T>): PickleValue<T>;
  /** BINPERSID / PERSID: turn a persistent id into the object it names (torch: storages). */
  persistentLoad(pid: PickleValue<T>): PickleValue<T>;
}

/** The result of {@link unpickle}: the value and the offset just past its STOP opcode. */
export interface UnpickleResult<T> {
  value: PickleValue<T>;
  end: number;
}

const MARK = Symbol('mark');
type Slot<T> = PickleValue<T> | typeof MARK;

/** The state of one run: input cursor, stack, memo. */
class Machine<T> {
  pos: number;
  stack: Slot<T>[] = [];
  memo = new Map<number, PickleValue<T>>();
  done = false;
  constructor(readonly bytes: Uint8Array, start: number, readonly hooks: UnpickleHooks<T>) {
    this.pos = start;
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new Error(`pickle truncated: needed ${n} bytes at offset ${this.pos}, ` +
        `${this.bytes.length - this.pos} left`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  view(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  u8(): number { return this.take(1)[0]!; }
  u16(): number { return this.view(2).getUint16(0, true); }
  u32(): number { return this.view(4).getUint32(0, true); }
  u64(): number { return toNumber(this.view(8).getBigUint64(0, true)); }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new Error(`pickle truncated: unterminated line at offset ${this.pos}`);
    return latin1(this.take(end - this.pos + 1).subarray(0, -1));
  }

  push(v: PickleValue<T>): void { this.stack.push(v); }
  pop(): PickleValue<T> {
    const v = this.stack.pop();
    if (v === undefined || v === MARK) throw new Error(`pickle stack underflow at offset ${this.pos}`);
    return v;
  }
  top(): PickleValue<T> {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) throw new Error(`pickle stack empty at offset ${this.pos}`);
    return v;
  }
  /** Pops everything above the topmost MARK (and the mark itself). */
  popMark(): PickleValue<T>[] {
    const i = this.stack.lastIndexOf(MARK);
    if (i < 0) throw new Error(`pickle MARK missing at offset ${this.pos}`);
    const items = this.stack.splice(i) as PickleValue<T>[];
    return items.slice(1);
  }
  memoGet(i: number): void {
    const v = this.memo.get(i);
    if (v === undefined) throw new Error(`pickle memo ${i} missing at offset ${this.pos}`);
    this.push(v);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
function toNumber(b: bigint): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`pickle length ${b} too large`);
  return Number(b);
}

/** LONG1 / LONG4 payload: little-endian two's complement; number when safe, else bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b.length > 0 && (b[b.length - 1]! & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function toKey<T>(k: PickleValue<T>): PickleKey {
  if (typeof k === 'string' || typeof k === 'number') return k;
  if (typeof k === 'boolean') return k ? 1 : 0; // Python: True == 1 as a dict key
  return String(k);
}

function asList<T>(m: Machine<T>, what: string): PickleValue<T>[] {
  const v = m.top();
  if (!Array.isArray(v)) throw new Error(`pickle ${what} on a non-list at offset ${m.pos}`);
  return v;
}

function setItems<T>(m: Machine<T>, items: PickleValue<T>[]): void {
  const d = m.top();
  if (!(d instanceof Map)) throw new Error(`pickle SETITEM on a non-dict at offset ${m.pos}`);
  for (let i = 0; i + 1 < items.length; i += 2) d.set(toKey(items[i]!), items[i + 1]!);
}

function str<T>(m: Machine<T>, n: number): void { m.push(utf8.decode(m.take(n))); }
function call<T>(m: Machine<T>): void {
  const args = m.pop();
  const fn = m.pop();
  m.push(m.hooks.call(fn, Array.isArray(args) ? args : [args]));
}
function stackGlobal<T>(m: Machine<T>): void {
  const name = m.pop();
  const mod = m.pop();
  if (typeof name !== 'string' || typeof mod !== 'string') {
    throw new Error(`pickle STACK_GLOBAL needs two strings at offset ${m.pos}`);
  }
  m.push(m.hooks.findClass(mod, name));
}

type Op = <T>(m: Machine<T>) => void;

/** Opcode byte -> [name, action]. */
const OPS = new Map<number, [string, Op]>([
  [0x80, ['PROTO', (m) => { m.u8(); }]],
  [0x95, ['FRAME', (m) => { m.u64(); }]],
  [0x2e, ['STOP', (m) => { m.done = true; }]],
  [0x28, ['MARK', (m) => { m.stack.push(MARK); }]],
  [0x30, ['POP', (m) => { m.stack.pop(); }]],
  [0x31, ['POP_MARK', (m) => { m.popMark(); }]],
  [0x32, ['DUP', (m) => { m.push(m.top()); }]],
  [0x4e, ['NONE', (m) => { m.push(null); }]],
  [0x88, ['NEWTRUE', (m) => { m.push(true); }]],
  [0x89, ['NEWFALSE', (m) => { m.push(false); }]],
  [0x4a, ['BININT', (m) => { m.push(m.view(4).getInt32(0, true)); }]],
  [0x4b, ['BININT1', (m) => { m.push(m.u8()); }]],
  [0x4d, ['BININT2', (m) => { m.push(m.u16()); }]],
  [0x8a, ['LONG1', (m) => { m.push(decodeLong(m.take(m.u8()))); }]],
  [0x8b, ['LONG4', (m) => { m.push(decodeLong(m.take(m.u32()))); }]],
  [0x47, ['BINFLOAT', (m) => { m.push(m.view(8).getFloat64(0, false)); }]],
  [0x58, ['BINUNICODE', (m) => { str(m, m.u32()); }]],
  [0x8c, ['SHORT_BINUNICODE', (m) => { str(m, m.u8()); }]],
  [0x8d, ['BINUNICODE8', (m) => { str(m, m.u64()); }]],
  [0x54, ['BINSTRING', (m) => { m.push(latin1(m.take(m.view(4).getInt32(0, true)))); }]],
  [0x55, ['SHORT_BINSTRING', (m) => { m.push(latin1(m.take(m.u8()))); }]],
  [0x42, ['BINBYTES', (m) => { m.push(m.take(m.u32()).slice()); }]],
  [0x43, ['SHORT_BINBYTES', (m) => { m.push(m.take(m.u8()).slice()); }]],
  [0x8e, ['BINBYTES8', (m) => { m.push(m.take(m.u64()).slice()); }]],
  [0x96, ['BYTEARRAY8', (m) => { m.push(m.take(m.u64()).slice()); }]],
  [0x7d, ['EMPTY_DICT', (m) => { m.push(new Map()); }]],
  [0x5d, ['EMPTY_LIST', (m) => { m.push([]); }]],
  [0x29, ['EMPTY_TUPLE', (m) => { m.push([]); }]],
  [0x8f, ['EMPTY_SET', (m) => { m.push([]); }]],
  [0x91, ['FROZENSET', (m) => { m.push(m.popMark()); }]],
  [0x90, ['ADDITEMS', (m) => { const xs = m.popMark(); asList(m, 'ADDITEMS').push(...xs); }]],
  [0x74, ['TUPLE', (m) => { m.push(m.popMark()); }]],
  [0x85, ['TUPLE1', (m) => { m.push([m.pop()]); }]],
  [0x86, ['TUPLE2', (m) => { const b = m.pop(); m.push([m.pop(), b]); }]],
  [0x87, ['TUPLE3', (m) => { const c = m.pop(); const b = m.pop(); m.push([m.pop(), b, c]); }]],
  [0x6c, ['LIST', (m) => { m.push(m.popMark()); }]],
  [0x64, ['DICT', (m) => { const xs = m.popMark(); m.push(new Map()); setItems(m, xs); }]],
  [0x61, ['APPEND', (m) => { const x = m.pop(); asList(m, 'APPEND').push(x); }]],
  [0x65, ['APPENDS', (m) => { const xs = m.popMark(); asList(m, 'APPENDS').push(...xs); }]],
  [0x73, ['SETITEM', (m) => { const v = m.pop(); const k = m.pop(); setItems(m, [k, v]); }]],
  [0x75, ['SETITEMS', (m) => { setItems(m, m.popMark()); }]],
  [0x71, ['BINPUT', (m) => { m.memo.set(m.u8(), m.top()); }]],
  [0x72, ['LONG_BINPUT', (m) => { m.memo.set(m.u32(), m.top()); }]],
  [0x94, ['MEMOIZE', (m) => { m.memo.set(m.memo.size, m.top()); }]],
  [0x68, ['BINGET', (m) => { m.memoGet(m.u8()); }]],
  [0x6a, ['LONG_BINGET', (m) => { m.memoGet(m.u32()); }]],
  [0x63, ['GLOBAL', (m) => { const mod = m.line(); m.push(m.hooks.findClass(mod, m.line())); }]],
  [0x93, ['STACK_GLOBAL', stackGlobal]],
  [0x52, ['REDUCE', call]],
  [0x81, ['NEWOBJ', call]],
  [0x62, ['BUILD', (m) => { const state = m.pop(); m.push(m.hooks.build(m.pop(), state)); }]],
  [0x51, ['BINPERSID', (m) => { m.push(m.hooks.persistentLoad(m.pop())); }]],
  [0x50, ['PERSID', (m) => { m.push(m.hooks.persistentLoad(m.line())); }]],
]);

function opName(code: number): string {
  const printable = code >= 0x20 && code < 0x7f ? ` '${String.fromCharCode(code)}'` : '';
  return `0x${code.toString(16).padStart(2, '0')}${printable}`;
}

/**
 * Runs one pickle starting at `start` up to and including its STOP opcode.
 * Throws an Error naming the opcode and byte offset for an unknown opcode, and the offset for
 * truncated input or a malformed stack.
 */
export function unpickle<T>(bytes: Uint8Array, hooks: UnpickleHooks<T>, start = 0): UnpickleResult<T> {
  const m = new Machine<T>(bytes, start, hooks);
  while (!m.done) {
    const at = m.pos;
    if (at >= bytes.length) throw new Error(`pickle truncated: no STOP opcode before offset ${at}`);
    const code = m.u8();
    const op = OPS.get(code);
    if (op === undefined) throw new Error(`unsupported pickle opcode ${opName(code)} at offset ${at}`);
    op[1](m);
  }
  return { value: m.pop(), end: m.pos };
}
