import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unpickle, type PickleValue, type UnpickleHooks } from '../../src/io/pickle.js';

/** What the test hooks build: a record of each class lookup, call, build and persistent id. */
type Rec = { op: 'class' | 'call' | 'build' | 'pid'; name?: string; args?: PickleValue<Rec>[] };
const hooks: UnpickleHooks<Rec> = {
  findClass: (module, name) => ({ op: 'class', name: `${module}.${name}` }),
  call: (fn, args) => ({ op: 'call', name: (fn as Rec).name, args }),
  build: (obj, state) => ({ op: 'build', args: [obj, state] }),
  persistentLoad: (pid) => ({ op: 'pid', args: [pid] }),
};
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const load = (h: string): PickleValue<Rec> => unpickle(hex(h), hooks).value;

// Python: pickle.dumps({'a': 1, 'b': [1.5, None, True, False], 'c': (1, 2, 3), 'd': -2,
//   'e': 2**40, 'f': -(2**70), 'g': 'héllo', 'h': b'xy', 'i': 70000, 'j': 300, 'k': (),
//   7: 'int key'}, protocol=P)
const DICT_P2 = '80027d71002858010000006171014b0158010000006271025d710328473ff80000000000004e88896558010000006371044b014b024b0387710558010000006471064afeffffff58010000006571078a0600000000000158010000006671088a090000000000000000c05801000000677109580600000068c3a96c6c6f710a580100000068710b635f636f646563730a656e636f64650a710c58020000007879710d58060000006c6174696e31710e86710f52711058010000006971114a7011010058010000006a71124d2c0158010000006b7113294b075807000000696e74206b65797114752e';
const DICT_P4 = '80049586000000000000007d94288c0161944b018c0162945d9428473ff80000000000004e8889658c0163944b014b024b0387948c0164944afeffffff8c0165948a060000000000018c0166948a090000000000000000c08c0167948c0668c3a96c6c6f948c01689443027879948c0169944a701101008c016a944d2c018c016b94294b078c07696e74206b657994752e';
const DICT_P5 = DICT_P4.replace(/^8004/, '8005');

function checkDict(v: PickleValue<Rec>): void {
  assert.ok(v instanceof Map);
  const d = v as Map<string | number, PickleValue<Rec>>;
  assert.equal([...d.keys()], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 7]);
  assert.is(d.get('a'), 1);
  assert.equal(d.get('b'), [1.5, null, true, false]);
  assert.equal(d.get('c'), [1, 2, 3]);
  assert.is(d.get('d'), -2);
  assert.is(d.get('e'), 2 ** 40);
  assert.is(d.get('f'), -(2n ** 70n));
  assert.is(d.get('g'), 'héllo');
  assert.is(d.get('i'), 70000);
  assert.is(d.get('j'), 300);
  assert.equal(d.get('k'), []);
  assert.is(d.get(7), 'int key');
}

test('protocol 2 dict: ints of every width, floats, strings, tuples, lists, int keys', () => {
  const v = load(DICT_P2);
  checkDict(v);
  // protocol 2 writes bytes as _codecs.encode('xy', 'latin1'): a GLOBAL + REDUCE
  assert.equal((v as Map<string, PickleValue<Rec>>).get('h'),
    { op: 'call', name: '_codecs.encode', args: ['xy', 'latin1'] });
});

test('protocols 4 and 5: FRAME, MEMOIZE, SHORT_BINUNICODE, SHORT_BINBYTES', () => {
  for (const h of [DICT_P4, DICT_P5]) {
    const v = load(h);
    checkDict(v);
    assert.equal((v as Map<string, PickleValue<Rec>>).get('h'), new Uint8Array([0x78, 0x79]));
  }
});

test('memo: BINGET returns the same object, as Python shares it', () => {
  const v = load('80025d7100285d71014b01616801652e'); // x = [1]; pickle.dumps([x, x], 2)
  assert.ok(Array.isArray(v));
  const [a, b] = v as PickleValue<Rec>[];
  assert.is(a, b);
  assert.equal(a, [1]);
});

test('hooks: GLOBAL + REDUCE, SETITEMS on the result, BINPERSID', () => {
  // [OrderedDict([('z', 1), ('a', 2)]), <persistent id ('storage', 'k1')>]
  const h = '80025d71002863636f6c6c656374696f6e730a4f726465726564446963740a7101295271022858010000007a71034b0158010000006171044b0275580700000073746f72616765710558020000006b31710686710751652e';
  const mapHooks: UnpickleHooks<Rec> = { ...hooks, call: () => new Map() };
  const v = unpickle(hex(h), mapHooks).value as PickleValue<Rec>[];
  assert.equal([...(v[0] as Map<string, number>)], [['z', 1], ['a', 2]]);
  assert.equal(v[1], { op: 'pid', args: [['storage', 'k1']] });
});

test('BINUNICODE8, BINBYTES8, LONG1 negative, BININT negative, BINFLOAT, BUILD', () => {
  const u64 = (n: number): string => Buffer.from(new BigUint64Array([BigInt(n)]).buffer).toString('hex');
  const parts = [
    '8004', '28', // PROTO 4, MARK
    '8d' + u64(2) + Buffer.from('hi').toString('hex'),
    '8e' + u64(3) + '010203',
    '8a02ff7f', // LONG1 0x7fff
    '8a01ff', // LONG1 -1
    '4aff000000', // BININT 255
    '47c00c000000000000', // BINFLOAT -3.5 (big-endian)
    '63615f6d6f640a4b6c6173730a' + '4e' + '62', // GLOBAL a_mod Klass, NONE, BUILD
    '742e', // TUPLE, STOP
  ];
  const v = load(parts.join(''));
  assert.equal(v, ['hi', new Uint8Array([1, 2, 3]), 0x7fff, -1, 255, -3.5,
    { op: 'build', args: [{ op: 'class', name: 'a_mod.Klass' }, null] }]);
});

test('end offset lets pickles be read back to back', () => {
  const two = hex('80024b012e' + '80024b022e');
  const first = unpickle(two, hooks);
  assert.is(first.value, 1);
  assert.is(first.end, 5);
  assert.is(unpickle(two, hooks, first.end).value, 2);
});

test('unknown opcode: error names the opcode and the offset', () => {
  assert.throws(() => load(Buffer.from('I1\n.').toString('hex')), /unsupported pickle opcode 0x49 'I' at offset 0/);
  assert.throws(() => load('8002ff2e'), /unsupported pickle opcode 0xff at offset 2/);
});

test('truncated input: clear error, at every cut point', () => {
  const bytes = hex(DICT_P2);
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => unpickle(bytes.subarray(0, n), hooks), /pickle truncated/, `cut at ${n}`);
  }
  assert.throws(() => load('80024b'), /pickle truncated: needed 1 bytes at offset 3/);
  assert.throws(() => load('80024b01'), /no STOP opcode/);
});

test('malformed stacks are reported, not crashed on', () => {
  assert.throws(() => load('80022e'), /stack underflow/); // STOP with nothing
  assert.throws(() => load('8002682a2e'), /memo 42 missing/);
  assert.throws(() => load('80024b014b014b0173'), /SETITEM on a non-dict/);
});

test.run();
