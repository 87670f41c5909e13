// The engine for Node.js: everything of the browser entry (./browser.ts), with
// the search functions that keep a run in a directory by default, and the
// file-system parts (atomic writes, the run lock on files, model files).
export * from './browser.js';
// These shadow the browser entry's: a run directory (`runDir`) is their default storage.
export { resumeSearch, runSearch } from './search.js';
export { runFiles } from './run-directory.js';
export { fileSystemStorage } from './file-system-storage.js';
export { removeLeftoverTempFiles, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export type { AtomicWriteOptions } from './atomic-write.js';
export { createDirectory } from './create-directory.js';
export { acquireRunLock, RUN_LOCK_FILE, RUN_LOCK_STALE_MS, runLockHolder } from './run-lock.js';
export { readCheckpoint, writeCheckpoint } from './checkpoint.js';
export { fileSystemIO, registerFileSystemRouter, saveModelAtomically, type FileSystemIOOptions } from './file-system-io.js';
export { canBuildTrainingModel } from './deprecated-aliases.js';
export type { ParameterCounter, TrainingModel, TrainingModelBuilder, TrainingModelOptions } from './deprecated-aliases.js';
export { MOMENTUM_SGD_UPDATE } from './weight-optimizer.js';
