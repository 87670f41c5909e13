import { hostname } from 'node:os';
import { startWorker } from '@asng/sweep';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { asngCommand, checkRedisUrl, JOB_BACKEND_OPTIONS, jobBackendArgs } from './sweep.js';

/** `asng worker --redis URL`: serves the sweeps queued on that Redis until stopped. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'run the jobs of sweeps queued with `asng sweep submit`, on any machine, until Ctrl-C',
  synopsis: '--redis URL [--concurrency N] [--name NAME]',
  options: [
    { name: 'redis', type: 'string', placeholder: 'URL', description: 'the Redis of the queue, redis://host:port (required)' },
    { name: 'concurrency', type: 'integer', min: 1, max: 256, placeholder: 'N', description: 'jobs at once, each in its own process (default 1)' },
    { name: 'name', type: 'string', placeholder: 'NAME', description: "this worker's name in the sweep status (default host-pid)" },
    {
      name: 'lock-seconds',
      type: 'number',
      greaterThan: 0,
      placeholder: 'X',
      description: "seconds before another worker takes over the job of a worker that died (default 30; BullMQ's stall detection)",
    },
    ...JOB_BACKEND_OPTIONS,
    { name: 'quiet', type: 'boolean', description: 'no line per job' },
  ],
  async run({ positionals, values }, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} for 'asng worker'`);
    const redis = values.redis as string | undefined;
    if (redis === undefined) throw new UsageError('--redis is required');
    checkRedisUrl(redis);
    const name = (values.name as string | undefined) ?? `${hostname()}-${process.pid}`;
    const extraArgs = jobBackendArgs(values);
    const worker = startWorker({
      redis,
      asng: asngCommand(io),
      name,
      concurrency: (values.concurrency as number | undefined) ?? 1,
      ...(values['lock-seconds'] !== undefined ? { lockDuration: Math.round((values['lock-seconds'] as number) * 1000) } : {}),
      ...(extraArgs.length > 0 ? { extraArgs } : {}),
      onEvent: (e) => {
        if (values.quiet === true) return;
        if (e.type === 'start') io.stderr(`start   ${e.sweep}/${e.job.id}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}: asng ${e.argv.join(' ')}\n`);
        else if (e.type === 'completed') io.stderr(`done    ${e.sweep}/${e.job.id}\n`);
        else io.stderr(`${e.retried ? 'stopped' : 'FAILED '} ${e.sweep}/${e.job.id}${e.retried ? ' (queued again)' : `: ${e.error.split('\n').at(-1)}`}\n`);
      },
    });
    io.stderr(`Worker ${name} serving ${redis} (Ctrl-C stops it; its running jobs checkpoint and go back to the queue)\n`);
    await new Promise<void>((resolve) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await worker.close();
    return 0;
  },
};
