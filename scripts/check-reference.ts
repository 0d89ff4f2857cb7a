/**
 * Checks our dual network against the original's reference vectors.
 *
 *   npx tsx scripts/check-reference.ts <dir> [--float32] [--pth] [--direction auto|forward|backward]
 *     [--cases a,b] [--methods m,n] [--floor F] [--jobs N]
 *
 * Runs every `*.json` case in <dir> (format: `../shared/reference/README.md`), computes the ReLU
 * bounds, robust logits, per-example and mean robust CE, errors and the gradient of the mean
 * robust CE for every parameter, and prints per case the worst error of each field. Ends with
 * the line `N passed, M failed`; exits 0 only if every case passes. `--cases` keeps the cases whose
 * name contains one of the given strings, `--methods` the given methods of a lirpa case, `--floor`
 * sets the floor fraction of the lirpa-format comparison (e.g. 1e-3 for the stricter float32 rule below).
 * `--jobs N` checks N cases at once in child processes (check-reference-pool.ts; the output is the
 * same, in case-name order); the default is 2 on two or more cores when the folder holds lirpa-format
 * cases (α-CROWN's steps make them seconds each), else 1.
 *
 * Error of a value a against e: |a − e| / max(|e|, floor · max|e| over that field tensor); the
 * floor keeps entries that are zero up to rounding (−0.0 logits, cancelling bounds) on the
 * field's scale. Float64 (default): tolerance 1e-4, floor 1e-6, against the PyTorch values.
 * --float32: tolerance 1e-3, floor 1e-3 (i.e. at most 1e-6 of the field's scale in absolute
 * terms), against the float64 result *on the same float32-rounded data* (X, ε, weights): that is
 * the float32 implementation's own error. Rounding the data alone can move an ill-conditioned
 * value by more than 1e-3 (`conv_linf_0_b`'s gradient: 1.1e-3, because three crossing units have
 * u − l of 3e-3 against activations of 2), so the worst error against the float64 PyTorch
 * values is printed beside it (`vs PyTorch`) but does not decide. In both modes the per-example
 * errors (certified or not) must equal PyTorch's exactly.
 * --pth loads the weights from the sibling `.pth` (or `.torch`) checkpoint through src/io's
 * `loadStateDict` instead of the JSON `state_dict`, and also reports the largest difference
 * between the two sets of weights.
 *
 * A case in the auto_LiRPA format (`../shared/reference/lirpa/README.md`: `expected` holds one
 * entry per method) is checked method by method (src/relax/bounds/lirpa-case.ts), printing the
 * worst error per method: deterministic methods (ibp, crown, crown_same_slope, crown_ibp,
 * wong_kolter) to 1e-8 relative in float64 (floor 1e-6 of the field's scale); with --float32,
 * against float64 on the same float32-rounded data at 1e-4 with a floor of 5e-2 of the field's
 * scale (`LIRPA_FLOAT32`: an absolute 5e-6 of the scale, the float64 rule's 90 unit roundoffs
 * counted in float32 ones), with the worst error of float64 on the original data against float64
 * on the rounded data printed beside it (`data rounding`: how far rounding the data alone moves
 * the exact result, the floor under any float32 arithmetic); errors against auto_LiRPA's
 * per-example certificates required equal in both. alpha_crown is one-sided: ours <= theirs +
 * 1e-4 (1 + |theirs|) on every entry. `--floor 1e-3` gives the stricter rule of earlier sessions
 * (an absolute 1e-7 of the scale, under one float32 ulp of the field's largest entry), which no
 * float32 storage meets on these cases: float64 arithmetic with every op's output rounded to
 * float32 (a correctly rounded float32 implementation) misses it by 26x on conv_linf_1_b's
 * crown_same_slope gradient (2.6e-6 of the scale), where this rule allows 5e-6.
 */
import type { BoundDirection } from '../src/relax/rows/bound-cost.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadStateDict } from '../src/io/torch.js';
import { stateDictFromJson, type StateDict } from '../src/nn/state-dict.js';
import {
  caseMethods, compareCase, expectedOf, FLOAT32_CHECK, FLOAT64_CHECK, isMethodCase, roundedToFloat32, runCase,
  type FieldReport, type MethodCase, type ReferenceCase, type ReferenceMethod, type Tolerance,
} from '../src/relax/reference-case.js';
import { defaultJobs, runInProcesses, serveCases, WORKER_FLAG, type CaseLine } from './check-reference-pool.js';
import { compareMethod, float32Check, LIRPA_FLOAT32, LIRPA_FLOAT64, runMethod } from '../src/relax/bounds/lirpa-case.js';


interface Args {
  dir: string;
  float32: boolean;
  pth: boolean;
  direction: BoundDirection;
  /** Only the cases whose name (without .json) contains one of these, if given. */
  cases?: string[];
  /** Only these methods of a lirpa case, if given. */
  methods?: string[];
  /** The floor fraction of the lirpa-format comparison, if given (default 1e-6 float64, 5e-2 float32). */
  floor?: number;
  /** Cases checked at once, each in its own process (1: in this process); by default 2 when a lirpa-format case is among them. */
  jobs?: number;
  /** Internal: serve cases to a parent over IPC (see check-reference-pool.ts). */
  worker: boolean;
}

const USAGE = 'usage: npx tsx scripts/check-reference.ts <dir> [--float32] [--pth] [--direction auto|forward|backward] [--cases a,b] [--methods m,n] [--floor F] [--jobs N]';

/** Takes `--name value` out of argv; undefined when absent. */
function valueOf(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value (${USAGE})`);
  argv.splice(at, 2);
  return value;
}

function parseArgs(argv: string[]): Args {
  const rest = [...argv];
  const direction = valueOf(rest, '--direction') ?? 'auto';
  if (direction !== 'auto' && direction !== 'forward' && direction !== 'backward') throw new Error(`--direction must be auto, forward or backward, got ${direction}`);
  const cases = valueOf(rest, '--cases')?.split(',');
  const methods = valueOf(rest, '--methods')?.split(',');
  const floorText = valueOf(rest, '--floor');
  const floor = floorText === undefined ? undefined : Number(floorText);
  if (floor !== undefined && !(floor > 0 && floor < 1)) throw new Error(`--floor must be a number in (0, 1), got ${floorText}`);
  const jobsText = valueOf(rest, '--jobs');
  const jobs = jobsText === undefined ? undefined : Number(jobsText);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) throw new Error(`--jobs must be an integer in [1, 64], got ${jobsText}`);
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const positional = rest.filter((a) => !a.startsWith('--'));
  for (const f of flags) if (f !== '--float32' && f !== '--pth' && f !== WORKER_FLAG) throw new Error(`unknown option ${f} (${USAGE})`);
  if (positional.length !== 1) throw new Error(USAGE);
  return {
    dir: positional[0]!, float32: flags.has('--float32'), pth: flags.has('--pth'), direction, worker: flags.has(WORKER_FLAG),
    ...(jobs !== undefined ? { jobs } : {}), ...(cases ? { cases } : {}), ...(methods ? { methods } : {}), ...(floor !== undefined ? { floor } : {}),
  };
}

/** The checkpoint beside a case, and the largest |difference| between its weights and the JSON ones. */
function checkpointWeights(jsonPath: string, c: ReferenceCase): { weights: StateDict; maxDiff: number } {
  const stem = jsonPath.replace(/\.json$/, '');
  const path = [`${stem}.pth`, `${stem}.torch`].find((p) => existsSync(p));
  if (!path) throw new Error(`no ${basename(stem)}.pth or .torch beside the case`);
  const weights = loadStateDict(path);
  const fromJson = stateDictFromJson(c.state_dict);
  let maxDiff = 0;
  for (const [name, entry] of fromJson) {
    const other = weights.get(name);
    if (!other || other.data.length !== entry.data.length) throw new Error(`${path}: '${name}' missing or of another size`);
    entry.data.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - other.data[i]!)); });
  }
  return { weights, maxDiff };
}

/** The float32 run against float64 on the same rounded data; the per-example errors against PyTorch's. */
function float32Reports(c: ReferenceCase, args: Args, weights: StateDict | undefined): { reports: FieldReport[]; vsPytorch: number } {
  const ours = runCase(c, 'float32', weights, args.direction);
  const exactOnData = runCase(roundedToFloat32(c), 'float64', undefined, args.direction);
  const reports = compareCase({ ...c, expected: { ...expectedOf(exactOnData), robust_err_per_example: c.expected.robust_err_per_example } }, ours, FLOAT32_CHECK);
  const vsPytorch = Math.max(...compareCase(c, ours, FLOAT32_CHECK).map((r) => r.worst));
  return { reports, vsPytorch };
}

/** One method of a lirpa case: float64 against the reference, or float32 against float64 on the rounded data (with how far rounding the data moves float64). */
function lirpaReports(c: MethodCase, method: ReferenceMethod, args: Args): { reports: FieldReport[]; dataRounding?: number } {
  const tolerance = lirpaTolerance(args);
  if (!args.float32 || method === 'alpha_crown') return { reports: compareMethod(c, method, runMethod(c, method, args.float32 ? 'float32' : 'float64'), tolerance) };
  return float32Check(c, method, tolerance);
}

/** The lirpa-format tolerance of this run (`--floor` replaces the floor fraction). */
function lirpaTolerance(args: Args): Tolerance {
  const base = args.float32 ? LIRPA_FLOAT32 : LIRPA_FLOAT64;
  return args.floor === undefined ? base : { ...base, floorFraction: args.floor };
}

/** A lirpa-format case: every method present, the worst error of each; passes when all do. */
function runLirpa(c: MethodCase, name: string, args: Args): CaseLine {
  let pass = true;
  const parts: string[] = [];
  for (const method of caseMethods(c).filter((m) => !args.methods || args.methods.includes(m))) {
    try {
      const { reports, dataRounding } = lirpaReports(c, method, args);
      const ok = reports.every((r) => r.pass);
      const worst = reports.reduce((a, r) => (r.worst > a.worst ? r : a));
      const moved = dataRounding === undefined ? '' : ` (data rounding ${dataRounding.toExponential(1)})`;
      parts.push(`${method} ${worst.worst.toExponential(1)}${moved}${ok ? '' : ` FAIL (${reports.filter((r) => !r.pass).map((r) => r.field).join(', ')})`}`);
      pass &&= ok;
    } catch (e) {
      parts.push(`${method} FAIL (${(e as Error).message})`);
      pass = false;
    }
  }
  return { line: `${pass ? 'ok  ' : 'FAIL'} ${name}: ${parts.join('; ')}`, pass };
}

/** One case file: its report line and whether it passed. */
function runOne(path: string, args: Args): CaseLine {
  const check = args.float32 ? FLOAT32_CHECK : FLOAT64_CHECK;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const name = basename(path, '.json');
  const c = parsed as ReferenceCase | MethodCase;
  if (isMethodCase(c)) return runLirpa(c, name, args);
  try {
    const fromPth = args.pth ? checkpointWeights(path, c) : null;
    const { reports, vsPytorch } = args.float32
      ? float32Reports(c, args, fromPth?.weights)
      : { reports: compareCase(c, runCase(c, 'float64', fromPth?.weights, args.direction), check), vsPytorch: null };
    const pass = reports.every((r) => r.pass);
    const fields = reports.map((r) => `${r.field} ${r.worst.toExponential(1)}${r.pass ? '' : ' FAIL'}`).join(', ');
    const weights = fromPth ? ` [pth weights differ from JSON by <= ${fromPth.maxDiff.toExponential(1)}]` : '';
    const reference = vsPytorch === null ? '' : ` | vs PyTorch ${vsPytorch.toExponential(1)}`;
    return { line: `${pass ? 'ok  ' : 'FAIL'} ${name}: ${fields}${reference}${weights}`, pass };
  } catch (e) {
    return { line: `FAIL ${name}: ${(e as Error).message}`, pass: false };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.worker) return serveCases((file) => runOne(file, args));
  const check = args.float32 ? FLOAT32_CHECK : FLOAT64_CHECK;
  const lirpa = lirpaTolerance(args);
  const files = readdirSync(args.dir).filter((f) => f.endsWith('.json') && (!args.cases || args.cases.some((c) => f.slice(0, -5).includes(c)))).sort();
  if (files.length === 0) throw new Error(`no *.json cases in ${args.dir}${args.cases ? ` matching --cases ${args.cases.join(",")}` : ""}`);
  console.log(`${files.length} cases, ${args.float32 ? 'float32 (against float64 on the same float32-rounded data)' : 'float64'}, tolerance ${check.tolerance} (floor ${check.floorFraction} x field max; lirpa-format cases ${lirpa.tolerance}, floor ${lirpa.floorFraction})${args.pth ? ', weights from .pth' : ''}, bounds ${args.direction}`);
  const paths = files.map((f) => join(args.dir, f));
  // Processes pay off for lirpa-format cases (α-CROWN's 100 steps); a public case takes milliseconds, less than a child's start.
  const jobs = Math.min(args.jobs ?? (paths.some((p) => isMethodCase(JSON.parse(readFileSync(p, 'utf8')) as ReferenceCase | MethodCase)) ? defaultJobs() : 1), paths.length);
  const onLine = (r: CaseLine): void => { console.log(r.line); };
  const results = jobs === 1
    ? paths.map((path) => { const r = runOne(path, args); onLine(r); return r; })
    : await runInProcesses(paths, jobs, [...process.argv.slice(2), WORKER_FLAG], onLine);
  const passed = results.filter((r) => r.pass).length;
  console.log(`${passed} passed, ${files.length - passed} failed`);
  process.exitCode = passed === files.length ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
