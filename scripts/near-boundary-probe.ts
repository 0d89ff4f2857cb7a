/**
 * The near-boundary probe of issue 13: does `certify` (float32, with its sound check) ever claim a
 * certificate that float64 with its rigorous rounding analysis does not?
 *
 *   npx tsx scripts/near-boundary-probe.ts [--nets 6] [--examples 12] [--seed 0] [--backends js,wasm]
 *     [--method dual|ibp|crown|crown-ibp|alpha-crown]
 *
 * For each family (MLP, conv, DenseSequential, l2: an MLP under the l2 ball; plus leaky-ReLU and
 * BatchNorm/AvgPool conv nets), `--nets` random float32 networks at weight scales 0.3 / 1 / 3 and
 * `--examples` random inputs each (label = the clean float64 prediction): bisect in float64 for the
 * smallest ε the float64 bound does not certify (to 2⁻⁴⁰ relative), then certify at ε·(1 + δ),
 * δ ∈ {0, 1e-7, 1e-6, 1e-5, 1e-4}, in float32 on each backend: the unchecked fast path and
 * `certify` (sound), against float64 `certify` (sound: its margin must clear the float64 error
 * bound). Prints per family and in total: probes, fast-path certificates float64 does not support,
 * sound certificates float64 does not support (must be 0: exit 1 otherwise), borderline examples
 * the sound check turned to "uncertified", and certificates float64 gives that float32 lost.
 * `--method` bounds with another method (default the dual); the bound engine's methods also probe
 * MaxPool2d, HardTanh and HardSigmoid networks (the dual has no MaxPool2d, so with it those two
 * clamp families only).
 * @module
 */
import { float64Copy } from '../src/relax/sound/inputs.js';
import { boundaryEpsilon, PROBE_DELTAS, probeExample, type ProbeResult } from '../src/relax/sound/probe.js';
import { randomNetwork, type Family } from '../src/relax/sound/random-nets.js';
import { certify } from '../src/relax/robust-loss.js';
import { Rng } from '../src/tensor/random.js';
import { backendNames, setBackend } from '../src/tensor/registry.js';
import { Tensor } from '../src/tensor/tensor.js';

const METHODS = ['dual', 'ibp', 'crown', 'crown-ibp', 'alpha-crown'] as const;

interface Args { nets: number; examples: number; seed: number; backends: string[]; method: (typeof METHODS)[number] }

function fail(message: string): never {
  process.stderr.write(`near-boundary-probe: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { nets: 6, examples: 12, seed: 0, backends: ['js', 'wasm'], method: 'dual' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === '--backends') args.backends = value.split(',');
    else if (flag === '--method') {
      const method = METHODS.find((m) => m === value);
      if (!method) fail(`--method must be one of ${METHODS.join(', ')}, got ${value}`);
      args.method = method;
    }
    else if (flag === '--nets' || flag === '--examples' || flag === '--seed') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === '--seed' ? 0 : 1)) fail(`${flag} must be an integer >= ${flag === '--seed' ? 0 : 1}, got ${value}`);
      args[flag.slice(2) as 'nets' | 'examples' | 'seed'] = n;
    } else fail(`unknown flag ${flag} (known: --nets, --examples, --seed, --backends, --method)`);
  }
  const known = backendNames();
  for (const b of args.backends) if (!known.includes(b)) fail(`--backends: unknown backend '${b}' (known: ${known.join(', ')})`);
  return args;
}

/** The probe families: [name, network family, norm]. */
const PROBES: readonly [string, Family, 'linf' | 'l2'][] = [
  ['mlp', 'mlp', 'linf'], ['conv', 'conv', 'linf'], ['dense', 'dense', 'linf'], ['l2', 'mlp', 'l2'], ['leaky', 'leaky', 'linf'], ['bn', 'bn', 'linf'],
  ['maxpool', 'maxpool', 'linf'], ['hardtanh', 'hardtanh', 'linf'], ['hardsigmoid', 'hardsigmoid', 'linf'],
];

interface Tally { probes: number; fastUnsupported: number; soundUnsupported: number; turned: number; lost: number }

function tally(results: readonly ProbeResult[]): Tally {
  const count = (f: (p: ProbeResult) => boolean): number => results.filter(f).length;
  return {
    probes: results.length,
    fastUnsupported: count((p) => p.fast32 === 1 && p.rigorous64 === 0),
    soundUnsupported: count((p) => p.sound32 === 1 && p.rigorous64 === 0),
    turned: count((p) => p.fast32 === 1 && p.sound32 === 0),
    lost: count((p) => p.rigorous64 === 1 && p.sound32 === 0),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rows: [string, Tally][] = [];
  const all: ProbeResult[] = [];
  const start = performance.now();
  for (const [name, family, norm] of PROBES.filter(([, family]) => !(args.method === 'dual' && family === 'maxpool'))) {
    const results: ProbeResult[] = [];
    for (let k = 0; k < args.nets; k++) {
      const seed = args.seed * 1000 + k;
      const { net, input } = randomNetwork(family, seed, [0.3, 1, 3][k % 3]!);
      const net64 = float64Copy(net);
      const rng = new Rng(seed + 7);
      for (let e = 0; e < args.examples; e++) {
        const x32 = Tensor.uniform([1, ...input], rng, -1, 1);
        const x64 = x32.to('float64');
        setBackend('js');
        const y = certify(net64, 0, x64, [0], { sound: false, method: args.method }).predictions[0]!;
        const eps = boundaryEpsilon(net64, x64, y, { norm, method: args.method });
        if (eps === null) continue;
        for (const backend of args.backends) {
          setBackend(backend);
          results.push(...probeExample(net, net64, x32, x64, y, eps, { norm, method: args.method }, PROBE_DELTAS));
        }
      }
    }
    rows.push([name, tally(results)]);
    all.push(...results);
    process.stderr.write(`${name}: ${results.length} probes (${((performance.now() - start) / 1000).toFixed(0)} s)\n`);
  }
  const total = tally(all);
  rows.push(['total', total]);
  process.stdout.write('| family | probes | fast float32 certified, float64 not | certify (sound) certified, float64 not | turned uncertified by the sound check | float64 certified, certify not |\n|---|---:|---:|---:|---:|---:|\n');
  for (const [name, t] of rows) process.stdout.write(`| ${name} | ${t.probes} | ${t.fastUnsupported} | ${t.soundUnsupported} | ${t.turned} | ${t.lost} |\n`);
  process.stdout.write(`${JSON.stringify({ backends: args.backends, method: args.method, seconds: (performance.now() - start) / 1000, ...total })}\n`);
  process.exit(total.soundUnsupported === 0 ? 0 : 1);
}

main();
