/**
 * The search settings of the page: their defaults, their bounds, and the
 * check that turns the form's strings into numbers or says, field by field,
 * what is wrong. Pure: no DOM, no tfjs, tested in Node.
 */

/** The search spaces the page offers. */
export const SPACES = ['image-classification'] as const;

/** One of {@link SPACES}. */
export type SpaceName = (typeof SPACES)[number];

/** What a search on the page is run with; plain JSON, kept with the run in IndexedDB. */
export interface SearchSettings {
  /** The search space. @default 'image-classification' (the paper's ENAS micro cells) */
  readonly space: SpaceName;
  /** Cells of the network (a third of them reduction cells). @default 3 */
  readonly cells: number;
  /** Channels of the first cells. @default 8 */
  readonly channels: number;
  /** Nodes per cell. @default 4 */
  readonly nodes: number;
  /** Search steps (one weight step and one distribution update each). @default 240 */
  readonly steps: number;
  /** Of those, steps that only train the shared weights on uniformly drawn architectures. @default 60 */
  readonly warmupSteps: number;
  /** Examples per batch. @default 32 */
  readonly batchSize: number;
  /** Initial learning rate of the shared weights (cosine schedule). @default 0.05 */
  readonly learningRate: number;
  /** Seed of every random choice. @default 1 */
  readonly seed: number;
  /** At most this many training images are used (half of them validate). @default 3000 */
  readonly maxExamples: number;
  /** Epochs of the short retraining of the found architecture. @default 1 */
  readonly retrainEpochs: number;
}

/** The defaults: on the embedded subset they show a settled distribution and a clear test accuracy within a few minutes on a laptop. */
export const DEFAULT_SETTINGS: SearchSettings = {
  space: 'image-classification',
  cells: 3,
  channels: 8,
  nodes: 4,
  steps: 240,
  warmupSteps: 60,
  batchSize: 32,
  learningRate: 0.05,
  seed: 1,
  maxExamples: 3000,
  retrainEpochs: 1,
};

/** The numeric fields of {@link SearchSettings}. */
export type NumericField = Exclude<keyof SearchSettings, 'space'>;

/** Bounds of each numeric field: what the page accepts, `integer` unless the field is a rate. */
export const BOUNDS: Readonly<Record<NumericField, { readonly min: number; readonly max: number; readonly integer: boolean; readonly label: string }>> = {
  cells: { min: 1, max: 12, integer: true, label: 'Cells' },
  channels: { min: 2, max: 64, integer: true, label: 'Channels' },
  nodes: { min: 1, max: 6, integer: true, label: 'Nodes per cell' },
  steps: { min: 2, max: 100_000, integer: true, label: 'Steps' },
  warmupSteps: { min: 0, max: 100_000, integer: true, label: 'Warm-up steps' },
  batchSize: { min: 2, max: 512, integer: true, label: 'Batch size' },
  learningRate: { min: 1e-5, max: 1, integer: false, label: 'Learning rate' },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true, label: 'Seed' },
  maxExamples: { min: 4, max: 1_000_000, integer: true, label: 'Training images' },
  retrainEpochs: { min: 1, max: 50, integer: true, label: 'Retraining epochs' },
};

/** A field the check rejected, with the reason in words. */
export interface SettingsError {
  readonly field: keyof SearchSettings;
  readonly message: string;
}

/** The outcome of {@link parseSettings}: the settings, or every error found. */
export type ParsedSettings = { readonly ok: true; readonly settings: SearchSettings } | { readonly ok: false; readonly errors: readonly SettingsError[] };

/**
 * Reads the form's values (strings, as inputs give them; a missing or blank
 * field takes its default) and checks each against {@link BOUNDS} and the
 * relations between fields: fewer warm-up steps than steps, and a batch that
 * fits twice in the training images (one half trains, the other validates).
 */
export function parseSettings(values: Readonly<Partial<Record<keyof SearchSettings, string>>>): ParsedSettings {
  const errors: SettingsError[] = [];
  const space = (values.space ?? '').trim() || DEFAULT_SETTINGS.space;
  if (!(SPACES as readonly string[]).includes(space))
    errors.push({ field: 'space', message: `Search space: expected one of ${SPACES.join(', ')}, got "${space}".` });
  const numbers = {} as Record<NumericField, number>;
  for (const field of Object.keys(BOUNDS) as NumericField[]) {
    const { min, max, integer, label } = BOUNDS[field];
    const text = (values[field] ?? '').trim();
    if (text === '') {
      numbers[field] = DEFAULT_SETTINGS[field];
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) errors.push({ field, message: `${label}: "${text}" is not a number.` });
    else if (integer && !Number.isInteger(value)) errors.push({ field, message: `${label}: expected a whole number, got ${text}.` });
    else if (value < min || value > max) errors.push({ field, message: `${label}: expected ${min} to ${max}, got ${text}.` });
    numbers[field] = value;
  }
  const bad = new Set(errors.map((e) => e.field));
  if (!bad.has('warmupSteps') && !bad.has('steps') && numbers.warmupSteps >= numbers.steps) {
    errors.push({
      field: 'warmupSteps',
      message: `Warm-up steps (${numbers.warmupSteps}) must be fewer than the steps (${numbers.steps}): the distribution learns after them.`,
    });
  }
  if (!bad.has('batchSize') && !bad.has('maxExamples') && 2 * numbers.batchSize > numbers.maxExamples) {
    errors.push({
      field: 'batchSize',
      message: `Batch size (${numbers.batchSize}) must fit twice in the training images (${numbers.maxExamples}): half of them train, half validate.`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { space: space as SpaceName, ...numbers } };
}

/** The settings as the form's strings, the inverse of {@link parseSettings}. */
export function settingsToValues(settings: SearchSettings): Record<keyof SearchSettings, string> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])) as Record<keyof SearchSettings, string>;
}
