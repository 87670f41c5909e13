import type { BackendChoice } from '@asng/backend-select';
import { parseArgs, UsageError, type OptionSpec } from '@asng/cli';
import type { CompareSettings } from './compare.js';

/** The options of `npm run -s compare`, with their defaults. */
export const OPTIONS: (OptionSpec & { readonly default?: string })[] = [
  {
    name: 'dataset',
    type: 'string',
    values: ['fashion-mnist-subset', 'fashion-mnist'],
    default: 'fashion-mnist-subset',
    description: 'the embedded subset, or the full dataset',
  },
  { name: 'data-path', type: 'string', placeholder: 'DIR', description: 'directory of the full dataset (default: the Debian package, then the cache)' },
  { name: 'seed', type: 'integer', placeholder: 'N', default: '1', description: 'seed of the search and the retrainings' },
  { name: 'random-seed', type: 'integer', placeholder: 'N', default: '2', description: 'seed of the random architecture' },
  { name: 'search-cells', type: 'integer', min: 1, placeholder: 'N', default: '3', description: 'cells of the supernet' },
  { name: 'search-channels', type: 'integer', min: 2, placeholder: 'N', default: '8', description: 'channels of the supernet' },
  { name: 'search-epochs', type: 'integer', min: 1, placeholder: 'N', default: '1', description: 'search budget in epochs' },
  { name: 'search-steps', type: 'integer', min: 1, placeholder: 'N', description: 'search budget in steps (overrides --search-epochs)' },
  { name: 'search-examples', type: 'integer', min: 2, placeholder: 'N', default: '1200', description: 'training examples of the search (half validate)' },
  { name: 'search-batch-size', type: 'integer', min: 1, placeholder: 'N', default: '32', description: 'batch size of the search' },
  { name: 'search-lr', type: 'number', min: 0, placeholder: 'X', default: '0.05', description: 'learning rate of the search (cosine)' },
  { name: 'cells', type: 'integer', min: 1, placeholder: 'N', default: '3', description: 'cells of the retrained networks' },
  { name: 'channels', type: 'integer', min: 2, placeholder: 'N', default: '8', description: 'channels of the retrained networks' },
  { name: 'param-budget', type: 'number', min: 1, placeholder: 'N', description: 'instead of --channels: each network as wide as fits N trainable parameters' },
  { name: 'retrain-epochs', type: 'integer', min: 1, placeholder: 'N', default: '1', description: 'epochs of each retraining' },
  { name: 'retrain-examples', type: 'integer', min: 1, placeholder: 'N', default: '1200', description: 'training examples of each retraining' },
  { name: 'test-examples', type: 'integer', min: 1, placeholder: 'N', description: 'test on the first N test examples (default all)' },
  { name: 'retrain-batch-size', type: 'integer', min: 1, placeholder: 'N', default: '32', description: 'batch size of the retrainings' },
  { name: 'retrain-lr', type: 'number', min: 0, placeholder: 'X', default: '0.05', description: 'initial learning rate of the retrainings' },
  { name: 'optimizer', type: 'string', values: ['sgd', 'adam'], default: 'sgd', description: 'weight optimizer of the retrainings' },
  { name: 'schedule', type: 'string', values: ['cosine', 'step', 'constant'], default: 'cosine', description: 'learning-rate schedule of the retrainings' },
  { name: 'cutout', type: 'integer', min: 1, placeholder: 'N', description: 'cutout square side in the retrainings (default none)' },
  { name: 'auxiliary-weight', type: 'number', min: 0, placeholder: 'X', description: 'auxiliary head loss weight in the retrainings (default none)' },
  { name: 'drop-path', type: 'number', min: 0, placeholder: 'P', description: 'final drop-path probability in the retrainings (default none)' },
  { name: 'backend', type: 'string', values: ['auto', 'node-gpu', 'node', 'wasm', 'webgpu', 'cpu'], default: 'auto', description: 'tfjs backend' },
  { name: 'threads', type: 'integer', min: 1, placeholder: 'N', description: 'threads of the wasm backend (default: all cores, at most 8)' },
  { name: 'run-dir', type: 'string', placeholder: 'DIR', description: 'where the search and the models go (default runs/compare-<time>)' },
  { name: 'json', type: 'boolean', description: 'print the result as one JSON object on the last line' },
  { name: 'help', type: 'boolean', description: 'print the options' },
];

/** Parses the options, with their defaults, into settings. */
export function parseCompareArgs(argv: readonly string[]) {
  const { positionals, values } = parseArgs(argv, OPTIONS, 'compare');
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  for (const o of OPTIONS)
    if (o.default !== undefined && values[o.name] === undefined) values[o.name] = parseArgs([`--${o.name}`, o.default], [o], 'compare').values[o.name]!;
  const n = (name: string) => values[name] as number | undefined;
  if (n('drop-path') !== undefined && !(n('drop-path')! < 1)) throw new UsageError(`--drop-path: expected a probability below 1, got ${n('drop-path')}`);
  const settings: CompareSettings = {
    seed: n('seed')!,
    randomSeed: n('random-seed')!,
    searchCells: n('search-cells')!,
    searchChannels: n('search-channels')!,
    searchEpochs: n('search-epochs')!,
    ...(n('search-steps') !== undefined ? { searchSteps: n('search-steps')! } : {}),
    searchExamples: n('search-examples')!,
    searchBatchSize: n('search-batch-size')!,
    searchLearningRate: n('search-lr')!,
    cells: n('cells')!,
    channels: n('channels')!,
    ...(n('param-budget') !== undefined ? { paramBudget: n('param-budget')! } : {}),
    retrainEpochs: n('retrain-epochs')!,
    retrainExamples: n('retrain-examples')!,
    ...(n('test-examples') !== undefined ? { testExamples: n('test-examples')! } : {}),
    retrainBatchSize: n('retrain-batch-size')!,
    retrainLearningRate: n('retrain-lr')!,
    optimizer: values.optimizer as 'sgd' | 'adam',
    schedule: values.schedule as 'cosine' | 'step' | 'constant',
    ...(n('cutout') !== undefined ? { cutout: n('cutout')! } : {}),
    ...(n('auxiliary-weight') !== undefined ? { auxiliaryWeight: n('auxiliary-weight')! } : {}),
    ...(n('drop-path') !== undefined ? { dropPath: n('drop-path')! } : {}),
  };
  return {
    settings,
    dataset: values.dataset as string,
    dataPath: values['data-path'] as string | undefined,
    backend: values.backend as BackendChoice | 'auto',
    threads: n('threads'),
    runDir: values['run-dir'] as string | undefined,
    json: values.json === true,
    help: values.help === true,
  };
}
