import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@asng/engine';
import { architectureSvg, escapeXml } from '@asng/report-render';
import {
  countByStatus,
  queueState,
  redisConnection,
  readSweepFile,
  readSweepState,
  runSweepLocally,
  submitSweep,
  SweepFileError,
  sweepComparisons,
  type Sweep,
  type SweepState,
} from '@asng/sweep';
import { UsageError } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { COMMON_OPTIONS, type Command } from '../command.js';
import { readRunWithSpace } from '../report.js';
import { COMPARISON_HEADER, comparisonRows, comparisonSection } from '../sweep-comparison.js';
import { workingDirectory } from '../setup.js';

/**
 * How child processes run `asng`: as this process runs (its Node flags and
 * entry point) when it is the asng CLI, else the installed `bin/asng.js`.
 */
export function asngCommand(io: CliIo): string[] {
  if (io.asngCommand !== undefined) return [...io.asngCommand];
  const entry = process.argv[1];
  if (entry !== undefined && /(bin[\\/]asng(\.js)?|cli[\\/](src|dist)[\\/]main\.[cm]?[jt]s)$/.test(entry))
    return [process.execPath, ...process.execArgv, entry];
  const cliRoot = dirname(createRequire(import.meta.url).resolve('@asng/cli/package.json'));
  return [process.execPath, join(cliRoot, 'bin', 'asng.js')];
}

function openSweep(file: string | undefined, cwd: string): Sweep {
  if (file === undefined) throw new UsageError("'asng sweep' needs a sweep file: asng sweep run|status|report FILE");
  try {
    return readSweepFile(resolve(cwd, file));
  } catch (error) {
    if (error instanceof SweepFileError) throw new UsageError(error.message);
    throw error;
  }
}

/** Checks a --redis URL: a usage error names it. */
export function checkRedisUrl(url: string): void {
  try {
    redisConnection(url);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The --backend and --threads options of the commands that run jobs: passed on to every job. */
export const JOB_BACKEND_OPTIONS = COMMON_OPTIONS.filter((o) => o.name === 'backend' || o.name === 'threads');

/** The arguments that pass --backend and --threads on to each job's `asng`. */
export function jobBackendArgs(values: Readonly<Record<string, unknown>>): string[] {
  return [
    ...(values.backend !== undefined ? ['--backend', values.backend as string] : []),
    ...(values.threads !== undefined ? ['--threads', String(values.threads)] : []),
  ];
}

/** One line per job: id, command, status, attempts, seconds, its headline figures. */
function jobRows(sweep: Sweep, state: SweepState): string[][] {
  return sweep.jobs.map((job) => {
    const s = state.jobs[job.id]!;
    const shown = s.status === 'running' || (s.status === 'pending' && s.attempts > 0) ? searchProgress(job.command, job.runDir) : figures(s.result);
    return [
      job.id,
      job.command,
      s.status + (s.worker !== undefined && s.status === 'running' ? ` (${s.worker})` : ''),
      String(s.attempts),
      s.seconds !== undefined ? s.seconds.toFixed(0) : '-',
      shown,
    ];
  });
}

/** How far a search has come, from the last step line of its log: `step 120/400`. */
function searchProgress(command: string, runDir: string): string {
  if (command !== 'search') return '';
  try {
    const text = readFileSync(join(runDir, 'log.jsonl'), 'utf8');
    const at = text.lastIndexOf('"type":"step"');
    if (at < 0) return 'starting';
    const end = text.indexOf('\n', at);
    const line = text.slice(text.lastIndexOf('\n', at) + 1, end < 0 ? text.length : end);
    const { step, totalSteps } = JSON.parse(line) as { step: number; totalSteps: number };
    return `step ${step}/${totalSteps}`;
  } catch {
    return '';
  }
}

/** The figures a job's JSON reports: held-out metrics of a search, test metrics and parameters of a retraining. */
function figures(result: unknown): string {
  if (typeof result !== 'object' || result === null) return '';
  const r = result as { metrics?: Record<string, number>; test?: Record<string, number>; trainableParameters?: number };
  const metrics = r.test ?? r.metrics ?? {};
  const parts = Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  if (typeof r.trainableParameters === 'number') parts.push(`${r.trainableParameters} parameters`);
  return parts.join(', ');
}

function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const HEADER = ['job', 'command', 'status', 'attempts', 'seconds', 'figures or progress'];

/** The sweep's HTML page: every job with its figures, and the found architectures side by side. */
async function sweepPage(sweep: Sweep, state: SweepState, cwd: string): Promise<string> {
  const rows = jobRows(sweep, state)
    .map((r) => `<tr class="${escapeXml(r[2]!)}">${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('');
  const figuresHtml: string[] = [];
  for (const job of sweep.jobs.filter((j) => j.command === 'search' && state.jobs[j.id]!.status === 'completed')) {
    const spaceAt = job.argv.indexOf('--space');
    const space = spaceAt >= 0 ? job.argv[spaceAt + 1] : undefined;
    try {
      const run = await readRunWithSpace(job.runDir, cwd, space);
      const drawn = run.architectureGraph !== undefined ? architectureSvg(run.architectureGraph, { idPrefix: `sweep-${figuresHtml.length}` }) : '';
      const text = run.description !== undefined ? `<pre>${escapeXml(run.description.text)}</pre>` : '';
      figuresHtml.push(`<figure><figcaption>${escapeXml(job.id)}: ${escapeXml(figures(state.jobs[job.id]!.result))}</figcaption>${drawn}${text}</figure>`);
    } catch (error) {
      figuresHtml.push(`<figure><figcaption>${escapeXml(job.id)}</figcaption><p>${escapeXml((error as Error).message)}</p></figure>`);
    }
  }
  const counts = countByStatus(sweep, state);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>asng sweep ${escapeXml(sweep.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
tr.failed td{background:#fde8e8}tr.completed td:nth-child(3){color:#176f2c}.side{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0;max-width:46em}pre{font-size:12px}</style>
</head><body><h1>Sweep ${escapeXml(sweep.name)}</h1>
<p>${escapeXml(sweep.file)}: ${sweep.jobs.length} jobs, ${counts.completed} completed, ${counts.failed} failed, ${counts.running} running, ${counts.pending} pending. Run directories in ${escapeXml(sweep.runsDir)}.</p>
<table><thead><tr>${HEADER.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
${comparisonSection(sweepComparisons(sweep, state))}
<h2>Found architectures</h2><div class="side">${figuresHtml.join('') || '<p>No search has completed yet.</p>'}</div>
</body></html>
`;
}

/** `asng sweep run|status|report FILE`: many runs on this machine, from a sweep file. */
export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'run many jobs from a sweep file (a product of options) on this machine, resumably',
  synopsis: 'run|submit|status|report FILE [--workers N] [--retry-failed] [--redis URL] [--out FILE]',
  options: [
    {
      name: 'redis',
      type: 'string',
      placeholder: 'URL',
      description: 'submit, status, report: the BullMQ queue on this Redis (redis://host:port), served by `asng worker` on any machine',
    },
    { name: 'workers', type: 'integer', min: 1, max: 256, placeholder: 'N', description: 'run: jobs at once, each in its own process (default 1)' },
    { name: 'retry-failed', type: 'boolean', description: 'run: run the failed jobs again' },
    ...JOB_BACKEND_OPTIONS,
    { name: 'out', type: 'string', placeholder: 'FILE', description: 'report: where to write the HTML (default: sweep.html in the runs directory)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object as the last line' },
    { name: 'quiet', type: 'boolean', description: 'run: no line per job' },
  ],
  async run({ positionals, values }, io) {
    const [action, file, ...rest] = positionals;
    if (action !== 'run' && action !== 'submit' && action !== 'status' && action !== 'report') {
      throw new UsageError(`'asng sweep' takes run, submit, status or report, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
    }
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} for 'asng sweep ${action}'`);
    const cwd = workingDirectory(io);
    const redis = values.redis as string | undefined;
    if (action === 'submit' && redis === undefined)
      throw new UsageError("--redis is required: 'asng sweep submit' queues the jobs for 'asng worker --redis URL'");
    if (action === 'run' && redis !== undefined)
      throw new UsageError("--redis: 'asng sweep run' runs here, without a queue; queue with 'asng sweep submit FILE --redis URL'");
    if (redis !== undefined) checkRedisUrl(redis);
    const sweep = openSweep(file, cwd);
    const stateOf = async (): Promise<SweepState> => (redis !== undefined ? queueState({ sweep, redis }) : readSweepState(sweep));
    if (action === 'submit') {
      const { added, existing } = await submitSweep({ sweep, redis: redis! });
      if (values.json === true)
        io.stdout(
          `${JSON.stringify({ sweep: sweep.name, runsDir: sweep.runsDir, jobs: sweep.jobs.length, added: added.length, existing: existing.length })}\n`,
        );
      else
        io.stdout(
          `Sweep ${sweep.name}: ${added.length} jobs queued, ${existing.length} already in the queue (jobs after a search are queued when it completes). ` +
            `Run directories go to ${sweep.runsDir}, which every worker must see at this path.\n`,
        );
      return 0;
    }
    if (action === 'status') {
      const state = await stateOf();
      if (values.json === true)
        io.stdout(`${JSON.stringify({ sweep: sweep.name, runsDir: sweep.runsDir, ...countByStatus(sweep, state), jobs: state.jobs })}\n`);
      else io.stdout(`${textTable(HEADER, jobRows(sweep, state))}\n`);
      return 0;
    }
    if (action === 'report') {
      if (redis === undefined && !existsSync(join(sweep.runsDir, 'sweep.json')))
        throw new Error(`${sweep.runsDir}: no sweep.json; run the sweep first (asng sweep run ${file})`);
      const state = await stateOf();
      const out = resolve(cwd, (values.out as string | undefined) ?? join(sweep.runsDir, 'sweep.html'));
      writeFileAtomic(out, await sweepPage(sweep, state, cwd));
      const comparisons = sweepComparisons(sweep, state);
      if (values.json === true) io.stdout(`${JSON.stringify({ report: out, ...countByStatus(sweep, state), comparisons })}\n`);
      else {
        const table = comparisons.length > 0 ? `\n\nFound against random:\n${textTable(COMPARISON_HEADER, comparisonRows(comparisons))}` : '';
        io.stdout(`${textTable(HEADER, jobRows(sweep, state))}${table}\n\nReport written to ${out}\n`);
      }
      return 0;
    }
    const started = process.hrtime.bigint();
    const extraArgs = jobBackendArgs(values);
    const state = await runSweepLocally({
      sweep,
      workers: (values.workers as number | undefined) ?? 1,
      asng: asngCommand(io),
      ...(values['retry-failed'] === true ? { retryFailed: true } : {}),
      ...(extraArgs.length > 0 ? { extraArgs } : {}),
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
      onEvent: (e) => {
        if (values.quiet === true) return;
        if (e.type === 'start') io.stderr(`start   ${e.job.id}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}: asng ${e.argv.join(' ')}\n`);
        else if (e.type === 'skip') io.stderr(`skip    ${e.job.id}: ${e.reason}\n`);
        else {
          const head = e.state.status === 'completed' ? 'done   ' : e.state.status === 'failed' ? 'FAILED ' : 'stopped';
          const detail =
            e.state.status === 'failed' ? `: ${(e.state.error ?? '').split('\n').at(-1)}` : e.state.status === 'completed' ? ` ${figures(e.state.result)}` : '';
          io.stderr(`${head} ${e.job.id} (${(e.state.seconds ?? 0).toFixed(0)} s)${detail} [${e.done}/${e.total} done]\n`);
        }
      },
    });
    const counts = countByStatus(sweep, state);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (values.json === true) io.stdout(`${JSON.stringify({ sweep: sweep.name, runsDir: sweep.runsDir, jobs: sweep.jobs.length, ...counts, seconds })}\n`);
    else
      io.stdout(
        `Sweep ${sweep.name}: ${counts.completed} of ${sweep.jobs.length} jobs completed, ${counts.failed} failed, ${counts.pending} pending (${seconds.toFixed(0)} s)\n`,
      );
    if (io.signal?.aborted) return 130;
    return counts.failed > 0 ? 1 : 0;
  },
};
