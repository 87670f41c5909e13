import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnvironmentChangeError, readCheckpoint, resumeSearch, runFiles, type RunEnvironment } from '@asng/engine';
import { UsageError } from '../args.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { readRunRecord, recordPath, runEnvironment } from '../run-record.js';
import { followSearch, optimizerFactory } from '../search-progress.js';
import { selectBackend, withDataset, workingDirectory } from '../setup.js';
import { loadRecordedSpace, RECORDED_SPACE_OPTION } from '../spaces.js';

/** The `--backend` choices of the tfjs backends a run can record (`tensorflow` is node or node-gpu: left to `auto`). */
const BACKEND_CHOICES: Readonly<Record<string, string>> = { wasm: 'wasm', cpu: 'cpu', webgpu: 'webgpu' };

/**
 * The backend and thread settings a resume restores from the run's
 * checkpoint when the user gives none: its backend, and on wasm its thread
 * count, so that the numbers continue exactly. The flags given win.
 */
function restoredSettings(saved: RunEnvironment | undefined, values: Readonly<Record<string, unknown>>): { backend?: string; threads?: number } {
  if (saved === undefined) return {};
  const savedBackend = typeof saved.backend === 'string' ? BACKEND_CHOICES[saved.backend] : undefined;
  const backend = values.backend === undefined ? savedBackend : undefined;
  const onSavedBackend = (backend ?? values.backend) === savedBackend && savedBackend === 'wasm';
  const threads = values.threads === undefined && onSavedBackend && typeof saved.threads === 'number' ? saved.threads : undefined;
  return { ...(backend !== undefined ? { backend } : {}), ...(threads !== undefined ? { threads } : {}) };
}

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
      description:
        'resume even if the backend, threads, native kernels or package versions differ from the saved run (its numbers then no longer continue exactly); without --backend and --threads, the saved ones are used',
    },
  ],
  async run({ positionals, values }, io) {
    if (positionals.length !== 1) throw new UsageError(`'asng resume' takes one run directory, got ${positionals.length}`);
    const cwd = workingDirectory(io);
    const runDir = resolve(cwd, positionals[0]!);
    const record = readRunRecord(runDir);
    const space = (await loadRecordedSpace(record.space, recordPath(runDir), values.space as string | undefined, cwd)).create(record.spaceOptions);
    const checkpointPath = runFiles(runDir).checkpoint;
    // The engine reads the checkpoint again, and checks it: here only its environment is wanted.
    const saved = existsSync(checkpointPath) ? readCheckpoint<{ environment?: RunEnvironment }>(checkpointPath).header.environment : undefined;
    const restored = restoredSettings(saved, values);
    return withDataset(record, io, async (dataset) => {
      let backend: string;
      try {
        backend = await selectBackend(io, { ...values, ...restored });
      } catch (error) {
        if (restored.backend === undefined) throw error;
        throw new Error(
          `${checkpointPath}: the run was saved on the ${restored.backend} backend, which does not start here (${(error as Error).message}); ` +
            'choose another with --backend, and pass --accept-environment-change to continue on it, no longer bit-exactly',
          { cause: error },
        );
      }
      const environment = await runEnvironment(record.space);
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
              environment,
              acceptEnvironmentChange: values['accept-environment-change'] === true,
              onWarning: (message) => io.stderr(`warning: ${message}\n`),
              ...callbacks,
            });
          } catch (error) {
            if (!(error instanceof EnvironmentChangeError)) throw error;
            throw new Error(
              `${error.path}: the run was saved in another environment (${error.differences.join('; ')}); resume with the saved settings (--backend, --threads, ASNG_NATIVE_KERNELS, the same package versions), or pass --accept-environment-change to continue anyway, no longer bit-exactly`,
            );
          }
        },
      });
    });
  },
};
