/**
 * Typed flag specifications and the parser that turns `--name value` / `--name=value` /
 * `--switch` tokens into a typed record. A flag set is a plain object of {@link Flag}s; its
 * parsed value type is {@link FlagValues}, so commands read `flags.epsilon` as a `number`
 * without casts. Keys are camelCase and spelled kebab-case on the command line
 * (`batchSize` ↔ `--batch-size`; the original's `--batch_size` is accepted too).
 * @module
 */
import { UsageError } from './errors.js';

/** One flag: help text, how to parse its value, and its value when absent. */
export interface Flag<T> {
  readonly help: string;
  /** Placeholder in usage lines, e.g. `<number>`; empty for a switch. */
  readonly placeholder: string;
  /** True for switches, which take no value. */
  readonly isSwitch: boolean;
  /** The value when the flag is not given. */
  readonly initial: T;
  /** Parses a raw value; throws {@link UsageError} naming `--flag` on bad input. */
  parse(raw: string, flag: string): T;
}

/** A set of flags keyed by camelCase name. */
export type FlagSet = Readonly<Record<string, Flag<unknown>>>;

/** The parsed values of a flag set. */
export type FlagValues<F extends FlagSet> = { readonly [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

/** Limits of a number flag. */
export interface NumberRules {
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed (e.g. a learning rate > 0). */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

function describeRules(r: NumberRules): string {
  const kind = r.integer ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`${r.exclusiveMin ? '>' : '>='} ${r.min}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/** A plain decimal number (`12`, `-0.5`, `.1`, `1e-3`); `Number()` would also read `0x10`, `0b1`, `1_0` or `Infinity`. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(raw: string, flag: string, rules: NumberRules): number {
  const v = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  const ok = Number.isFinite(v) && (!rules.integer || Number.isInteger(v))
    && (rules.min === undefined || (rules.exclusiveMin ? v > rules.min : v >= rules.min))
    && (rules.max === undefined || v <= rules.max);
  if (!ok) throw new UsageError(`${flag} must be ${describeRules(rules)}, got ${raw === '' ? '""' : raw}`);
  return v;
}

/** A number flag with a default. */
export function numberFlag(help: string, initial: number, rules: NumberRules = {}): Flag<number> {
  return { help: `${help} (default ${initial})`, placeholder: rules.integer ? '<int>' : '<number>', isSwitch: false, initial, parse: (raw, flag) => parseNumber(raw, flag, rules) };
}

/** A number flag without a default (`undefined` when absent). */
export function optionalNumberFlag(help: string, rules: NumberRules = {}): Flag<number | undefined> {
  return { help, placeholder: rules.integer ? '<int>' : '<number>', isSwitch: false, initial: undefined, parse: (raw, flag) => parseNumber(raw, flag, rules) };
}

/** A free-text flag (a path, a name); `undefined` when absent and no default is given. */
export function stringFlag(help: string, placeholder = '<text>'): Flag<string | undefined> {
  return {
    help, placeholder, isSwitch: false, initial: undefined,
    parse: (raw, flag) => {
      if (raw === '') throw new UsageError(`${flag} must not be empty`);
      return raw;
    },
  };
}

/** A flag whose value is one of `choices`. */
export function choiceFlag<const C extends string>(help: string, choices: readonly C[], initial: C): Flag<C> {
  return {
    help: `${help}: ${choices.join(', ')} (default ${initial})`, placeholder: choices.join('|').length <= 24 ? `<${choices.join('|')}>` : '<name>', isSwitch: false, initial,
    parse: (raw, flag) => {
      if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got ${raw === '' ? '""' : raw}`);
      return raw as C;
    },
  };
}

/** A flag whose value, when given, is one of `choices` (`undefined` when absent). */
export function optionalChoiceFlag<const C extends string>(help: string, choices: readonly C[]): Flag<C | undefined> {
  const { parse } = choiceFlag(help, choices, choices[0]!);
  return { help: `${help}: ${choices.join(', ')}`, placeholder: `<${choices.join('|')}>`, isSwitch: false, initial: undefined, parse };
}

/** A switch: `--name` sets it (also `--name=true|false`). */
export function switchFlag(help: string): Flag<boolean> {
  return {
    help, placeholder: '', isSwitch: true, initial: false,
    parse: (raw, flag) => {
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(`${flag} is a switch; use ${flag} or ${flag}=true|false, got ${flag}=${raw}`);
    },
  };
}

/** `batchSize` → `--batch-size`. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * Parses `argv` against `flags`. Values may start with `-` (so `--epsilon -1` reaches the
 * range check and gets a clear message). No positional arguments are accepted.
 * @param command - name used in messages.
 * @throws UsageError for an unknown, repeated or value-less flag, a positional argument, or a
 *   value its flag rejects.
 */
export function parseFlags<F extends FlagSet>(argv: readonly string[], flags: F, command: string): FlagValues<F> {
  const byName = new Map<string, string>();
  for (const key of Object.keys(flags)) {
    byName.set(flagName(key), key);
    byName.set(flagName(key).replace(/-/g, '_').replace(/^__/, '--'), key);
  }
  const values: Record<string, unknown> = Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, f.initial]));
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('--') || token === '--') throw new UsageError(`unexpected argument ${token} for '${command}' (flags start with --; see relaxjs ${command} --help)`);
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq);
    const key = byName.get(name);
    if (key === undefined) throw new UsageError(`unknown flag ${name} for '${command}' (see relaxjs ${command} --help)`);
    const flag = flags[key]!;
    if (seen.has(key)) throw new UsageError(`${flagName(key)} is given more than once`);
    seen.add(key);
    if (eq >= 0) values[key] = flag.parse(token.slice(eq + 1), flagName(key));
    else if (flag.isSwitch) values[key] = true;
    else if (i + 1 >= argv.length) throw new UsageError(`${flagName(key)} needs a value ${flag.placeholder}`);
    else values[key] = flag.parse(argv[++i]!, flagName(key));
  }
  return values as FlagValues<F>;
}

/** The width of the name column for these flag sets' help. */
export function helpColumn(...sets: FlagSet[]): number {
  const heads = sets.flatMap((flags) => Object.entries(flags).map(([k, f]) => 2 + flagName(k).length + (f.placeholder ? f.placeholder.length + 1 : 0)));
  return Math.min(34, Math.max(...heads) + 2);
}

/** Help lines for a flag set: `  --name <placeholder>  help`, help wrapped at `width` columns. */
export function flagHelp(flags: FlagSet, column = helpColumn(flags), width = 100): string[] {
  return Object.entries(flags).flatMap(([k, f]) => {
    const head = `  ${flagName(k)}${f.placeholder ? ' ' + f.placeholder : ''}`;
    const text = wrap(f.help, Math.max(30, width - column));
    const first = head.length + 2 > column ? [head, ' '.repeat(column) + text[0]] : [head.padEnd(column) + text[0]];
    return [...first, ...text.slice(1).map((line) => ' '.repeat(column) + line)];
  });
}

/** Greedy word wrap at `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
