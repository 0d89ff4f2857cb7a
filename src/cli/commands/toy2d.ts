/**
 * `relaxjs toy2d`: the original paper's 2D picture. A dozen separated points with random labels,
 * a 2-100-100-100-100-2 ReLU network fitted full-batch with plain cross-entropy and/or with the
 * robust loss at ε = r/2, and each model's decision regions with every point's ε-box (SVG and
 * PNG). The robust model should keep every box inside its own class's region.
 * @module
 */
import { pgd } from '../../attack/index.js';
import { toy2dPoints } from '../../data/toy2d.js';
import { countOf, encodePng, markdownTable, percent, rasterizeRegionsFigure, regionsSvg, UNIT_SQUARE, type Regions2d } from '../../report/index.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { decisionGrid, fitToy, toyNetwork } from '../../train/toy2d.js';
import { writeDirAtomic, type FolderEntry } from '../../util/fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, optionalNumberFlag } from '../flags.js';
import { certifyBatch } from '../robust.js';
import { robustObjective } from '../../train/objective.js';
import { checkOutFolder, OUT_FLAGS } from '../setup.js';

/** Settings of one toy model. */
interface ToySettings { seed: number; steps: number; lr: number; epsilon: number; grid: number }

/**
 * Trains one toy network (plain CE or the robust loss), then measures it on the points: clean
 * error and certified error at ε (exact dual bound), PGD error (the original `_pgd`: 100 steps
 * of 0.01), and its decision regions.
 */
function trainToy(method: 'baseline' | 'robust', X: Tensor, y: Int32Array, s: ToySettings, ctx: CommandContext): { row: ToyRow; picture: Omit<Regions2d, 'points'> } {
  const ball = { norm: 'linf', bounded: false } as const;
  const model = toyNetwork(s.seed);
  const bar = ctx.progress(`toy2d ${method}`, s.steps);
  const losses = fitToy(model, X, y, {
    steps: s.steps, lr: s.lr, robust: method === 'robust' ? { objective: robustObjective(ball), epsilon: s.epsilon } : undefined,
    onStep: (_, loss) => bar.tick(1, `loss ${loss.toFixed(4)}`),
  });
  bar.done();
  model.eval();
  const cert = certifyBatch(model, s.epsilon, X, y, ball);
  const attacked = pgd(model, X, y, s.epsilon);
  const mean = (flags: Uint8Array) => flags.reduce((a, b) => a + b, 0) / flags.length;
  const row = { method, finalLoss: losses[losses.length - 1]!, cleanError: mean(cert.cleanErrors), pgdError: attacked.errorRate, robustError: mean(cert.errors) };
  return { row, picture: { title: `${method} network, eps = ${s.epsilon}`, extent: UNIT_SQUARE, grid: decisionGrid(model, s.grid), epsilon: s.epsilon } };
}

/** The outcome of one trained toy model. */
interface ToyRow { method: 'baseline' | 'robust'; finalLoss: number; cleanError: number; pgdError: number; robustError: number }

/** The `relaxjs toy2d` command (see the module doc and its `--help`). */
export const toy2dCommand = defineCommand({
  name: 'toy2d',
  summary: 'the 2D toy example: decision regions of a normal vs a provably robust network',
  details: [
    'Points: uniform in [0,1]^2, kept when their l1 distance to every kept point exceeds 2r, fair',
    'coin-flip labels (the original notebook: 12 points, r = 0.16, eps = r/2). Both models: Adam',
    'lr 1e-3, full batch. Reports clean, PGD and certified errors at eps on the training points.',
  ],
  examples: ['relaxjs toy2d --out runs/toy', 'relaxjs toy2d --method baseline --steps 300 --seed 3 --out runs/toy-base'],
  flags: {
    method: choiceFlag('which models to train', ['both', 'baseline', 'robust'] as const, 'both'),
    points: numberFlag('number of points', 12, { integer: true, min: 2, max: 200 }),
    r: numberFlag('half the minimum l1 separation of the points', 0.16, { min: 0, exclusiveMin: true, max: 1 }),
    epsilon: optionalNumberFlag('l-inf radius of the boxes and the robust training (default r/2)', { min: 0 }),
    steps: numberFlag('full-batch Adam steps per model', 1000, { integer: true, min: 1 }),
    lr: numberFlag('Adam learning rate', 1e-3, { min: 0, exclusiveMin: true }),
    grid: numberFlag('decision grid resolution (cells per side)', 100, { integer: true, min: 2, max: 1000 }),
    pixels: numberFlag('side of the PNG\'s plot in pixels (title, axes and legend add margins)', 400, { integer: true, min: 16, max: 4000 }),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const out = flags.out && ctx.path(flags.out);
    checkOutFolder(out, flags.overwrite);
    const epsilon = flags.epsilon ?? flags.r / 2;
    let ds;
    try {
      ds = toy2dPoints(flags.points, flags.r, new Rng(flags.seed));
    } catch (error) {
      throw new UsageError(`--points ${flags.points} with --r ${flags.r} cannot be placed: ${(error as Error).message}`);
    }
    if (out) ctx.claim('--out', out);
    const X = new Tensor(ds.images, [ds.n, 2]);
    const points = Array.from({ length: ds.n }, (_, i) => ({ x: ds.images[2 * i]!, y: ds.images[2 * i + 1]!, label: ds.labels[i]! }));
    const methods = flags.method === 'both' ? (['baseline', 'robust'] as const) : [flags.method];
    const rows: ToyRow[] = [];
    const files: Record<string, FolderEntry> = {};
    for (const method of methods) {
      const { row, picture } = trainToy(method, X, ds.labels, { ...flags, epsilon }, ctx);
      rows.push(row);
      const scene = { ...picture, points };
      files[`regions-${method}.svg`] = regionsSvg(scene);
      files[`regions-${method}.png`] = encodePng(rasterizeRegionsFigure(scene, flags.pixels));
    }
    const table = markdownTable(['method', 'final loss', 'clean error', 'PGD error', 'robust error (certified)'],
      rows.map((r) => [r.method, r.finalLoss.toFixed(4), percent(r.cleanError), percent(r.pgdError), percent(r.robustError)]), ['left', 'right', 'right', 'right', 'right']);
    const text = `${countOf(ds.n, 'point')}, r = ${flags.r}, eps = ${epsilon}, ${countOf(flags.steps, 'step')}\n\n${table}`;
    const json = { command: 'toy2d', seed: flags.seed, points, r: flags.r, epsilon, steps: flags.steps, results: rows };
    if (out) {
      const pictures = rows.map((r) => `![${r.method}](regions-${r.method}.svg)`).join('\n');
      writeDirAtomic(out, { ...files, 'report.md': `# relaxjs toy2d\n\n${text}\n${pictures}\n`, 'results.json': JSON.stringify(json, null, 2) + '\n' }, flags.overwrite);
    }
    return { text, json };
  },
});
