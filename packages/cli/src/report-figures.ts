import type { ArchitectureDescription, ArchitectureGraph, VariableBelief } from '@asng/core';
import type { EpochEvent, StepEvent } from '@asng/engine';
import { architectureSvg, escapeXml, lineChart, numericBeliefPlot, probabilityEvolution, probabilityHeatMap } from '@asng/report-render';
import { metricInfo } from './report-comparison.js';

const figure = (svg: string) => (svg === '' ? '' : `<figure>${svg}</figure>`);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The training panels, one per quantity, each with its own axis: the
 * training and validation losses by step, each metric of the most likely
 * architecture by epoch (with its unit), the learning rate by step.
 */
export function trainingPanels(steps: readonly StepEvent[], epochs: readonly EpochEvent[]): string {
  const panels = [
    lineChart({
      title: 'Loss (mean of the lambda sampled architectures)',
      xLabel: 'step',
      series: [
        { name: 'training', color: '#d1495b', points: steps.map((s) => [s.step, s.trainLoss] as const) },
        {
          name: 'validation',
          color: '#00798c',
          points: steps.map((s) => [s.step, s.validationLosses.length > 0 ? mean(s.validationLosses) : Number.NaN] as const),
        },
      ],
    }),
    ...[...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))].map((name, i) => {
      const info = metricInfo(name);
      return lineChart({
        title: `${info.title} of the most likely architecture (held-out batches)`,
        ...(info.unit !== undefined ? { unit: info.unit } : {}),
        xLabel: 'epoch',
        series: [
          {
            name: info.title,
            color: ['#edae49', '#66a182', '#2e4057', '#8d96a3'][i % 4]!,
            points: epochs.map((e) => [e.epoch, e.metrics[name] ?? Number.NaN] as const),
          },
        ],
        scale: 'linear',
      });
    }),
    lineChart({
      title: 'Learning rate',
      xLabel: 'step',
      series: [{ name: 'learning rate', color: '#444', points: steps.map((s) => [s.step, s.learningRate] as const) }],
      scale: 'linear',
    }),
  ];
  return `<div class="panels">${panels.map(figure).join('')}</div>`;
}

type NumericBelief = Extract<VariableBelief, { kind: 'integer' | 'continuous' }>;

/**
 * The search distribution: the optimizer's convergence and step size (one
 * panel each), the final probabilities of the categorical variables, their
 * evolution over the epochs, and the numeric variables (a summary, and
 * their mean by epoch when there are few of them).
 */
export function distributionFigures(
  steps: readonly StepEvent[],
  epochs: readonly EpochEvent[],
  bounds: Readonly<Record<string, readonly [number, number]>> = {},
): string {
  const stat = (key: string, title: string) =>
    lineChart({
      title,
      xLabel: 'step',
      series: [{ name: key, color: key === 'delta' ? '#ff595e' : '#6a4c93', points: steps.map((s) => [s.step, s.optimizer[key] ?? Number.NaN] as const) }],
    });
  const last = epochs.at(-1)?.beliefs ?? [];
  const numeric = last.filter((b): b is NumericBelief => b.kind !== 'categorical');
  const beliefOf = (e: EpochEvent, name: string, key: 'mean' | 'std') => {
    const b = e.beliefs.find((x) => x.name === name);
    return b && b.kind !== 'categorical' ? b[key] : Number.NaN;
  };
  const numericCharts =
    numeric.length <= 8
      ? numeric.map((v) =>
          lineChart({
            title: `${v.name}: mean of the search distribution (and mean +/- std)`,
            xLabel: 'epoch',
            scale: 'linear',
            series: [
              { name: 'mean', color: '#1f6feb', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean')] as const) },
              { name: '+std', color: '#9ab', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean') + beliefOf(e, v.name, 'std')] as const) },
              { name: '-std', color: '#9ab', points: epochs.map((e) => [e.epoch, beliefOf(e, v.name, 'mean') - beliefOf(e, v.name, 'std')] as const) },
            ],
          }),
        )
      : [];
  return (
    `<div class="panels">${figure(stat('convergence', 'Convergence (mean largest probability)'))}${figure(stat('delta', 'Step size delta'))}</div>` +
    figure(probabilityHeatMap(last)) +
    figure(probabilityEvolution(epochs.map((e) => ({ label: `epoch ${e.epoch}`, beliefs: e.beliefs })))) +
    figure(numericBeliefPlot(last, bounds)) +
    (numericCharts.length > 0 ? `<div class="panels">${numericCharts.map(figure).join('')}</div>` : '')
  );
}

/**
 * The found architecture: the diagram drawn from the space's graph when
 * there is one (else the diagrams of the space's description), then the
 * description and the architecture's values folded away.
 */
export function architectureSection(graph: ArchitectureGraph | undefined, description: ArchitectureDescription | undefined, table: string): string {
  const drawn =
    graph !== undefined
      ? figure(architectureSvg(graph, { idPrefix: 'report-architecture' }))
      : Object.entries(description?.diagrams ?? {})
          .map(([name, svg]) => `<figure><figcaption>${escapeXml(name)}</figcaption>${svg}</figure>`)
          .join('');
  const text = description !== undefined ? `<pre>${escapeXml(description.text)}</pre>` : '';
  return `${drawn}<details${drawn === '' ? ' open' : ''}><summary>Description and value of every variable</summary>${text}${table}</details>`;
}

/** The groups of the settings table, each with the setting names it takes (others go to "other"). */
const GROUPS: readonly (readonly [string, readonly string[]])[] = [
  [
    'search',
    [
      'space',
      'spaceOptions',
      'seed',
      'epochs',
      'steps',
      'warmupSteps',
      'freezeWeightsAfterWarmup',
      'parameterPenalty',
      'validationFraction',
      'evaluationBatches',
      'checkpointMinutes',
    ],
  ],
  ['data', ['dataset', 'dataPath', 'dataCache', 'batchSize', 'maxExamples', 'augment', 'normalize']],
  ['architecture optimizer', ['optimizer', 'lambda', 'initialDelta']],
  [
    'weight training',
    ['weightOptimizer', 'learningRate', 'schedule', 'minLearningRate', 'decayEpochs', 'decayFactor', 'momentum', 'adamBetas', 'weightDecay', 'clipNorm'],
  ],
  ['machine', ['backend', 'threads', 'versions']],
];

const show = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.map(show).join(', ') : JSON.stringify(v));

/**
 * The settings of a run as one table in groups (search, data, architecture
 * optimizer, weight training, machine, other): from `config.json` (the
 * engine's, with its records of the environment and the data), `cli.json`
 * (the CLI's) and what a retraining recorded about the machine. The two `optimizer` settings are told apart: the CLI's is the
 * architecture optimizer, the engine's the weights'.
 */
export function settingsTable(
  engine: Readonly<Record<string, unknown>>,
  cli: Readonly<Record<string, unknown>> | undefined,
  machine: Readonly<Record<string, unknown>>,
): string {
  const flat = new Map<string, unknown>();
  for (const [k, v] of Object.entries(engine)) if (k !== 'config') flat.set(k, v);
  const config = engine.config;
  if (typeof config === 'object' && config !== null) for (const [k, v] of Object.entries(config)) flat.set(k === 'optimizer' ? 'weightOptimizer' : k, v);
  for (const [k, v] of Object.entries(cli ?? {})) {
    if (k === 'spaceOptions' && typeof v === 'object' && v !== null) for (const [o, x] of Object.entries(v)) flat.set(`space option ${o}`, x);
    else flat.set(k, v);
  }
  for (const [k, v] of Object.entries(machine)) flat.set(k, v);
  // The engine's records of the machine (backend, threads, versions) and of the data, one fact per row.
  const machineKeys = new Set<string>();
  for (const [record, prefix] of [
    ['environment', ''],
    ['dataFingerprint', 'data '],
  ] as const) {
    const value = flat.get(record);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    flat.delete(record);
    for (const [k, v] of Object.entries(value)) {
      flat.set(`${prefix}${k}`, v);
      if (record === 'environment') machineKeys.add(k);
    }
  }
  const groupOf = (key: string) =>
    key.startsWith('space option ')
      ? 'search'
      : key.startsWith('data ')
        ? 'data'
        : machineKeys.has(key)
          ? 'machine'
          : (GROUPS.find(([, keys]) => keys.includes(key))?.[0] ?? 'other');
  const rows = [...GROUPS.map(([g]) => g), 'other'].map((group) => {
    const inGroup = [...flat].filter(([k]) => groupOf(k) === group);
    if (group === 'machine' && inGroup.length === 0) inGroup.push(['backend', 'not recorded by the search']);
    if (inGroup.length === 0) return '';
    return `<tr class="group"><th colspan="2">${escapeXml(group)}</th></tr>${inGroup.map(([k, v]) => `<tr><th>${escapeXml(k === 'weightOptimizer' ? 'optimizer' : k)}</th><td>${escapeXml(show(v))}</td></tr>`).join('')}`;
  });
  return `<table class="settings">${rows.join('')}</table>`;
}
