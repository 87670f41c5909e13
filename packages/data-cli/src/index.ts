export { datasetLoaders } from './loaders.js';
export { runDataCli } from './run.js';
export type { CliIo } from './run.js';
