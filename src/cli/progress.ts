/**
 * A one-line progress bar with rate and ETA on standard error, redrawn in place (`\r`). It
 * draws only on a TTY, outside CI (`CI` set) and when output is not `--json`; otherwise every
 * call is a no-op, so logs stay clean.
 * @module
 */
import type { CliIo } from './io.js';

/** Handle returned by {@link startProgress}. */
export interface Progress {
  /** Advances by `n` steps (default 1); `note` (e.g. the running loss) is shown after the ETA. */
  tick(n?: number, note?: string): void;
  /** Clears the line. Call once at the end. */
  done(): void;
  /** Whether this bar draws at all. */
  readonly active: boolean;
}

/** Whether progress should be drawn for this run. */
export function progressEnabled(io: CliIo, json: boolean): boolean {
  const ci = io.env.CI;
  return io.isTTY && !json && (ci === undefined || ci === '' || ci === 'false' || ci === '0');
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The text of the bar for `done` of `total` steps after `elapsed` ms (exposed for tests). */
export function renderBar(label: string, done: number, total: number, elapsed: number, width: number, note = ''): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
  const tail = ` ${done}/${total} ${Math.floor(fraction * 100)}% ETA ${formatDuration(eta)}${note ? ' ' + note : ''}`;
  const barWidth = Math.max(10, Math.min(30, width - label.length - tail.length - 4));
  const filled = Math.round(fraction * barWidth);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}

/**
 * Starts a bar of `total` steps. Redraws at most every 100 ms (and always on the last step).
 */
export function startProgress(io: CliIo, label: string, total: number, json: boolean): Progress {
  if (!progressEnabled(io, json)) return { tick: () => {}, done: () => {}, active: false };
  const start = io.now();
  let done = 0;
  let lastDraw = -Infinity;
  return {
    active: true,
    tick(n = 1, note = '') {
      done += n;
      const now = io.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      io.stderr(`\r${renderBar(label, done, total, now - start, Math.max(40, io.columns || 80), note)}\x1b[K`);
    },
    done() {
      io.stderr('\r\x1b[K');
    },
  };
}

/** A status line of a script: see {@link statusLine}. */
export interface StatusLine {
  /** Replaces the line's text (drawn in place on a terminal; nothing when piped). */
  update(text: string): void;
  /** Ends the line (a newline on a terminal; nothing when piped). */
  done(): void;
}

/**
 * A one-line status for the `scripts/`: redrawn in place (`\r`) when standard error is a terminal
 * outside CI, silent when it is piped to a file or another program (which would otherwise receive
 * one endless line of carriage returns). Scripts print their results as ordinary lines.
 */
export function statusLine(io: CliIo): StatusLine {
  if (!progressEnabled(io, false)) return { update: () => {}, done: () => {} };
  let drawn = false;
  return {
    update(text) { drawn = true; io.stderr(`\r${text}\x1b[K`); },
    done() { if (drawn) io.stderr('\n'); drawn = false; },
  };
}
