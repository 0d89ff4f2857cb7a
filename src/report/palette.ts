/**
 * Class colours shared by the SVG and PNG renderings of 2D decision regions, so both pictures
 * of one model look the same: a light tint for a class's region, a saturated colour for its
 * points (class 0 red, class 1 blue, as in the original README's toy figures).
 * @module
 */

/** An RGB colour, components in 0..255. */
export type Rgb = readonly [number, number, number];

/** Region tint and point colour of one class. */
export interface ClassColor {
  readonly region: Rgb;
  readonly point: Rgb;
}

/** Colours of classes 0, 1, 2, ... (cycled beyond the list). */
export const CLASS_COLORS: readonly ClassColor[] = [
  { region: [248, 196, 190], point: [200, 30, 30] },
  { region: [190, 210, 248], point: [30, 80, 200] },
  { region: [196, 236, 200], point: [20, 140, 50] },
  { region: [236, 220, 180], point: [180, 120, 0] },
  { region: [224, 200, 240], point: [120, 40, 170] },
];

/** The colours of class `c`. */
export function classColor(c: number): ClassColor {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((Math.trunc(c) % n) + n) % n]!;
}

/** `#rrggbb` for an RGB triple. */
export function hex(rgb: Rgb): string {
  return '#' + rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}
