import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * The commands of a sweep file's entries: the `asng` commands, and `compare`
 * (after a search: its found architecture and K uniformly random
 * architectures of its space, each retrained alike by `asng retrain`, the
 * random ones with `--random-architecture I`).
 */
export const SWEEP_COMMANDS = ['search', 'retrain', 'evaluate', 'export', 'report', 'compare'] as const;
/** One of {@link SWEEP_COMMANDS}. */
export type SweepCommand = (typeof SWEEP_COMMANDS)[number];

/** Random architectures of a `compare` entry when its options give no `random`. */
export const DEFAULT_COMPARE_RANDOM = 5;

/** A value of an `asng` option in a sweep file: `true` is a flag, a list repeats the option. */
export type OptionValue = string | number | boolean | readonly (string | number)[];

/** One entry of a sweep file's `jobs`: a command, its options, and optionally a product of values. */
export interface JobTemplate {
  /** Unique within the sweep: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly command: SweepCommand;
  /** `asng` options without the dashes, for example `{ space: 'inpainting', steps: 400 }`. */
  readonly options?: Readonly<Record<string, OptionValue>>;
  /** Each key an option, each value a list: one job per element of their product. */
  readonly matrix?: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  /**
   * The name of a `search` entry: one job per job of that entry, run after it
   * completes, on its run directory (`retrain`, `evaluate`, `export`,
   * `report`; `compare` makes 1 + K jobs per search job).
   */
  readonly after?: string;
}

/** A sweep file, as written. */
export interface SweepDefinition {
  /** Letters, digits, `-` and `_`: names the sweep's directory by default. */
  readonly name: string;
  /** Where the run directories and the sweep's state go; relative to the file. @default the file's directory, then `name` */
  readonly runs?: string;
  readonly jobs: readonly JobTemplate[];
}

/** One job of an expanded sweep. */
export interface SweepJob {
  /** Stable: the same definition gives the same id, whatever the file's order or formatting. */
  readonly id: string;
  /** The entry of `jobs` it comes from. */
  readonly template: string;
  readonly command: SweepCommand;
  /** The arguments after `asng` (without `--json`). */
  readonly argv: readonly string[];
  /** The run directory it writes (a search) or reads (the others). */
  readonly runDir: string;
  /** The job that must complete first. */
  readonly after?: string;
  /** The matrix values of this job, for tables. */
  readonly values: Readonly<Record<string, string | number | boolean>>;
  /** For the jobs of a `compare` entry: which comparison, and which side of it. */
  readonly comparison?: JobComparison;
}

/** A job's place in a found-against-random comparison (a `compare` entry of a sweep file). */
export interface JobComparison {
  /** The `compare` entry. */
  readonly entry: string;
  /** The search job whose run is compared. */
  readonly search: string;
  /** The found architecture, or random architecture `index` (1-based, as `--random-architecture`). */
  readonly role: 'found' | 'random';
  readonly index?: number;
}

/** A whole sweep: its directory and its jobs in a fixed order (dependencies first). */
export interface Sweep {
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  /** The directory of the run directories and of `sweep.json`. */
  readonly runsDir: string;
  readonly jobs: readonly SweepJob[];
}

/** A sweep file that does not say what is expected: names the file and the field. */
export class SweepFileError extends Error {
  override name = 'SweepFileError';
  constructor(
    readonly file: string,
    readonly field: string,
    expected: string,
  ) {
    super(`${file}: ${field}: ${expected}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Reads and expands a sweep file (`.json`, `.yaml` or `.yml`). */
export function readSweepFile(path: string): Sweep {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SweepFileError(file, '(file)', `cannot be read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new SweepFileError(file, '(file)', `not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(error as Error).message})`);
  }
  return expandSweep(checkDefinition(raw, file), file);
}

/** Checks the shape of a parsed sweep file, naming the first bad field. */
export function checkDefinition(raw: unknown, file: string): SweepDefinition {
  const bad = (field: string, expected: string): never => {
    throw new SweepFileError(file, field, expected);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('(top level)', 'expected an object with name and jobs');
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top)) if (!['name', 'runs', 'jobs'].includes(key)) bad(key, 'unknown field; expected name, runs, jobs');
  if (typeof top.name !== 'string' || !NAME.test(top.name)) bad('name', `expected letters, digits, - and _ (at most 64), got ${JSON.stringify(top.name)}`);
  if (top.runs !== undefined && (typeof top.runs !== 'string' || top.runs === '')) bad('runs', `expected a directory, got ${JSON.stringify(top.runs)}`);
  if (!Array.isArray(top.jobs) || top.jobs.length === 0) bad('jobs', 'expected a non-empty list of jobs');
  const names = new Set<string>();
  const jobs = (top.jobs as unknown[]).map((entry, i): JobTemplate => {
    const at = `jobs[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) bad(at, 'expected an object with name and command');
    const job = entry as Record<string, unknown>;
    for (const key of Object.keys(job)) {
      if (!['name', 'command', 'options', 'matrix', 'after'].includes(key))
        bad(`${at}.${key}`, 'unknown field; expected name, command, options, matrix, after');
    }
    if (typeof job.name !== 'string' || !NAME.test(job.name)) bad(`${at}.name`, `expected letters, digits, - and _, got ${JSON.stringify(job.name)}`);
    const name = job.name as string;
    if (names.has(name)) bad(`${at}.name`, `${JSON.stringify(name)} is used twice`);
    names.add(name);
    if (!SWEEP_COMMANDS.includes(job.command as SweepCommand))
      bad(`${at}.command`, `expected one of ${SWEEP_COMMANDS.join(', ')}, got ${JSON.stringify(job.command)}`);
    const options = checkOptions(job.options, `${at}.options`, bad);
    const matrix = checkMatrix(job.matrix, `${at}.matrix`, bad);
    for (const key of Object.keys(matrix ?? {}))
      if (options !== undefined && key in options) bad(`${at}.matrix.${key}`, 'also given in options; give it in one place');
    for (const key of ['run-dir', 'json', 'out', ...(job.command === 'compare' ? ['random-architecture'] : [])]) {
      if ((options !== undefined && key in options) || (matrix !== undefined && key in matrix))
        bad(`${at}.options.${key}`, 'set by the sweep, not by the file');
    }
    if (options?.random !== undefined) {
      if (job.command !== 'compare') bad(`${at}.options.random`, 'only a compare entry takes random (its number of random architectures)');
      const k = options.random;
      if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= 100))
        bad(`${at}.options.random`, `expected the number of random architectures, a whole number from 1 to 100, got ${JSON.stringify(k)}`);
    }
    if (job.command === 'search') {
      if (job.after !== undefined) bad(`${at}.after`, 'a search starts a run; only retrain, evaluate, export, report and compare run after one');
    } else {
      if (typeof job.after !== 'string') bad(`${at}.after`, `expected the name of a search entry whose runs this ${String(job.command)} job reads`);
      const parent = (top.jobs as Record<string, unknown>[]).find((j) => j?.name === job.after);
      if (parent === undefined || parent.command !== 'search')
        bad(`${at}.after`, `expected the name of an earlier search entry, got ${JSON.stringify(job.after)}`);
      if ((top.jobs as unknown[]).indexOf(parent) > i) bad(`${at}.after`, `${JSON.stringify(job.after)} must come before ${JSON.stringify(name)}`);
      // Jobs after one search write into its run directory: a product of them would overwrite each other.
      if (matrix !== undefined && job.command !== 'evaluate')
        bad(`${at}.matrix`, `a ${String(job.command)} job after a search writes into its run directory; give it no matrix`);
    }
    return {
      name,
      command: job.command as SweepCommand,
      ...(options !== undefined ? { options } : {}),
      ...(matrix !== undefined ? { matrix } : {}),
      ...(typeof job.after === 'string' ? { after: job.after } : {}),
    };
  });
  return { name: top.name as string, ...(typeof top.runs === 'string' ? { runs: top.runs } : {}), jobs };
}

function checkOptions(raw: unknown, at: string, bad: (field: string, expected: string) => never): Readonly<Record<string, OptionValue>> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(at, 'expected an object of asng options (names without the dashes)');
  const out: Record<string, OptionValue> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9-]*$/.test(key)) bad(`${at}.${key}`, 'expected an option name in lower case without the dashes');
    const scalar = (v: unknown) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
    if (value === true || scalar(value)) out[key] = value as OptionValue;
    else if (Array.isArray(value) && value.length > 0 && value.every(scalar)) out[key] = value as (string | number)[];
    else bad(`${at}.${key}`, `expected a string, a number, true (a flag) or a list of strings and numbers, got ${JSON.stringify(value)}`);
  }
  return out;
}

function checkMatrix(
  raw: unknown,
  at: string,
  bad: (field: string, expected: string) => never,
): Readonly<Record<string, readonly (string | number | boolean)[]>> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) bad(at, 'expected an object of option: [values]');
  const out: Record<string, (string | number | boolean)[]> = {};
  for (const [key, values] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9-]*$/.test(key)) bad(`${at}.${key}`, 'expected an option name in lower case without the dashes');
    const ok = (v: unknown) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
    if (!Array.isArray(values) || values.length === 0 || !values.every(ok))
      bad(`${at}.${key}`, `expected a non-empty list of values, got ${JSON.stringify(values)}`);
    if (new Set((values as unknown[]).map((v) => JSON.stringify(v))).size !== (values as unknown[]).length) bad(`${at}.${key}`, 'a value is listed twice');
    out[key] = values as (string | number | boolean)[];
  }
  return out;
}

/** The product of a matrix, in the order of its keys and values. */
function product(matrix: Readonly<Record<string, readonly (string | number | boolean)[]>> | undefined): Record<string, string | number | boolean>[] {
  let rows: Record<string, string | number | boolean>[] = [{}];
  for (const [key, values] of Object.entries(matrix ?? {})) rows = rows.flatMap((row) => values.map((v) => ({ ...row, [key]: v })));
  return rows;
}

/** Canonical JSON: object keys sorted, so that ids do not depend on the file's order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `asng` arguments of an option map: `--name value`, `--flag`, a list as the option repeated. */
function optionArgv(options: Readonly<Record<string, OptionValue | boolean>>): string[] {
  return Object.keys(options)
    .sort()
    .flatMap((key) => {
      const value = options[key]!;
      if (value === true) return [`--${key}`];
      if (value === false) return [];
      return (Array.isArray(value) ? value : [value]).flatMap((v) => [`--${key}`, String(v)]);
    });
}

/**
 * The jobs of a definition: for each entry, the product of its matrix; an
 * entry with `after` gets one job per job of that search entry. Each job's id
 * is its entry's name, its matrix values and a hash of its command, options
 * and parent, so that submitting the same sweep twice names the same jobs.
 */
export function expandSweep(definition: SweepDefinition, file: string): Sweep {
  const base = dirname(resolve(file));
  const runsDir =
    definition.runs !== undefined ? (isAbsolute(definition.runs) ? definition.runs : resolve(base, definition.runs)) : join(base, definition.name);
  const jobs: SweepJob[] = [];
  const byTemplate = new Map<string, SweepJob[]>();
  for (const template of definition.jobs) {
    const parents = template.after !== undefined ? byTemplate.get(template.after)! : [undefined];
    const made: SweepJob[] = [];
    for (const parent of parents) {
      for (const values of product(template.matrix)) {
        const { random, ...options } = { ...template.options, ...values };
        const hash = createHash('sha256')
          .update(canonical({ command: template.command, options, after: parent?.id ?? null }))
          .digest('hex')
          .slice(0, 8);
        const slug = Object.entries(values)
          .map(([k, v]) => `${k}${String(v)}`)
          .join('-')
          .replace(/[^A-Za-z0-9._-]+/g, '_')
          .slice(0, 48);
        const id = [template.name, ...(parent !== undefined ? [parent.id.slice(0, parent.id.length - 9)] : []), ...(slug !== '' ? [slug] : []), hash].join('-');
        const runDir = parent?.runDir ?? join(runsDir, id);
        if (template.command === 'compare') {
          made.push(...compareJobs(template.name, parent!, Number(random ?? DEFAULT_COMPARE_RANDOM), optionArgv(options), hash));
          continue;
        }
        const argv =
          template.command === 'search'
            ? ['search', ...optionArgv(options), '--run-dir', runDir]
            : template.command === 'export'
              ? ['export', runDir, ...optionArgv(options), '--out', join(runDir, 'exported')]
              : [template.command, runDir, ...optionArgv(options)];
        made.push({ id, template: template.name, command: template.command, argv, runDir, ...(parent !== undefined ? { after: parent.id } : {}), values });
      }
    }
    byTemplate.set(template.name, made);
    jobs.push(...made);
  }
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw new SweepFileError(file, `jobs (${job.template})`, `two jobs come out identical (${job.id}); make their options differ`);
    ids.add(job.id);
  }
  return { name: definition.name, file: resolve(file), runsDir, jobs };
}

/**
 * The jobs of a `compare` entry after search job `parent`: `asng retrain` of
 * the found architecture and of random architectures 1..K, each alike (the
 * entry's options), each into its own directory under the search's run
 * (`<entry>/found`, `<entry>/random-I`). Their ids share the entry's hash,
 * which leaves K out: raising K adds jobs and keeps the finished ones.
 */
function compareJobs(entry: string, parent: SweepJob, k: number, options: readonly string[], hash: string): SweepJob[] {
  const stem = `${entry}-${parent.id.slice(0, parent.id.length - 9)}`;
  const job = (role: 'found' | 'random', index?: number): SweepJob => {
    const dir = join(parent.runDir, entry, role === 'found' ? 'found' : `random-${index}`);
    return {
      id: `${stem}-${role === 'found' ? 'found' : `random${index}`}-${hash}`,
      template: entry,
      command: 'retrain',
      argv: ['retrain', parent.runDir, ...options, ...(index !== undefined ? ['--random-architecture', String(index)] : []), '--out', dir],
      runDir: parent.runDir,
      after: parent.id,
      values: {},
      comparison: { entry, search: parent.id, role, ...(index !== undefined ? { index } : {}) },
    };
  };
  return [job('found'), ...Array.from({ length: k }, (_, i) => job('random', i + 1))];
}
