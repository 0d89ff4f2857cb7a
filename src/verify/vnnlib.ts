/**
 * VNN-LIB properties (the VNN-COMP subset of SMT-LIB): `declare-const` inputs `X_i` and outputs
 * `Y_j` (Real), and `assert`s of linear (in)equalities combined with `and` / `or`. The file
 * describes the UNSAFE set: a counterexample is an input x in the input region whose output
 * y = f(x) satisfies every assertion. The asserts are brought into disjunctive normal form and
 * grouped by input box:
 *
 *   unsafe  ⇔  ∃ p: x ∈ [l_p, u_p]  ∧  ∃ k: C_{p,k} y + d_{p,k} ≤ 0  (row-wise).
 *
 * Errors name the line and column of the offending token.
 * @module
 */

/** An output constraint row c·y + d ≤ 0. */
export interface OutputRow {
  readonly c: Float64Array;
  readonly d: number;
}

/** One input box with the disjunction (over conjunctions of rows) that makes it unsafe. */
export interface SubProperty {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Unsafe iff some conjunction has all its rows ≤ 0. An empty row list = every input is unsafe. */
  readonly conjunctions: readonly (readonly OutputRow[])[];
}

/** A parsed property. */
export interface VnnProperty {
  readonly inputs: number;
  readonly outputs: number;
  readonly parts: readonly SubProperty[];
}

interface Token { readonly text: string; readonly line: number; readonly col: number }
type Sexp = { readonly atom: Token } | { readonly list: Sexp[]; readonly at: Token };

/** A parse error with position. */
function fail(at: Token | { line: number; col: number }, what: string): never {
  throw new Error(`vnnlib ${at.line}:${at.col}: ${what}`);
}

/** Splits into parentheses and atoms, skipping `;` comments. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let col = 1;
  for (let i = 0; i < src.length;) {
    const ch = src[i]!;
    if (ch === '\n') { line++; col = 1; i++; continue; }
    if (/\s/.test(ch)) { col++; i++; continue; }
    if (ch === ';') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (ch === '(' || ch === ')') { tokens.push({ text: ch, line, col }); col++; i++; continue; }
    let j = i;
    while (j < src.length && !/[\s();]/.test(src[j]!)) j++;
    tokens.push({ text: src.slice(i, j), line, col });
    col += j - i;
    i = j;
  }
  return tokens;
}

/** Reads s-expressions from tokens. */
function readAll(tokens: Token[]): Sexp[] {
  const out: Sexp[] = [];
  let i = 0;
  const read = (): Sexp => {
    const t = tokens[i++]!;
    if (t.text === ')') fail(t, "unexpected ')'");
    if (t.text !== '(') return { atom: t };
    const list: Sexp[] = [];
    while (i < tokens.length && tokens[i]!.text !== ')') list.push(read());
    if (i >= tokens.length) fail(t, "'(' is never closed");
    i++;
    return { list, at: t };
  };
  while (i < tokens.length) out.push(read());
  return out;
}

/** A linear expression: coefficients over X and Y, plus a constant. */
interface Linear { x: Map<number, number>; y: Map<number, number>; k: number }
/** Conjunction of atoms e ≤ 0. */
type Conj = Linear[];

const pos = (s: Sexp): Token => ('atom' in s ? s.atom : s.at);

/** Parses and normalises a VNN-LIB property. */
export function parseVnnlib(src: string): VnnProperty {
  const vars = new Map<string, { kind: 'x' | 'y'; index: number }>();
  let dnf: Conj[] = [[]];
  for (const form of readAll(tokenize(src))) {
    if ('atom' in form) fail(form.atom, `expected a command in parentheses, got '${form.atom.text}'`);
    const head = form.list[0];
    const name = head && 'atom' in head ? head.atom.text : '';
    if (name === 'declare-const') declare(form.list, form.at, vars);
    else if (name === 'assert') {
      if (form.list.length !== 2) fail(form.at, 'assert takes one formula');
      dnf = product(dnf, formula(form.list[1]!, vars));
    } else fail(head ? pos(head) : form.at, `unknown command '${name}' (expected declare-const or assert)`);
  }
  return group(dnf, vars);
}

/** `(declare-const X_i Real)`. */
function declare(list: Sexp[], at: Token, vars: Map<string, { kind: 'x' | 'y'; index: number }>): void {
  const [, v, type] = list;
  if (!v || !('atom' in v) || !type || !('atom' in type) || list.length !== 3) fail(at, 'expected (declare-const NAME Real)');
  const m = /^([XY])_(\d+)$/.exec(v.atom.text);
  if (!m) fail(v.atom, `variable '${v.atom.text}' is not named X_i or Y_j`);
  if (type.atom.text !== 'Real') fail(type.atom, `type '${type.atom.text}' is not Real`);
  if (vars.has(v.atom.text)) fail(v.atom, `'${v.atom.text}' is declared twice`);
  vars.set(v.atom.text, { kind: m[1] === 'X' ? 'x' : 'y', index: Number(m[2]) });
}

const MAX_DISJUNCTS = 100_000;

/** DNF of a conjunction of two DNFs. */
function product(a: Conj[], b: Conj[]): Conj[] {
  if (a.length * b.length > MAX_DISJUNCTS) throw new Error(`vnnlib: more than ${MAX_DISJUNCTS} disjuncts after normalisation`);
  return a.flatMap((p) => b.map((q) => [...p, ...q]));
}

/** A formula as DNF. */
function formula(s: Sexp, vars: Map<string, { kind: 'x' | 'y'; index: number }>): Conj[] {
  if ('atom' in s) fail(s.atom, `expected a formula, got '${s.atom.text}'`);
  const op = s.list[0] && 'atom' in s.list[0] ? s.list[0].atom.text : '';
  const args = s.list.slice(1);
  if (op === 'and') return args.reduce<Conj[]>((acc, f) => product(acc, formula(f, vars)), [[]]);
  if (op === 'or') {
    if (args.length === 0) fail(s.at, 'empty or');
    return args.flatMap((f) => formula(f, vars));
  }
  if (['<=', '>=', '<', '>', '='].includes(op)) {
    if (args.length !== 2) fail(s.at, `${op} takes two terms`);
    const a = term(args[0]!, vars);
    const b = term(args[1]!, vars);
    const le = (p: Linear, q: Linear): Linear => combine(p, q, -1);
    if (op === '<=' || op === '<') return [[le(a, b)]];
    if (op === '>=' || op === '>') return [[le(b, a)]];
    return [[le(a, b), le(b, a)]];
  }
  return fail(s.at, `unknown formula '${op}' (expected and, or, <=, >=, <, >, =)`);
}

/** p + sign·q. */
function combine(p: Linear, q: Linear, sign: number): Linear {
  const add = (m: Map<number, number>, n: Map<number, number>): Map<number, number> => {
    const out = new Map(m);
    for (const [i, v] of n) out.set(i, (out.get(i) ?? 0) + sign * v);
    return out;
  };
  return { x: add(p.x, q.x), y: add(p.y, q.y), k: p.k + sign * q.k };
}

/** A linear term: number, variable, (+ …), (- …), (* const term). */
function term(s: Sexp, vars: Map<string, { kind: 'x' | 'y'; index: number }>): Linear {
  if ('atom' in s) {
    const v = vars.get(s.atom.text);
    if (v) return { x: new Map(v.kind === 'x' ? [[v.index, 1]] : []), y: new Map(v.kind === 'y' ? [[v.index, 1]] : []), k: 0 };
    const n = Number(s.atom.text);
    if (!Number.isFinite(n) || s.atom.text === '') fail(s.atom, `'${s.atom.text}' is neither a declared variable nor a number`);
    return { x: new Map(), y: new Map(), k: n };
  }
  const op = s.list[0] && 'atom' in s.list[0] ? s.list[0].atom.text : '';
  const args = s.list.slice(1).map((a) => term(a, vars));
  const zero: Linear = { x: new Map(), y: new Map(), k: 0 };
  if (op === '+') return args.reduce((a, b) => combine(a, b, 1), zero);
  if (op === '-' && args.length === 1) return combine(zero, args[0]!, -1);
  if (op === '-' && args.length > 1) return args.slice(1).reduce((a, b) => combine(a, b, -1), args[0]!);
  if (op === '*') {
    const variable = args.filter((a) => a.x.size > 0 || a.y.size > 0);
    if (args.length < 2 || variable.length > 1) fail(s.at, '* needs constant factors times at most one variable term');
    const factor = args.filter((a) => !variable.includes(a)).reduce((acc, a) => acc * a.k, 1);
    return variable.length === 0 ? { ...zero, k: factor } : combine(zero, variable[0]!, factor);
  }
  return fail(s.at, `unknown term '${op}' (expected +, -, * or a variable or number)`);
}

/** Splits each disjunct into an input box and output rows; groups disjuncts with equal boxes. */
function group(dnf: Conj[], vars: Map<string, { kind: 'x' | 'y'; index: number }>): VnnProperty {
  const count = (kind: 'x' | 'y'): number => Math.max(-1, ...[...vars.values()].filter((v) => v.kind === kind).map((v) => v.index)) + 1;
  const inputs = count('x');
  const outputs = count('y');
  if (inputs === 0 || outputs === 0) throw new Error('vnnlib: declares no X_i inputs or no Y_j outputs');
  const parts = new Map<string, { lower: Float64Array; upper: Float64Array; conjunctions: OutputRow[][] }>();
  for (const conj of dnf) {
    const lower = new Float64Array(inputs).fill(-Infinity);
    const upper = new Float64Array(inputs).fill(Infinity);
    const rows: OutputRow[] = [];
    for (const atom of conj) {
      const xs = [...atom.x].filter(([, v]) => v !== 0);
      const ys = [...atom.y].filter(([, v]) => v !== 0);
      if (xs.length > 0 && ys.length > 0) throw new Error('vnnlib: a constraint mixes inputs and outputs (not supported)');
      if (xs.length > 1) throw new Error('vnnlib: a constraint couples several inputs (only boxes on X are supported)');
      if (xs.length === 1) {
        const [i, a] = xs[0]!;
        if (a > 0) upper[i] = Math.min(upper[i]!, -atom.k / a);
        else lower[i] = Math.max(lower[i]!, -atom.k / a);
      } else if (ys.length > 0) {
        const c = new Float64Array(outputs);
        for (const [j, v] of ys) c[j] = v;
        rows.push({ c, d: atom.k });
      } else if (atom.k > 0) rows.push({ c: new Float64Array(outputs), d: atom.k });
    }
    if (lower.some((l, i) => !Number.isFinite(l) || !Number.isFinite(upper[i]!))) throw new Error('vnnlib: every input X_i needs a finite lower and upper bound in each disjunct');
    if (lower.some((l, i) => l > upper[i]!)) continue;
    const key = `${lower.join(',')}|${upper.join(',')}`;
    const part = parts.get(key) ?? { lower, upper, conjunctions: [] };
    part.conjunctions.push(rows);
    parts.set(key, part);
  }
  return { inputs, outputs, parts: [...parts.values()] };
}
