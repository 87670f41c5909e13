export { runCli } from './run.js';
export type { CliIo } from './cli-io.js';
export { bufferedIo } from './buffered-io.js';
export type { BufferedIo } from './buffered-io.js';
export { parseArgs, keyValues, optionsUsage, UsageError } from './args.js';
export type { OptionSpec, ParsedArgs } from './args.js';
export { BUILT_IN_SPACES, loadSpace, loadSpaceModule } from './spaces.js';
export type { BuiltInSpace, LoadedSpace, SpaceOptions } from './spaces.js';
export {
  ARCHITECTURE_FILE,
  COMPARISON_FILE,
  buildReport,
  renderReport,
  readRun,
  readRunWithSpace,
  lineChart,
  beliefHeatMap,
  restorationGrids,
} from './report.js';
export type { ComparisonRecord, RunRecord } from './report.js';
export { ProgressBar, formatDuration } from './progress.js';
export {
  RESTORATIONS_FILE,
  afterSearch,
  corruptionName,
  readRestorations,
  restorationSet,
  sampleRestorations,
  writeModelRestorations,
  writeRestorationSet,
  writeSearchRestorations,
} from './restorations.js';
export type { RestorationSample, RestorationSet, SampleRestorationsOptions } from './restorations.js';
export { encodePng, pngDataUri } from './png.js';
