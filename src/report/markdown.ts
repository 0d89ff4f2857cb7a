/**
 * Markdown tables, among them the original README's robustness table
 * (`| | Base error | FGS error | PGD Error | Robust Error |`).
 * @module
 */

/** Column alignment. */
export type Align = 'left' | 'right' | 'center';

/** Escapes `|` and line breaks so a cell cannot break the table. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * A GitHub-flavoured Markdown table, columns padded to equal width.
 * @throws Error if a row does not have one cell per header.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  rows.forEach((row, i) => {
    if (row.length !== headers.length) throw new Error(`markdownTable: row ${i} has ${row.length} cells for ${headers.length} headers`);
  });
  const cells = [headers, ...rows].map((r) => r.map(cell));
  const widths = headers.map((_, j) => Math.max(3, ...cells.map((r) => r[j]!.length)));
  const pad = (s: string, j: number) => ((align[j] ?? 'left') === 'right' ? s.padStart(widths[j]!) : s.padEnd(widths[j]!));
  const rule = widths.map((w, j) => {
    const a = align[j] ?? 'left';
    return a === 'right' ? '-'.repeat(w - 1) + ':' : a === 'center' ? ':' + '-'.repeat(w - 2) + ':' : '-'.repeat(w);
  });
  const line = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  return [line(cells[0]!.map(pad)), line(rule), ...cells.slice(1).map((r) => line(r.map(pad)))].join('\n') + '\n';
}

/** A fraction in [0, 1] as the README writes it: one decimal and `%` (`100%` for 1). */
export function percent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '—';
  return fraction === 1 ? '100%' : `${(fraction * 100).toFixed(1)}%`;
}

/** One row of the robustness table; a missing measurement prints as `—`. */
export interface RobustnessRow {
  readonly model: string;
  readonly baseError: number;
  readonly fgsError?: number;
  readonly pgdError?: number;
  /** Certified upper bound on the adversarial error (1 − certified accuracy). */
  readonly robustError?: number;
}

/** The README's table: model, base error, FGS error, PGD error, robust (certified) error. */
export function robustnessTable(rows: readonly RobustnessRow[]): string {
  return markdownTable(
    ['', 'Base error', 'FGS error', 'PGD error', 'Robust error'],
    rows.map((r) => [r.model, percent(r.baseError), percent(r.fgsError), percent(r.pgdError), percent(r.robustError)]),
    ['right', 'right', 'right', 'right', 'right'],
  );
}

/** `n` and the noun in the right number: `1 example`, `2 examples` (`plural` default: noun + "s"). */
export function countOf(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
