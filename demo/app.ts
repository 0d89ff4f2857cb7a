/**
 * The demo page: the 2D toy (points placed by clicking, a normal and a robust network trained in
 * the compute worker, decision regions and certified ε-boxes) and the digit panel (draw a digit,
 * certify it against a loaded model). `?autorun=1&steps=N&backend=js&seed=S` trains the seeded
 * points at once and exposes the result as `window.relaxjsDemo` (what tests/browser reads).
 * @module
 */
import { Rng } from '../src/tensor/random.js';
import { toy2dPoints } from '../src/data/toy2d.js';
import type { DemoReply, DemoRequest, ToyRun, ToySettings } from './protocol.js';
import { drawDigitPanel, drawToy, type Point } from './draw.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const worker = new Worker('/worker.js', { type: 'module' });
const send = (request: DemoRequest, transfer: Transferable[] = []): void => worker.postMessage(request, transfer);
const state: { points: Point[]; last: { normal: ToyRun; robust: ToyRun; epsilon: number } | null; backend: string } = { points: [], last: null, backend: 'js' };
const demo = { state: 'starting', error: '', note: '', result: null as unknown, pixels: [] as number[], backend: '', timings: {} as Record<string, { normal: number; robust: number }> };
(window as unknown as { relaxjsDemo: typeof demo }).relaxjsDemo = demo;

const number = (id: string): number => Number(($(id) as HTMLInputElement).value);
const status = (text: string): void => { $('status').textContent = text; };

function randomPoints(): void {
  const data = toy2dPoints(12, 0.16, new Rng(number('seed')));
  state.points = Array.from({ length: data.n }, (_, i) => ({ x: data.images[2 * i]!, y: data.images[2 * i + 1]!, label: data.labels[i]! }));
  state.last = null;
  redraw();
}

function redraw(): void {
  const eps = number('epsilon');
  drawToy($('normal'), state.points, state.last?.normal ?? null, state.last?.epsilon ?? eps);
  drawToy($('robust'), state.points, state.last?.robust ?? null, state.last?.epsilon ?? eps);
}

function train(): void {
  if (state.points.length < 2) { status('place at least two points'); return; }
  const settings: ToySettings = {
    xs: state.points.flatMap((p) => [p.x, p.y]), labels: state.points.map((p) => p.label),
    steps: number('steps'), epsilon: number('epsilon'), seed: number('seed'), hidden: 100, gridSize: 100,
  };
  demo.state = 'training';
  status(`training on ${state.backend}…`);
  send({ type: 'toy', settings });
}

function showTimings(): void {
  const rows = Object.entries(demo.timings).map(([b, t]) => `<tr><td>${b}</td><td>${t.normal.toFixed(2)}</td><td>${t.robust.toFixed(2)}</td></tr>`);
  $('timings').innerHTML = '<tr><th>backend</th><th>ms / step (normal)</th><th>ms / step (robust)</th></tr>' + rows.join('');
}

function onToyResult(normal: ToyRun, robust: ToyRun): void {
  state.last = { normal, robust, epsilon: number('epsilon') };
  redraw();
  const certified = (r: ToyRun) => r.errors.filter((e) => e === 0).length;
  $('normal-caption').textContent = `normal network: ${certified(normal)}/${normal.errors.length} certified, final loss ${normal.losses.at(-1)!.toFixed(4)}`;
  $('robust-caption').textContent = `robust network: ${certified(robust)}/${robust.errors.length} certified, final loss ${robust.losses.at(-1)!.toFixed(4)}`;
  demo.timings[state.backend] = { normal: normal.stepMs, robust: robust.stepMs };
  showTimings();
  status(`done on ${state.backend}: ${normal.stepMs.toFixed(2)} / ${robust.stepMs.toFixed(2)} ms per step (normal / robust)`);
  demo.result = { normal, robust };
  demo.state = 'done';
}

worker.onmessage = (event: MessageEvent<DemoReply>) => {
  const reply = event.data;
  switch (reply.type) {
    case 'ready':
      if (params.get('autorun')) {
        ($('steps') as HTMLInputElement).value = params.get('steps') ?? '300';
        ($('seed') as HTMLInputElement).value = params.get('seed') ?? '0';
        ($('backend') as HTMLSelectElement).value = params.get('backend') ?? 'js';
        randomPoints();
        demo.state = 'backend';
        send({ type: 'backend', name: ($('backend') as HTMLSelectElement).value as 'js' });
      } else { demo.state = 'idle'; status('ready: place points or press "random points"'); }
      return;
    case 'backend':
      state.backend = reply.name; demo.backend = reply.name;
      status(`backend: ${reply.name}`);
      if (reply.note) { $('note').textContent = reply.note; demo.note = reply.note; }
      if (params.get('autorun') && demo.state === 'backend') train(); else demo.state = 'idle';
      return;
    case 'toy-progress':
      status(`${reply.robust ? 'robust' : 'normal'} network: step ${reply.step}/${reply.steps}, loss ${reply.loss.toFixed(4)}, ${reply.stepMs.toFixed(2)} ms/step on ${state.backend}`);
      return;
    case 'toy-result': onToyResult(reply.normal, reply.robust); return;
    case 'model': $('digit-status').textContent = `model: ${reply.description}`; demo.state = 'model'; return;
    case 'digit': drawDigitPanel($('margins'), $('digit-status'), reply.result); demo.result = reply.result; demo.state = 'digit'; return;
    case 'error':
      demo.error = `${reply.request}: ${reply.message}`; demo.state = 'error';
      (reply.request === 'model' || reply.request === 'digit' ? $('digit-status') : $('status')).textContent = `error (${reply.request}): ${reply.message}`;
      return;
  }
};

function placePoint(event: MouseEvent): void {
  event.preventDefault();
  const canvas = event.currentTarget as HTMLCanvasElement;
  const box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) / box.width, y = 1 - (event.clientY - box.top) / box.height;
  state.points.push({ x, y, label: event.shiftKey || event.button === 2 ? 1 : 0 });
  state.last = null;
  redraw();
}
for (const id of ['normal', 'robust']) {
  $(id).addEventListener('click', placePoint);
  $(id).addEventListener('contextmenu', placePoint);
}
$('random').onclick = randomPoints;
$('clear').onclick = () => { state.points = []; state.last = null; redraw(); };
$('train').onclick = train;
$('backend').onchange = () => { status('switching backend…'); send({ type: 'backend', name: ($('backend') as HTMLSelectElement).value as 'js' }); };

const digit = $('digit') as HTMLCanvasElement;
const pen = digit.getContext('2d')!;
let drawing = false;
digit.onmousedown = () => { drawing = true; };
window.addEventListener('mouseup', () => { drawing = false; });
digit.onmousemove = (event) => {
  if (!drawing) return;
  pen.fillStyle = '#fff';
  pen.beginPath(); pen.arc(event.offsetX, event.offsetY, 12, 0, 2 * Math.PI); pen.fill();
};
$('digit-clear').onclick = () => pen.clearRect(0, 0, 280, 280);
$('digit-certify').onclick = () => {
  const rgba = pen.getImageData(0, 0, 280, 280).data;
  const pixels = new Float32Array(784);
  for (let i = 0; i < 280 * 280; i++) pixels[Math.floor(i / 280 / 10) * 28 + Math.floor((i % 280) / 10)] += rgba[4 * i]! / 255 / 100;
  demo.pixels = Array.from(pixels);
  $('digit-status').textContent = 'certifying…';
  send({ type: 'digit', pixels: pixels.buffer }, [pixels.buffer]);
};
($('model-file') as HTMLInputElement).onchange = async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  const bytes = await file.arrayBuffer();
  send({ type: 'model', name: file.name, bytes }, [bytes]);
};
randomPoints();
