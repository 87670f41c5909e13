export { architectureSvg, type ArchitectureSvgOptions } from './graph-svg.js';
export { checkArchitectureGraph, layoutArchitectureGraph, type DiagramLayout, type PlacedBox, type PlacedEdge } from './graph-layout.js';
export { lineChart, type ChartSeries, type LineChartOptions } from './line-chart.js';
export { numericBeliefPlot, pickEvenly, probabilityEvolution, probabilityHeatMap, type BeliefSnapshot } from './heat-map.js';
export { stripPlot, type StripEntry, type StripPlotOptions } from './strip-plot.js';
export { downsample, type Bucket } from './downsample.js';
export { linearAxis, logAxis, spansDecades, type Axis } from './ticks.js';
export { escapeXml, formatNumber } from './escape.js';
