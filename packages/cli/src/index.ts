export { runCli } from './run.js';
export type { CliIo } from './run.js';
export { parseArgs, keyValues, UsageError } from './args.js';
export type { OptionSpec, ParsedArgs } from './args.js';
export { BUILT_IN_SPACES, loadSpace } from './spaces.js';
export type { SpaceEntry, SpaceOptions } from './spaces.js';
export { renderReport, readRun, lineChart, beliefHeatMap } from './report.js';
export type { RunRecord } from './report.js';
export { ProgressBar, formatDuration } from './progress.js';
