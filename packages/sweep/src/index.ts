export { checkDefinition, expandSweep, readSweepFile, SWEEP_COMMANDS, SweepFileError } from './sweep-file.js';
export type { JobTemplate, OptionValue, Sweep, SweepCommand, SweepDefinition, SweepJob } from './sweep-file.js';
export { countByStatus, readSweepState, statePath, writeSweepState } from './sweep-state.js';
export type { JobState, JobStatus, SweepState } from './sweep-state.js';
export { jobArgv, runSweepLocally } from './local-runner.js';
export type { LocalRunOptions, SweepEvent } from './local-runner.js';
export { QUEUE_NAME, queueJobId, queueState, redisConnection, startWorker, submitSweep } from './queue.js';
export type { QueuedJobData, SweepWorker, WorkerEvent, WorkerOptions } from './queue.js';
