/**
 * Dependency-free report output: SVG line charts, histograms and 2D decision regions, a PNG
 * encoder with a rasteriser for the regions, and Markdown tables.
 * @module
 */
export { lineChartSvg, type LineChartOptions, type Series } from './line-chart.js';
export { histogram, histogramSvg, type Histogram, type HistogramChartOptions } from './histogram.js';
export { gridCentres, regionsSvg, UNIT_SQUARE, type ClassGrid, type Extent, type LabelledPoint, type Regions2d } from './regions.js';
export { rasterizeRegions, rasterizeRegionsFigure } from './raster.js';
export { crc32, encodePng, PNG_SIGNATURE, type RgbaImage } from './png.js';
export { countOf, markdownTable, percent, robustnessTable, type Align, type RobustnessRow } from './markdown.js';
export { CLASS_COLORS, classColor, type ClassColor, type Rgb } from './palette.js';
export { escapeXml, niceTicks } from './svg.js';
