// What a loader that runs in a browser may use: no Node.js module is reachable
// from here (`npm run -s check:browser-imports` keeps it so).
export { ChecksumMismatchError, DatasetFormatError, DatasetNotFoundError } from './errors.js';
export type { MissingFiles } from './errors.js';
export { gunzipBytes, isGzip } from './gzip-bytes.js';
export { checkIndices, InMemorySplit } from './in-memory-split.js';
