import { resolve } from 'node:path';
import { EnvironmentChangeError, resumeSearch } from '@asng/engine';
import { UsageError } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { readRunRecord, recordPath } from '../run-record.js';
import { followSearch, optimizerFactory } from '../search-progress.js';
import { selectBackend, withDataset, workingDirectory } from '../setup.js';
import { loadRecordedSpace, RECORDED_SPACE_OPTION } from '../spaces.js';

/** `asng resume RUN_DIR`: continues a stopped search from its checkpoint, with the space and dataset of its record. */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'continue a stopped search',
  synopsis: 'RUN_DIR [options]',
  options: [
    RECORDED_SPACE_OPTION,
    ...COMMON_OPTIONS,
    {
      name: 'accept-environment-change',
      type: 'boolean',
      description: 'resume even if the backend, threads or versions differ from the saved run (its numbers then no longer continue exactly)',
    },
  ],
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng resume' takes one run directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, positionals[0]!);
    const record = readRunRecord(runDir);
    const space = (await loadRecordedSpace(record.space, recordPath(runDir), values.space as string | undefined, cwd)).create(record.spaceOptions);
    return withDataset(record, io, async (dataset) => {
      const backend = await selectBackend(io, values);
      return followSearch({
        io,
        values,
        runDir,
        space,
        dataset,
        backend,
        start: async (callbacks) => {
          try {
            return await resumeSearch({
              space,
              dataset,
              runDir,
              optimizer: optimizerFactory(record),
              acceptEnvironmentChange: values['accept-environment-change'] === true,
              onWarning: (message) => io.stderr(`warning: ${message}\n`),
              ...callbacks,
            });
          } catch (error) {
            if (!(error instanceof EnvironmentChangeError)) throw error;
            throw new Error(
              `${error.path}: the run was saved in another environment (${error.differences.join('; ')}); resume with the saved settings (e.g. --threads), or pass --accept-environment-change to continue anyway, no longer bit-exactly`,
            );
          }
        },
      });
    });
  },
};
